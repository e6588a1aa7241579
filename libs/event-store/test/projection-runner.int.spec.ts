import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { dropSchema, eventually, PrivatePostgresServer, testPool, uniqueSchemaName } from '@lib/testing';
import { PostgresEventStore, ProjectionRunner, RebuildInProgressError, eventStoreSchemaSql, type EventMetadata, type Projection, type ProjectionRunnerOptions } from '@lib/event-store';

/** Counts applications (not idempotent on purpose) so that any double apply shows. */
function balances(options: { poison?: boolean } = {}): Projection {
  return {
    name: 'balances',
    tables: ['balances'],
    eventTypes: ['Deposited'],
    async apply(events, ctx) {
      for (const event of events) {
        const data = event.data as { amount: number; poison?: boolean };
        await ctx.client.query(
          `INSERT INTO ${ctx.table('balances')} AS b (account_id, balance, applied) VALUES ($1, $2, 1)
           ON CONFLICT (account_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance, applied = b.applied + 1`,
          [event.streamId, data.amount],
        );
        // Throwing after the write proves the write and the checkpoint commit or roll back together.
        if (options.poison && data.poison) throw new Error('poison event');
      }
    },
  };
}

interface OwnCluster {
  pool: Pool;
  store: PostgresEventStore;
  append(type: string, data: object, account?: string): Promise<unknown>;
  /** Starts a runner of the projection that polls once a minute. */
  start(projection: Projection, options?: ProjectionRunnerOptions): Promise<ProjectionRunner>;
  /** Waits for the runner's checkpoint to reach the visible head. */
  caughtUp(runner: ProjectionRunner): Promise<void>;
}

