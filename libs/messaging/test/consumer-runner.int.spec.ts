import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { PoolClient } from 'pg';
import { Registry } from 'prom-client';
import type { EventEnvelope } from '@lib/contracts';
import {
  DEAD_LETTER_STREAM,
  DeadLetterHeaders,
  JetStreamConsumerRunner,
  OutboxRelay,
  PermanentMessageError,
  type ConsumerDefinition,
  type DeferredWork,
  type JetStreamContext,
} from '@lib/messaging';
import { eventually } from '@lib/testing';
import {
  appendPosts,
  appliedRows,
  createAppliedTable,
  envelope,
  inboxCount,
  metricValue,
  publishEnvelope,
  RecordingLogger,
  startHarness,
  streamMessages,
  type Harness,
} from './support';

describe('JetStreamConsumerRunner', () => {
  let h: Harness;
  let registry: Registry;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    h = await startHarness('consumer');
    await createAppliedTable(h.pool, h.schema);
    registry = new Registry();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await h.dispose();
  });

  /** The usual projection write, through the message's transaction. */
  const project = (durable: string) => async (event: EventEnvelope, ctx: JetStreamContext) => {
    await ctx.client.query(`INSERT INTO "${h.schema}".applied (event_id, n, durable) VALUES ($1, $2, $3)`, [event.id, event.data.n, durable]);
  };

  /** Waits for the dead-letter stream to hold exactly one message, of event `id`, and returns it. */
  async function onlyDeadLetter(id: string) {
    const [dead] = await eventually(async () => {
      const messages = await streamMessages(h.jsm, DEAD_LETTER_STREAM);
      expect(messages).toHaveLength(1);
      return messages;
    });
    expect(dead.json<EventEnvelope>().id).toBe(id);
    return dead;
  }

  async function run(handle: ConsumerDefinition['handle'], options: { durable?: string; maxDeliver?: number; retryBaseMs?: number; concurrency?: number } = {}) {
    const durable = options.durable ?? 'analytics-test';
    const runner = new JetStreamConsumerRunner({
      connection: h.connection,
      pool: h.pool,
      schema: h.schema,
      consumers: [{ durable, source: 'content', filterSubject: 'content.>', handle }],
      maxDeliver: options.maxDeliver ?? 3,
      retryBaseMs: options.retryBaseMs ?? 50,
      retryMaxMs: 2000,
      concurrency: options.concurrency,
      registry,
      logger: new RecordingLogger(),
    });
    await runner.start();
    closers.push(() => runner.close());
    return runner;
  }

  /**
   * Holds the first handled message (alone in its transaction) until `open()`, so that, with one
   * transaction per consumer, the messages published meanwhile queue up and are taken as batches.
   */
  function firstMessageGate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const gate = {
      held: false,
      open,
      async pass(): Promise<void> {
        if (gate.held) return;
        gate.held = true;
        await opened;
      },
    };
    return gate;
  }

  /**
   * Publishes `first`, waits until its handler holds the gate, publishes the rest, waits until
   * all are delivered (pending acknowledgement: queued behind the held transaction), then opens the gate.
   */
  async function publishBehindGate(gate: ReturnType<typeof firstMessageGate>, [first, ...rest]: EventEnvelope[], durable = 'analytics-test'): Promise<void> {
    await publishEnvelope(h.connection, first);
    await eventually(() => expect(gate.held).toBe(true));
    for (const event of rest) await publishEnvelope(h.connection, event);
    await eventually(async () => expect((await h.jsm.consumers.info('CONTENT', durable)).num_ack_pending).toBe(rest.length + 1));
    gate.open();
  }

  async function transactionId(client: PoolClient): Promise<string> {
    return (await client.query<{ tx: string }>('SELECT txid_current()::text AS tx')).rows[0].tx;
  }

  /** How many of `calls` each transaction saw, largest first. */
  function perTransaction(calls: readonly { tx: string }[]): number[] {
    const counts = new Map<string, number>();
    for (const { tx } of calls) counts.set(tx, (counts.get(tx) ?? 0) + 1);
    return [...counts.values()].sort((a, b) => b - a);
  }

  function occurrences(ids: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  it('applies every event the relay publishes exactly once, recording each in the inbox', async () => {
    const relay = new OutboxRelay({ service: 'content', pool: h.pool, store: h.store, connection: h.connection, pollIntervalMs: 100, logger: new RecordingLogger() });
    relay.start();
    closers.push(() => relay.stop());
    await run(project('analytics-test'));
    const ids = await appendPosts(h.store, 25);

    await eventually(async () => expect(await appliedRows(h.pool, h.schema)).toHaveLength(25));
    expect(new Set((await appliedRows(h.pool, h.schema)).map((r) => r.event_id))).toEqual(new Set(ids));
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(25);
    await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total', { durable: 'analytics-test' })).toBe(25));
    await eventually(async () => expect((await h.jsm.consumers.info('CONTENT', 'analytics-test')).num_ack_pending).toBe(0));
  });

  it('handles up to `concurrency` messages at once, each once, a copy delivered beside its original included', async () => {
    let inFlight = 0;
    let most = 0;
    await run(
      async (event, ctx) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 50));
          await project('analytics-test')(event, ctx);
        } finally {
          inFlight -= 1;
        }
      },
      { concurrency: 4 },
    );
    const events = Array.from({ length: 20 }, (_, n) => envelope(n));
    for (const event of events) await publishEnvelope(h.connection, event);
    await publishEnvelope(h.connection, events[19]);

    await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total')).toBe(21));
    expect((await appliedRows(h.pool, h.schema)).map((r) => r.n).sort((a, b) => a - b)).toEqual(events.map((_, n) => n));
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(20);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('applies an event delivered twice only once', async () => {
    await run(project('analytics-test'));
    const event = envelope(1);
    // Two copies without a msg id, as after a relay crash outside the duplicate window.
    await publishEnvelope(h.connection, event);
    await publishEnvelope(h.connection, event);
    await publishEnvelope(h.connection, envelope(2));

    await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total')).toBe(3));
    expect((await appliedRows(h.pool, h.schema)).map((r) => r.n)).toEqual([1, 2]);
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(2);
  });

  it('commits the projection write and the inbox row together: a failing handler leaves nothing behind', async () => {
    const seenOnRetry: { applied: number; inbox: number }[] = [];
    await run(async (event, ctx) => {
      await project('analytics-test')(event, ctx);
      if (ctx.deliveryCount === 1) throw new Error('fails after writing');
      // The second delivery looks from outside the transaction: the first left no trace.
      seenOnRetry.push({ applied: (await appliedRows(h.pool, h.schema)).length, inbox: await inboxCount(h.pool, h.schema, 'analytics-test') });
    });
    await publishEnvelope(h.connection, envelope(1));

    await eventually(async () => expect(await appliedRows(h.pool, h.schema)).toHaveLength(1));
    expect(seenOnRetry).toEqual([{ applied: 0, inbox: 0 }]);
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(1);
    expect(await metricValue(registry, 'messaging_consumer_failed_total')).toBe(1);
  });

  it('does not acknowledge when the handler swallowed a failed statement (the commit became a rollback)', async () => {
    await run(async (event, ctx) => {
      await project('analytics-test')(event, ctx);
      if (ctx.deliveryCount === 1) await ctx.client.query('SELECT 1/0').catch(() => undefined);
    });
    await publishEnvelope(h.connection, envelope(1));

    await eventually(async () => expect(await appliedRows(h.pool, h.schema)).toHaveLength(1));
    expect(await metricValue(registry, 'messaging_consumer_failed_total')).toBe(1);
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(1);
  });

  it('dead-letters a message that keeps failing after maxDeliver deliveries, and the messages behind it go on', async () => {
    const poison = envelope(2);
    let behindAppliedBeforeRetry: boolean | null = null;
    await run(
      async (event, ctx) => {
        if (event.id === poison.id) {
          if (ctx.deliveryCount === 2) behindAppliedBeforeRetry = (await appliedRows(h.pool, h.schema)).some((r) => r.n === 3);
          throw new Error('cannot project this one');
        }
        await project('analytics-test')(event, ctx);
      },
      { maxDeliver: 3, retryBaseMs: 300 },
    );
    for (const event of [envelope(1), poison, envelope(3), envelope(4)]) await publishEnvelope(h.connection, event);

    const [dead] = await eventually(async () => {
      const messages = await streamMessages(h.jsm, DEAD_LETTER_STREAM);
      expect(messages).toHaveLength(1);
      return messages;
    });
    expect(dead.subject).toBe('dead-letter.analytics-test');
    expect(dead.json<EventEnvelope>().id).toBe(poison.id);
    expect(dead.header.get(DeadLetterHeaders.subject)).toBe('content.post.drafted');
    expect(dead.header.get(DeadLetterHeaders.stream)).toBe('CONTENT');
    expect(dead.header.get(DeadLetterHeaders.streamSequence)).toBe('2');
    expect(dead.header.get(DeadLetterHeaders.deliveryCount)).toBe('3');
    expect(dead.header.get(DeadLetterHeaders.consumer)).toBe('analytics-test');
    expect(dead.header.get(DeadLetterHeaders.reason)).toContain('cannot project this one');

    await eventually(async () => expect((await appliedRows(h.pool, h.schema)).map((r) => r.n)).toEqual([1, 3, 4]));
    expect(behindAppliedBeforeRetry).toBe(true);
    expect(await metricValue(registry, 'messaging_consumer_dead_lettered_total', { durable: 'analytics-test' })).toBe(1);
    // Terminated, not left pending: nothing is redelivered any more.
    await eventually(async () => {
      const info = await h.jsm.consumers.info('CONTENT', 'analytics-test');
      expect([info.num_pending, info.num_ack_pending, info.num_redelivered]).toEqual([0, 0, 0]);
    });
    expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(3);
  });

  it('never dead-letters a message that failed on a transient database error (here: a row lock not available)', async () => {
    await h.pool.query(`CREATE TABLE "${h.schema}".gate (id int PRIMARY KEY); INSERT INTO "${h.schema}".gate VALUES (1)`);
    const holder = await h.pool.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM "${h.schema}".gate WHERE id = 1 FOR UPDATE`);
    let refusals = 0;
    try {
      await run(
        async (received, ctx) => {
          try {
            await ctx.client.query(`SELECT 1 FROM "${h.schema}".gate WHERE id = 1 FOR UPDATE NOWAIT`);
          } catch (error) {
            // More refusals than maxDeliver: a good message must outlast the database's trouble.
            if (++refusals === 5) await holder.query('COMMIT');
            throw error;
          }
          await project('analytics-test')(received, ctx);
        },
        { maxDeliver: 3, retryBaseMs: 20 },
      );
      await publishEnvelope(h.connection, envelope(1));
      await eventually(async () => expect((await appliedRows(h.pool, h.schema)).map((r) => r.n)).toEqual([1]), 20_000);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
    expect(refusals).toBe(5);
    expect(await streamMessages(h.jsm, DEAD_LETTER_STREAM)).toHaveLength(0);
  });

  it('dead-letters a PermanentMessageError at once, and a malformed message too', async () => {
    const bad = envelope(1);
    await run(async (event, ctx) => {
      if (event.id === bad.id) throw new PermanentMessageError('workspace unknown');
      await project('analytics-test')(event, ctx);
    });
    await publishEnvelope(h.connection, bad);
    const garbage = natsHeaders();
    garbage.set('Event-Type', 'PostDrafted');
    await jetstream(h.connection).publish('content.post.drafted', 'not json', { headers: garbage });
    await publishEnvelope(h.connection, envelope(3));

    const dead = await eventually(async () => {
      const messages = await streamMessages(h.jsm, DEAD_LETTER_STREAM);
      expect(messages).toHaveLength(2);
      return messages;
    });
    expect(dead.map((m) => [m.header.get(DeadLetterHeaders.deliveryCount), m.header.get(DeadLetterHeaders.reason)])).toEqual([
      ['1', 'workspace unknown'],
      ['1', expect.stringContaining('malformed event envelope')],
    ]);
    await eventually(async () => expect((await appliedRows(h.pool, h.schema)).map((r) => r.n)).toEqual([3]));
  });

  it('shares a durable between runners (instances of one service) without applying anything twice', async () => {
    await run(project('analytics-shared'), { durable: 'analytics-shared' });
    await run(project('analytics-shared'), { durable: 'analytics-shared' });
    for (let n = 0; n < 40; n++) await publishEnvelope(h.connection, envelope(n));
    await eventually(async () => expect(await appliedRows(h.pool, h.schema)).toHaveLength(40));
    expect(new Set((await appliedRows(h.pool, h.schema)).map((r) => r.n)).size).toBe(40);
  });
  /**
   * A handler that waits at the gate, records its transaction, projects the event and, after the
   * commit, its id; it fails the event `failing` for good after writing.
   */
  const recording =
    (gate: ReturnType<typeof firstMessageGate>, calls: { id: string; tx: string }[], committed: string[], failing?: string): ConsumerDefinition['handle'] =>
    async (event, ctx) => {
      await gate.pass();
      calls.push({ id: event.id, tx: await transactionId(ctx.client) });
      await project('analytics-test')(event, ctx);
      ctx.afterCommit(() => committed.push(event.id));
      if (event.id === failing) throw new PermanentMessageError('workspace unknown');
    };

  describe('batches of the messages that queue while every transaction is busy', () => {
    it('handles them together in one transaction, each event applied, recorded in the inbox and acknowledged once', async () => {
      const gate = firstMessageGate();
      const calls: { id: string; tx: string }[] = [];
      const committed: string[] = [];
      await run(recording(gate, calls, committed), { concurrency: 1 });
      const events = Array.from({ length: 21 }, (_, n) => envelope(n));
      await publishBehindGate(gate, events);

      await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total', { durable: 'analytics-test' })).toBe(21));
      expect((await appliedRows(h.pool, h.schema)).map((r) => r.n)).toEqual(events.map((_, n) => n));
      expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(21);
      // Nothing failed, so every handler ran once, and some transactions handled several messages.
      expect(calls.map((c) => c.id).sort()).toEqual(events.map((e) => e.id).sort());
      const sizes = perTransaction(calls);
      expect(sizes[0]).toBeGreaterThan(1);
      expect(sizes.length).toBeLessThan(21);
      expect([...occurrences(committed).values()]).toEqual(events.map(() => 1));
      expect(await metricValue(registry, 'messaging_consumer_failed_total')).toBe(0);
      await eventually(async () => expect((await h.jsm.consumers.info('CONTENT', 'analytics-test')).num_ack_pending).toBe(0));
    });

    it('rolls a batch back when one of its messages fails, and handles each alone: only the failing one is dead-lettered, no after-commit callback of the rolled-back batch runs', async () => {
      const gate = firstMessageGate();
      const events = Array.from({ length: 21 }, (_, n) => envelope(n));
      const bad = events[5];
      const calls: { id: string; tx: string }[] = [];
      const committed: string[] = [];
      await run(recording(gate, calls, committed, bad.id), { concurrency: 1 });
      await publishBehindGate(gate, events);

      const dead = await onlyDeadLetter(bad.id);
      expect(dead.header.get(DeadLetterHeaders.reason)).toBe('workspace unknown');
      expect(dead.header.get(DeadLetterHeaders.deliveryCount)).toBe('1');

      const good = events.filter((e) => e.id !== bad.id);
      await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total', { durable: 'analytics-test' })).toBe(20));
      expect((await appliedRows(h.pool, h.schema)).map((r) => r.event_id)).toEqual(good.map((e) => e.id));
      expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(20);
      // The bad message did fail inside a batch (its transaction handled others before it)...
      const batchOfBad = calls.find((c) => c.id === bad.id)!.tx;
      expect(calls.filter((c) => c.tx === batchOfBad).length).toBeGreaterThan(1);
      // ...and every message of that batch was then handled again in a transaction of its own.
      for (const { id } of calls.filter((c) => c.tx === batchOfBad)) {
        expect(calls.filter((c) => c.id === id).length).toBeGreaterThanOrEqual(2);
      }
      // Callbacks run once per committed message, never for the rolled-back batch nor the bad one.
      expect(Object.fromEntries(occurrences(committed))).toEqual(Object.fromEntries(good.map((e) => [e.id, 1])));
      expect(await metricValue(registry, 'messaging_consumer_dead_lettered_total', { durable: 'analytics-test' })).toBe(1);
      await eventually(async () => {
        const info = await h.jsm.consumers.info('CONTENT', 'analytics-test');
        expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
      });
    });
  });

  describe('deferred work', () => {
    /** Gathers the applied rows of a transaction's messages and inserts them in one statement. */
    class GatheredRows implements DeferredWork {
      private readonly rows: { id: string; n: number }[] = [];
      constructor(
        private readonly client: PoolClient,
        private readonly flushes: string[][],
        private readonly refuse: string | null = null,
      ) {}
      add(event: EventEnvelope): void {
        this.rows.push({ id: event.id, n: event.data.n as number });
      }
      async flush(): Promise<void> {
        const ids = this.rows.map((r) => r.id);
        this.flushes.push(ids);
        if (this.refuse !== null && ids.includes(this.refuse)) throw new Error('the flush refused this batch');
        await this.client.query(`INSERT INTO "${h.schema}".applied (event_id, n, durable) SELECT unnest($1::uuid[]), unnest($2::int[]), 'analytics-test'`, [
          ids,
          this.rows.map((r) => r.n),
        ]);
      }
    }

    it('is created once per transaction and flushed once before its commit, for all the messages of a batch', async () => {
      const gate = firstMessageGate();
      const key = {};
      const flushes: string[][] = [];
      let created = 0;
      await run(
        async (event, ctx) => {
          await gate.pass();
          ctx
            .deferred(key, () => {
              created += 1;
              return new GatheredRows(ctx.client, flushes);
            })
            .add(event);
        },
        { concurrency: 1 },
      );
      const events = Array.from({ length: 21 }, (_, n) => envelope(n));
      await publishBehindGate(gate, events);

      await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total', { durable: 'analytics-test' })).toBe(21));
      expect((await appliedRows(h.pool, h.schema)).map((r) => r.event_id)).toEqual(events.map((e) => e.id));
      expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(21);
      expect(flushes.flat().sort()).toEqual(events.map((e) => e.id).sort());
      expect(flushes.length).toBeLessThan(21);
      expect(Math.max(...flushes.map((ids) => ids.length))).toBeGreaterThan(1);
      expect(created).toBe(flushes.length);
    });

    it('fails the transaction when its flush fails: the batch is handled again message by message, and only the one whose work fails is retried and dead-lettered', async () => {
      const gate = firstMessageGate();
      const events = Array.from({ length: 21 }, (_, n) => envelope(n));
      const poison = events[7];
      const key = {};
      const flushes: string[][] = [];
      await run(
        async (event, ctx) => {
          await gate.pass();
          ctx.deferred(key, () => new GatheredRows(ctx.client, flushes, poison.id)).add(event);
        },
        { concurrency: 1, maxDeliver: 2, retryBaseMs: 20 },
      );
      await publishBehindGate(gate, events);

      const dead = await onlyDeadLetter(poison.id);
      expect(dead.header.get(DeadLetterHeaders.deliveryCount)).toBe('2');
      expect(dead.header.get(DeadLetterHeaders.reason)).toContain('the flush refused this batch');

      const good = events.filter((e) => e.id !== poison.id);
      await eventually(async () => expect((await appliedRows(h.pool, h.schema)).map((r) => r.event_id)).toEqual(good.map((e) => e.id)));
      expect(await inboxCount(h.pool, h.schema, 'analytics-test')).toBe(20);
      // The poison failed a batch's flush first, then its own flushes alone, once per delivery.
      expect(flushes.some((ids) => ids.includes(poison.id) && ids.length > 1)).toBe(true);
      expect(flushes.filter((ids) => ids.length === 1 && ids[0] === poison.id)).toHaveLength(2);
      // One failed attempt per delivery of the poison; none for the others.
      expect(await metricValue(registry, 'messaging_consumer_failed_total', { durable: 'analytics-test' })).toBe(2);
      await eventually(async () => {
        const info = await h.jsm.consumers.info('CONTENT', 'analytics-test');
        expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
      });
    });
  });

  it('runs an after-commit callback once the transaction has committed, and never for a delivery that rolled back', async () => {
    const ran: { delivery: number; visible: number }[] = [];
    const checks: Promise<void>[] = [];
    const event = envelope(1);
    await run(async (received, ctx) => {
      await project('analytics-test')(received, ctx);
      const delivery = ctx.deliveryCount;
      ctx.afterCommit(() => {
        // Looks from another connection: the handler's write is committed by now.
        checks.push(
          h.pool
            .query<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".applied WHERE event_id = $1`, [received.id])
            .then(({ rows }) => void ran.push({ delivery, visible: rows[0].n })),
        );
      });
      if (delivery === 1) throw new Error('fails after registering the callback');
    });
    await publishEnvelope(h.connection, event);

    await eventually(() => expect(checks).toHaveLength(1));
    await Promise.all(checks);
    expect(ran).toEqual([{ delivery: 2, visible: 1 }]);
    expect(await metricValue(registry, 'messaging_consumer_failed_total')).toBe(1);
    await eventually(async () => expect((await h.jsm.consumers.info('CONTENT', 'analytics-test')).num_ack_pending).toBe(0));
    expect(checks).toHaveLength(1);
  });
});
