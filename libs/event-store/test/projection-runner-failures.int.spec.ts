import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { dropSchema, eventually, PrivatePostgresServer, testPool, uniqueSchemaName } from '@lib/testing';
import { PostgresEventStore, ProjectionRunner, eventStoreSchemaSql, type EventMetadata, type Projection } from '@lib/event-store';

/**
 * Guarantee 5: a projection must survive the database going away, and must never dead-letter a
 * good event because its connection was cut (which would leave it different from a rebuild).
 */
function counter(options: { killConnectionTimes?: number } = {}): Projection & { kills: number } {
  const projection = {
    name: 'counter',
    tables: ['counter'],
    eventTypes: ['Counted'],
    kills: 0,
    async apply(events, ctx) {
      for (const event of events) {
        if (projection.kills < (options.killConnectionTimes ?? 0)) {
          projection.kills += 1;
          // The connection is cut mid-batch, as a failover or an administrator would.
          await ctx.client.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
        await ctx.client.query(
          `INSERT INTO ${ctx.table('counter')} AS c (id, n) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET n = c.n + 1`,
          [event.streamId],
        );
      }
    },
  } satisfies Projection & { kills: number };
  return projection;
}

/** A pool that, like the services' one, survives clients losing their connection. */
function tolerantPool(pool: Pool): Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

const metadata: EventMetadata = { workspaceId: randomUUID(), actorId: null, correlationId: randomUUID(), causationId: null };

async function setUp(pool: Pool, schema: string): Promise<PostgresEventStore> {
  for (const statement of eventStoreSchemaSql(schema)) await pool.query(statement);
  await pool.query(`CREATE TABLE "${schema}".counter (id text PRIMARY KEY, n int NOT NULL)`);
  return new PostgresEventStore(pool, { schema });
}

function count(store: PostgresEventStore, id: string): Promise<unknown> {
  return store.appendToStream(id, [{ type: 'Counted', data: {} }], { streamType: 'counter', expectedVersion: 'any', metadata });
}

describe('ProjectionRunner under database failures', () => {
  it('does not dead-letter an event whose connection was cut; it applies it once the database answers', async () => {
    const pool = tolerantPool(testPool(10));
    const schema = uniqueSchemaName('projfail');
    const store = await setUp(pool, schema);
    const projection = counter({ killConnectionTimes: 8 });
    const runner = new ProjectionRunner(pool, store, [projection], { pollIntervalMs: 20, retryBaseDelayMs: 5, maxAttempts: 3 });
    try {
      await count(store, 'c-1');
      await count(store, 'c-2');
      await runner.start();
      await eventually(async () => {
        const rows = (await pool.query(`SELECT id, n FROM "${schema}".counter ORDER BY id`)).rows;
        expect(rows).toEqual([{ id: 'c-1', n: 1 }, { id: 'c-2', n: 1 }]);
      });
      expect(projection.kills).toBe(8);
      expect((await pool.query(`SELECT * FROM "${schema}".projection_dead_letters`)).rows).toEqual([]);
    } finally {
      await runner.stop();
      await dropSchema(pool, schema);
      await pool.end();
    }
  });

  it('keeps running through a PostgreSQL outage longer than its retries, and applies what comes after', async () => {
    const server = await PrivatePostgresServer.start();
    const pool = tolerantPool(new Pool({ connectionString: server.url, max: 5, connectionTimeoutMillis: 2_000 }));
    const errors: unknown[] = [];
    let runner: ProjectionRunner | null = null;
    try {
      const store = await setUp(pool, 'outage');
      runner = new ProjectionRunner(pool, store, [counter()], {
        pollIntervalMs: 20,
        retryBaseDelayMs: 5,
        maxAttempts: 2,
        onError: (_, error) => errors.push(error),
      });
      await runner.start();
      await count(store, 'c-1');
      await eventually(async () => expect((await pool.query(`SELECT n FROM outage.counter`)).rows).toEqual([{ n: 1 }]));

      server.stop('immediate');
      // Well past maxAttempts: the runner has given up on reaching the database several times.
      await eventually(async () => expect(errors.length).toBeGreaterThan(8), 30_000);
      await server.restart();

      await eventually(() => count(store, 'c-1'), 30_000);
      await eventually(async () => expect((await pool.query(`SELECT n FROM outage.counter`)).rows).toEqual([{ n: 2 }]), 30_000);
      expect((await pool.query(`SELECT * FROM outage.projection_dead_letters`)).rows).toEqual([]);
    } finally {
      await runner?.stop();
      await pool.end();
      server.dispose();
    }
  });

  it('stops promptly even while it is backing off after failures', async () => {
    const pool = testPool(5);
    const schema = uniqueSchemaName('projstop');
    const store = await setUp(pool, schema);
    const failing: Projection = { name: 'failing', tables: ['counter'], async apply() { throw new Error('always'); } };
    const errors: unknown[] = [];
    // A backoff far longer than the test's timeout: stop() must not wait it out.
    const runner = new ProjectionRunner(pool, store, [failing], { retryBaseDelayMs: 10 * 60_000, maxAttempts: 100, onError: (_, e) => errors.push(e) });
    try {
      await count(store, 'c-1');
      await runner.start();
      await eventually(async () => expect(errors.length).toBeGreaterThan(0));
      await runner.stop();
    } finally {
      await dropSchema(pool, schema);
      await pool.end();
    }
  }, 30_000);
});