describe('ProjectionRunner', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let schema: string;
  const metadata: EventMetadata = { workspaceId: randomUUID(), actorId: null, correlationId: randomUUID(), causationId: null };

  beforeEach(async () => {
    pool = testPool(20);
    schema = uniqueSchemaName('proj');
    for (const statement of eventStoreSchemaSql(schema)) await pool.query(statement);
    await pool.query(`CREATE TABLE "${schema}".balances (account_id text PRIMARY KEY, balance bigint NOT NULL, applied int NOT NULL)`);
    await pool.query(`CREATE INDEX balances_balance_idx ON "${schema}".balances (balance)`);
    store = new PostgresEventStore(pool, { schema });
  });
  afterEach(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function deposit(account: string, amount: number, extra: Record<string, unknown> = {}): Promise<void> {
    await store.appendToStream(account, [{ type: 'Deposited', data: { amount, ...extra } }, { type: 'Noted', data: {} }], {
      streamType: 'account',
      expectedVersion: 'any',
      metadata,
    });
  }

  async function gauge(registry: Registry, name: string): Promise<number | undefined> {
    const metric = registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values.filter((v) => v.labels.projection === 'balances') : [];
    return values[0]?.value;
  }

  async function rows(): Promise<Array<{ account_id: string; balance: string; applied: number }>> {
    return (await pool.query(`SELECT account_id, balance, applied FROM "${schema}".balances ORDER BY account_id`)).rows;
  }

  it('applies every event once and keeps its checkpoint with its rows', async () => {
    for (let i = 0; i < 30; i++) await deposit(`a-${i % 3}`, 1);
    const runner = new ProjectionRunner(pool, store, [balances()], { batchSize: 7 });
    await runner.catchUp();
    expect(await rows()).toEqual(['a-0', 'a-1', 'a-2'].map((id) => ({ account_id: id, balance: '10', applied: 10 })));
    const [status] = await runner.status();
    expect(status).toMatchObject({ name: 'balances', lagEvents: 0, lastError: null });
    await runner.catchUp();
    expect((await rows())[0].applied).toBe(10);
  });

  it('shares the work between two instances without applying anything twice', async () => {
    const one = new ProjectionRunner(pool, store, [balances()], { batchSize: 3, pollIntervalMs: 20 });
    const two = new ProjectionRunner(pool, store, [balances()], { batchSize: 3, pollIntervalMs: 20 });
    await Promise.all([one.start(), two.start()]);
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 25; i++) await deposit(`a-${w}`, 2);
    }));
    await eventually(async () => expect((await rows()).map((r) => r.applied)).toEqual([25, 25, 25, 25]));
    await Promise.all([one.stop(), two.stop()]);
    expect((await rows()).map((r) => r.balance)).toEqual(['50', '50', '50', '50']);
  });

  it('dead-letters an event that keeps failing, writes none of it, and goes on with the rest', async () => {
    const registry = new Registry();
    const runner = new ProjectionRunner(pool, store, [balances({ poison: true })], { pollIntervalMs: 20, retryBaseDelayMs: 5, maxAttempts: 3, registry });
    await deposit('a-1', 1);
    await deposit('a-1', 100, { poison: true });
    await deposit('a-1', 10);
    await runner.start();
    try {
      await eventually(async () => expect(await rows()).toEqual([{ account_id: 'a-1', balance: '11', applied: 2 }]));
      const dead = await pool.query(`SELECT projection, event_type, error FROM "${schema}".projection_dead_letters`);
      expect(dead.rows).toEqual([{ projection: 'balances', event_type: 'Deposited', error: 'poison event' }]);
      await eventually(async () => expect((await runner.status())[0].lagEvents).toBe(0));
      expect(await registry.metrics()).toMatch(/projection_dead_letters_total\{projection="balances"\} 1/);
      // Reported within a second of catching up (LagReporter).
      await eventually(async () => expect(await registry.metrics()).toMatch(/projection_lag_events\{projection="balances"\} 0/));
    } finally {
      await runner.stop();
    }
  });

  /**
   * A test on a PostgreSQL cluster of its own, with the store and the balances table in schema
   * es: on a shared server, a transaction another session holds open keeps appends invisible
   * (the horizon), and the tests below need only NOTIFYs (and the loop's own looks) to wake it.
   */
  async function onOwnCluster(test: (cluster: OwnCluster) => Promise<void>): Promise<void> {
    const server = await PrivatePostgresServer.start();
    const own = new Pool({ connectionString: server.url, max: 5 });
    const runners: ProjectionRunner[] = [];
    try {
      for (const statement of eventStoreSchemaSql('es')) await own.query(statement);
      await own.query('CREATE TABLE es.balances (account_id text PRIMARY KEY, balance bigint NOT NULL, applied int NOT NULL)');
      const store = new PostgresEventStore(own, { schema: 'es' });
      await test({
        pool: own,
        store,
        append: (type, data, account = 'a-1') => store.appendToStream(account, [{ type, data }], { streamType: 'account', expectedVersion: 'any', metadata }),
        async start(projection, options) {
          // A poll would come only after a minute.
          const runner = new ProjectionRunner(own, store, [projection], { pollIntervalMs: 60_000, ...options });
          runners.push(runner);
          await runner.start();
          return runner;
        },
        async caughtUp(runner) {
          const head = await store.visibleHead();
          await eventually(async () => expect((await runner.status())[0]).toMatchObject({ checkpoint: head, lagEvents: 0 }));
        },
      });
    } finally {
      for (const runner of runners) await runner.stop();
      await own.end();
      server.dispose();
    }
  }

  it('applies events appended one by one while it waits for a NOTIFY (no polling), and reports no lag once idle', async () => {
    // The second batch waits until the test has seen the lag gauge report what the first left.
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    await onOwnCluster(async ({ pool: own, store: ownStore, start }) => {
      // Opened before the runner stops, whatever happens: it would wait for ever on the gated batch.
      try {
        const registry = new Registry();
        const put = (account: string, amount: number) =>
          ownStore.appendToStream(account, [{ type: 'Deposited', data: { amount } }, { type: 'Noted', data: {} }], { streamType: 'account', expectedVersion: 'any', metadata });
        const balancesNow = async () => (await own.query<{ account_id: string; balance: string; applied: number }>('SELECT * FROM es.balances ORDER BY account_id')).rows;
        const base = balances();
        let batches = 0;
        const gated: Projection = {
          ...base,
          async apply(events, ctx) {
            if (++batches === 2) await opened;
            await base.apply(events, ctx);
          },
        };
        for (let i = 0; i < 10; i++) await put('a-0', 1);
        // A poll would come only after a minute: every wake-up below is a NOTIFY.
        const runner = await start(gated, { batchSize: 4, registry });
        // 20 events, of which the first batch read 4.
        await eventually(async () => expect(await gauge(registry, 'projection_lag_events')).toBe(16));
        open();
        await eventually(async () => expect(await balancesNow()).toEqual([{ account_id: 'a-0', balance: '10', applied: 10 }]));
        await eventually(async () => expect(await gauge(registry, 'projection_lag_events')).toBe(0));

        // Each append is announced to the idle loop, which must find it past its checkpoint.
        for (let i = 1; i <= 8; i++) {
          await put(`a-${i}`, i);
          await eventually(async () => expect((await balancesNow()).map((r) => r.account_id)).toContain(`a-${i}`));
        }
        const head = await ownStore.visibleHead();
        expect(head.position).toBe(36);
        await eventually(async () => expect((await runner.status())[0]).toMatchObject({ checkpoint: head, lagEvents: 0, lastError: null }));
        expect((await balancesNow()).map((r) => [r.account_id, r.applied])).toEqual([['a-0', 10], ...Array.from({ length: 8 }, (_, i) => [`a-${i + 1}`, 1])]);
        // Refreshed when the loop ran out of work, within a second of the previous refresh.
        await eventually(async () => expect(await gauge(registry, 'projection_lag_events')).toBe(0));
        await eventually(async () => expect(await gauge(registry, 'projection_checkpoint_position')).toBe(head.position));
      } finally {
        open();
      }
    });
  });

  it('applies an event held back by an older transaction as soon as that one ends, though no NOTIFY follows it (no polling)', async () => {
    await onOwnCluster(async ({ pool: own, append, start }) => {
      await start(balances());
      const balancesNow = async () => (await own.query<{ balance: string }>('SELECT balance FROM es.balances')).rows;
      const slow = await own.connect();
      try {
        // An older transaction that appends nothing (so its commit sends no NOTIFY) holds the horizon.
        await slow.query('BEGIN');
        await slow.query('SELECT pg_current_xact_id()');
        await append('Deposited', { amount: 5 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await balancesNow()).toEqual([]);
        await slow.query('COMMIT');
      } finally {
        slow.release();
      }
      // Without looking again on its own, the loop would wait for the minute-long poll.
      await eventually(async () => expect(await balancesNow()).toEqual([{ balance: '5' }]), 5_000);
    });
  });

  it('wakes a loop at once for the event types it reads, and for others once in a while rather than on every NOTIFY', async () => {
    await onOwnCluster(async ({ pool: own, store: ownStore, append, start, caughtUp }) => {
      const runner = await start(balances());
      await caughtUp(runner);
      const looks = [jest.spyOn(ownStore, 'visibility'), jest.spyOn(ownStore, 'readAll'), jest.spyOn(ownStore, 'readAllAfterLocked')];
      // 40 appends of a type it does not read, each far enough from the last to send its own NOTIFY.
      for (let i = 0; i < 40; i++) {
        await append('Noted', {});
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await caughtUp(runner);
      // One look or more per NOTIFY would be at least 40.
      expect(looks.reduce((n, spy) => n + spy.mock.calls.length, 0)).toBeLessThan(20);
      await append('Deposited', { amount: 7 });
      await eventually(async () => expect((await own.query('SELECT balance::int AS balance FROM es.balances')).rows).toEqual([{ balance: 7 }]));
    });
  });

  it('moves past stretches of events it does not read, and applies the first one it does read after them', async () => {
    await onOwnCluster(async ({ pool: own, append, start, caughtUp }) => {
      const runner = await start(balances(), { batchSize: 4 });
      // Stretches longer than a batch, none of which the projection reads: the first batch finds
      // nothing to apply, the next ones move the checkpoint past them without a transaction.
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < 10; i++) await append('Noted', {});
        await caughtUp(runner);
        await append('Deposited', { amount: round });
        await eventually(async () =>
          expect((await own.query('SELECT balance::int AS balance, applied FROM es.balances')).rows).toEqual([{ balance: (round * (round + 1)) / 2, applied: round }]),
        );
        await caughtUp(runner);
      }
    });
  });

  it('refuses a second rebuild of the same projection while one runs, from any instance', async () => {
    for (let i = 0; i < 200; i++) await deposit(`a-${i % 4}`, 1);
    const one = new ProjectionRunner(pool, store, [balances()], { batchSize: 1 });
    const two = new ProjectionRunner(pool, store, [balances()], { batchSize: 1 });
    const first = one.rebuild('balances');
    await eventually(async () => {
      const locks = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext($1)::oid`, [
        `${schema}.balances__rebuild`,
      ]);
      expect(locks.rows[0].n).toBe(1);
    });
    await expect(two.rebuild('balances')).rejects.toBeInstanceOf(RebuildInProgressError);
    expect((await first).swapped).toBe(true);
    expect((await two.rebuild('balances')).swapped).toBe(true);
  });

  it('bounds how long a swap waits behind a long read, and tries the swap again until it gets through', async () => {
    for (let i = 0; i < 20; i++) await deposit(`a-${i % 4}`, 1);
    const reader = await pool.connect();
    await reader.query('BEGIN');
    await reader.query(`SELECT count(*) FROM "${schema}".balances`);
    const released = new Promise<void>((resolve) =>
      setTimeout(() => void reader.query('COMMIT').then(() => resolve()), 600),
    );
    try {
      const runner = new ProjectionRunner(pool, store, [balances()], { swapLockTimeoutMs: 100 });
      const report = await runner.rebuild('balances');
      expect(report.swapped).toBe(true);
      await released;
      expect((await rows()).map((r) => r.applied)).toEqual([5, 5, 5, 5]);
    } finally {
      await released;
      reader.release();
    }
  });

  it('rebuilds beside the live projection while events keep arriving, then swaps in a copy equal to the live one', async () => {
    const live = new ProjectionRunner(pool, store, [balances()], { pollIntervalMs: 10, batchSize: 5 });
    for (let i = 0; i < 60; i++) await deposit(`a-${i % 4}`, i);
    await live.start();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await deposit(`a-${i % 5}`, 1);
    })();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const rebuilder = new ProjectionRunner(pool, store, [balances()], { batchSize: 5 });
      const report = await rebuilder.rebuild('balances');
      expect(report.swapped).toBe(true);
      writing = false;
      await writer;
      const expected = await pool.query(
        `SELECT stream_id AS account_id, sum((data->>'amount')::bigint)::text AS balance, count(*)::int AS applied
         FROM "${schema}".events WHERE event_type = 'Deposited' GROUP BY stream_id ORDER BY stream_id`,
      );
      // Caught up once every event is visible (another session's transaction may hold them back a while).
      const fromLive = await eventually(async () => {
        await live.catchUp();
        const caughtUp = await rows();
        expect(caughtUp).toEqual(expected.rows);
        return caughtUp;
      }, 30_000);

      // A second, independent rebuild must produce exactly the same rows.
      await rebuilder.rebuild('balances');
      expect(await rows()).toEqual(fromLive);
      expect(fromLive.every((r) => r.applied > 0)).toBe(true);
      const tables = await pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'balances%' ORDER BY 1`, [schema]);
      expect(tables.rows.map((r) => r.tablename)).toEqual(['balances']);
      const indexes = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'balances' ORDER BY 1`, [schema]);
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['balances_balance_idx', 'balances_pkey']);
    } finally {
      writing = false;
      await writer;
      await live.stop();
    }
  });
});
