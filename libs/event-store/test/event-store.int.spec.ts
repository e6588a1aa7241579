import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { dropSchema, eventually, testPool, uniqueSchemaName } from '@lib/testing';
import {
  ConcurrencyError,
  PostgresEventStore,
  START,
  UpcasterRegistry,
  eventStoreSchemaSql,
  inTransaction,
  listenForAppends,
  type EventMetadata,
  type GlobalCheckpoint,
  type RecordedEvent,
} from '@lib/event-store';

const workspaceId = randomUUID();
const metadata: EventMetadata = { workspaceId, actorId: randomUUID(), correlationId: randomUUID(), causationId: null };
const ev = (n: number) => ({ type: 'Counted', data: { n } });

describe('PostgresEventStore', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  const schema = uniqueSchemaName('es');

  beforeAll(async () => {
    pool = testPool(12);
    for (const statement of eventStoreSchemaSql(schema)) await pool.query(statement);
    store = new PostgresEventStore(pool, { schema });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function readEverything(from: GlobalCheckpoint = START): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    let checkpoint = from;
    for (;;) {
      const batch = await store.readAll(checkpoint, { limit: 1000 });
      if (batch.events.length === 0) return all;
      all.push(...batch.events);
      checkpoint = batch.checkpoint;
    }
  }

  describe('append and read a stream', () => {
    it('appends many events in one call with versions, positions, metadata and the committing transaction id', async () => {
      const streamId = `counter-${randomUUID()}`;
      const result = await store.appendToStream(streamId, [ev(1), ev(2), ev(3)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      expect(result.nextExpectedVersion).toBe(3);
      expect(result.positions).toHaveLength(3);
      expect([...result.positions].sort((a, b) => a - b)).toEqual(result.positions);

      const read = await store.readStream(streamId);
      expect(read).toMatchObject({ currentVersion: 3, streamExists: true, workspaceId });
      expect(read.events.map((e) => [e.version, e.data])).toEqual([[1, { n: 1 }], [2, { n: 2 }], [3, { n: 3 }]]);
      expect(read.events.every((e) => e.transactionId === result.transactionId)).toBe(true);
      expect(read.events[0].metadata).toEqual(metadata);
      expect(read.events[0]).toMatchObject({ streamType: 'counter', schemaVersion: 1 });
    });

    it('checks every kind of expected version', async () => {
      const streamId = `counter-${randomUUID()}`;
      const opts = (expectedVersion: number | 'any' | 'no_stream' | 'stream_exists') => ({ streamType: 'counter', expectedVersion, metadata });
      await expect(store.appendToStream(streamId, [ev(1)], opts('stream_exists'))).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.appendToStream(streamId, [ev(1)], opts(1))).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendToStream(streamId, [ev(1)], opts('no_stream'));
      await expect(store.appendToStream(streamId, [ev(2)], opts('no_stream'))).rejects.toMatchObject({ actualVersion: 1 });
      await expect(store.appendToStream(streamId, [ev(2)], opts(0))).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendToStream(streamId, [ev(2)], opts(1));
      await store.appendToStream(streamId, [ev(3)], opts('stream_exists'));
      const last = await store.appendToStream(streamId, [ev(4)], opts('any'));
      expect(last.nextExpectedVersion).toBe(4);
      await store.appendToStream(`counter-${randomUUID()}`, [ev(1)], opts('any'));
    });

    it('refuses to append to a stream of another workspace', async () => {
      const streamId = `counter-${randomUUID()}`;
      await store.appendToStream(streamId, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      const intruder = { ...metadata, workspaceId: randomUUID() };
      for (const expectedVersion of [1, 'any', 'stream_exists'] as const) {
        await expect(store.appendToStream(streamId, [ev(2)], { streamType: 'counter', expectedVersion, metadata: intruder })).rejects.toBeInstanceOf(
          ConcurrencyError,
        );
      }
      expect((await store.readStream(streamId)).currentVersion).toBe(1);
    });

    it('reads from a version and as of a point in time', async () => {
      const streamId = `counter-${randomUUID()}`;
      await store.appendToStream(streamId, [ev(1), ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      const between = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await store.appendToStream(streamId, [ev(3)], { streamType: 'counter', expectedVersion: 2, metadata });
      expect((await store.readStream(streamId, { fromVersion: 2 })).events.map((e) => e.version)).toEqual([2, 3]);
      const asOf = await store.readStream(streamId, { asOf: between });
      expect(asOf.events.map((e) => e.version)).toEqual([1, 2]);
      expect(asOf.currentVersion).toBe(3);
      const before = await store.readStream(streamId, { asOf: new Date(0) });
      expect(before.events).toEqual([]);
    });

    it('keeps events append-only', async () => {
      const streamId = `counter-${randomUUID()}`;
      await store.appendToStream(streamId, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      await expect(pool.query(`UPDATE "${schema}".events SET data = '{}' WHERE stream_id = $1`, [streamId])).rejects.toThrow(/append-only/);
      await expect(pool.query(`DELETE FROM "${schema}".events WHERE stream_id = $1`, [streamId])).rejects.toThrow(/append-only/);
    });
  });

  describe('appending to many streams at once', () => {
    const counted = (n: number) => ({ id: randomUUID(), type: 'Counted', data: { n } });

    async function streamRow(streamId: string): Promise<{ version: number; workspace_id: string; stream_type: string } | undefined> {
      const { rows } = await pool.query(`SELECT version::int AS version, workspace_id, stream_type FROM "${schema}".streams WHERE stream_id = $1`, [streamId]);
      return rows[0];
    }

    async function storedIds(ids: readonly string[]): Promise<string[]> {
      const { rows } = await pool.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".events WHERE event_id = ANY($1::uuid[])`, [ids]);
      return rows.map((r) => r.event_id);
    }

    it('appends after what each stream holds, in the order given, new and existing streams alike, in the caller\'s transaction', async () => {
      const existing = `counter-${randomUUID()}`;
      const fresh = `counter-${randomUUID()}`;
      const other = `tally-${randomUUID()}`;
      await store.appendToStream(existing, [ev(1), ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      const all = await readEverything();
      const checkpoint: GlobalCheckpoint = all.length ? { transactionId: all.at(-1)!.transactionId, position: all.at(-1)!.position } : START;

      const [e3, e4, f1, o1, o2, o3, e5] = [counted(3), counted(4), counted(1), counted(1), counted(2), counted(3), counted(5)];
      await inTransaction(pool, (client) =>
        store.appendToStreams(
          [
            { streamId: existing, streamType: 'counter', events: [e3, e4], metadata },
            { streamId: fresh, streamType: 'counter', events: [f1], metadata },
            { streamId: other, streamType: 'tally', events: [o1, o2, o3], metadata },
            // The same stream again further down the list: after the events given before it.
            { streamId: existing, streamType: 'counter', events: [e5], metadata },
          ],
          client,
        ),
      );

      const readExisting = await store.readStream(existing);
      expect(readExisting).toMatchObject({ currentVersion: 5, streamExists: true, workspaceId });
      expect(readExisting.events.map((e) => [e.version, e.data])).toEqual([1, 2, 3, 4, 5].map((n) => [n, { n }]));
      expect(readExisting.events.slice(2).map((e) => e.id)).toEqual([e3.id, e4.id, e5.id]);
      const readFresh = await store.readStream(fresh);
      expect(readFresh).toMatchObject({ currentVersion: 1, streamExists: true, workspaceId });
      expect(readFresh.events.map((e) => [e.id, e.version, e.streamType])).toEqual([[f1.id, 1, 'counter']]);
      const readOther = await store.readStream(other);
      expect(readOther.events.map((e) => [e.id, e.version, e.streamType, e.data])).toEqual([
        [o1.id, 1, 'tally', { n: 1 }],
        [o2.id, 2, 'tally', { n: 2 }],
        [o3.id, 3, 'tally', { n: 3 }],
      ]);
      expect(readOther.events[0].metadata).toEqual(metadata);

      expect(await streamRow(existing)).toEqual({ version: 5, workspace_id: workspaceId, stream_type: 'counter' });
      expect(await streamRow(fresh)).toEqual({ version: 1, workspace_id: workspaceId, stream_type: 'counter' });
      expect(await streamRow(other)).toEqual({ version: 3, workspace_id: workspaceId, stream_type: 'tally' });

      // One transaction, every event readable by position.
      const read = await eventually(async () => {
        const events = await readEverything(checkpoint);
        expect(events).toHaveLength(7);
        return events;
      }, 30_000);
      expect(new Set(read.map((e) => e.id))).toEqual(new Set([e3, e4, f1, o1, o2, o3, e5].map((e) => e.id)));
      expect(new Set(read.map((e) => e.transactionId)).size).toBe(1);
    });

    it('refuses a stream of another workspace with ConcurrencyError, and the rolled-back transaction keeps nothing of the call', async () => {
      const mine = `counter-${randomUUID()}`;
      const foreign = `counter-${randomUUID()}`;
      const before = `counter-${randomUUID()}`;
      const after = `counter-${randomUUID()}`;
      await store.appendToStream(mine, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      await store.appendToStream(foreign, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata: { ...metadata, workspaceId: randomUUID() } });

      const events = [counted(1), counted(2), counted(2), counted(1)];
      const call = inTransaction(pool, (client) =>
        store.appendToStreams(
          [
            { streamId: before, streamType: 'counter', events: [events[0]], metadata },
            { streamId: mine, streamType: 'counter', events: [events[1]], metadata },
            { streamId: foreign, streamType: 'counter', events: [events[2]], metadata },
            { streamId: after, streamType: 'counter', events: [events[3]], metadata },
          ],
          client,
        ),
      );
      await expect(call).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(call).rejects.toMatchObject({ streamId: foreign, expectedVersion: 'any', actualVersion: 1 });

      expect(await storedIds(events.map((e) => e.id))).toEqual([]);
      expect(await streamRow(before)).toBeUndefined();
      expect(await streamRow(after)).toBeUndefined();
      expect(await streamRow(mine)).toMatchObject({ version: 1 });
      expect(await streamRow(foreign)).toMatchObject({ version: 1 });
      expect((await store.readStream(mine)).events.map((e) => e.version)).toEqual([1]);
      expect((await store.readStream(foreign)).events.map((e) => e.version)).toEqual([1]);
    });

    it('writes nothing for an empty list, or for streams without events, and does not throw', async () => {
      const empty = `counter-${randomUUID()}`;
      const head = await store.headPosition();
      await inTransaction(pool, async (client) => {
        await expect(store.appendToStreams([], client)).resolves.toBeUndefined();
        await expect(store.appendToStreams([{ streamId: empty, streamType: 'counter', events: [], metadata }], client)).resolves.toBeUndefined();
      });
      expect(await store.headPosition()).toBe(head);
      expect(await streamRow(empty)).toBeUndefined();
    });
  });

  describe('optimistic concurrency', () => {
    it('lets exactly one of two writers on the same version win, and writes nothing of the loser', async () => {
      const streamId = `counter-${randomUUID()}`;
      await store.appendToStream(streamId, [ev(0)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      const writers = ['a', 'b'].map((who) =>
        store.appendToStream(streamId, [{ type: 'Counted', data: { who, n: 1 } }, { type: 'Counted', data: { who, n: 2 } }], {
          streamType: 'counter',
          expectedVersion: 1,
          metadata,
        }),
      );
      const results = await Promise.allSettled(writers);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
      const read = await store.readStream(streamId);
      expect(read.currentVersion).toBe(3);
      const writersSeen = new Set(read.events.slice(1).map((e) => (e.data as { who: string }).who));
      expect(writersSeen.size).toBe(1);
    });

    it('lets exactly one of many creators of the same stream win', async () => {
      const streamId = `counter-${randomUUID()}`;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.appendToStream(streamId, [ev(i)], { streamType: 'counter', expectedVersion: 'no_stream', metadata })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const count = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".events WHERE stream_id = $1`, [streamId]);
      expect(count.rows[0].n).toBe(1);
    });
  });

  describe('reading all events by global position', () => {
    it('never skips an event committed late by a transaction that took an earlier position', async () => {
      const start = await readEverything();
      let checkpoint: GlobalCheckpoint = start.length ? { transactionId: start.at(-1)!.transactionId, position: start.at(-1)!.position } : START;
      const slow = await pool.connect();
      const fast = await pool.connect();
      try {
        await slow.query('BEGIN');
        const early = await store.appendToStream(`counter-${randomUUID()}`, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, slow);
        await fast.query('BEGIN');
        const late = await store.appendToStream(`counter-${randomUUID()}`, [ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, fast);
        await fast.query('COMMIT');
        expect(early.positions[0]).toBeLessThan(late.positions[0]);

        // The later transaction has committed, but the earlier is still in flight: reading now
        // must not move past the earlier one's position, so nothing is returned yet.
        const whileSlowInFlight = await store.readAll(checkpoint);
        expect(whileSlowInFlight.events.map((e) => e.position)).not.toContain(late.positions[0]);
        // ...and says that committed events are held back, so a reader looks again soon.
        expect(whileSlowInFlight.held).toBe(true);
        const visibility = await store.visibility();
        expect(visibility.held).toBe(true);
        expect(visibility.head.position).not.toBe(late.positions[0]);
        checkpoint = whileSlowInFlight.checkpoint;

        await slow.query('COMMIT');
        const afterBoth = await readEverything(checkpoint);
        expect(afterBoth.map((e) => e.position)).toEqual(expect.arrayContaining([early.positions[0], late.positions[0]]));
      } finally {
        slow.release();
        fast.release();
      }
    });

    it('does not stall on a rolled-back append', async () => {
      const all = await readEverything();
      const checkpoint: GlobalCheckpoint = all.length ? { transactionId: all.at(-1)!.transactionId, position: all.at(-1)!.position } : START;
      const doomed = await pool.connect();
      try {
        await doomed.query('BEGIN');
        const lost = await store.appendToStream(`counter-${randomUUID()}`, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, doomed);
        await doomed.query('ROLLBACK');
        const kept = await store.appendToStream(`counter-${randomUUID()}`, [ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
        // Within a bound: a transaction of another session on the server may hold the horizon a while, the rolled-back one never.
        await eventually(async () => expect((await readEverything(checkpoint)).map((e) => e.position)).toEqual([kept.positions[0]]), 30_000);
        expect(kept.positions[0]).toBeGreaterThan(lost.positions[0]);
      } finally {
        doomed.release();
      }
    });

    it('returns every event exactly once across many concurrent writers and a concurrent reader', async () => {
      const before = await readEverything();
      let checkpoint: GlobalCheckpoint = before.length ? { transactionId: before.at(-1)!.transactionId, position: before.at(-1)!.position } : START;
      const seen: number[] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const batch = await store.readAll(checkpoint, { limit: 50 });
          seen.push(...batch.events.map((e) => e.position));
          checkpoint = batch.checkpoint;
        }
      })();
      const written: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 40; i++) {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              const result = await store.appendToStream(`counter-${randomUUID()}`, [ev(i)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, client);
              // Hold some transactions open so commits land out of position order.
              if (i % 3 === 0) await new Promise((r) => setTimeout(r, 5));
              if (i % 10 === 9) {
                await client.query('ROLLBACK');
              } else {
                await client.query('COMMIT');
                written.push(...result.positions);
              }
            } finally {
              client.release();
            }
          }
        }),
      );
      writing = false;
      await reader;
      seen.push(...(await readEverything(checkpoint)).map((e) => e.position));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual([...written].sort((a, b) => a - b));
    });
  });

  describe('reading after a locked checkpoint row', () => {
    const checkpoints = 'reader_checkpoints';
    beforeAll(async () => {
      await pool.query(`CREATE TABLE "${schema}".${checkpoints} (name text PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT '0', position bigint NOT NULL DEFAULT 0)`);
    });
    const lock = (name: string, skipLocked = true) => ({ table: checkpoints, name, skipLocked });

    it('reads what readAll reads after the row, in batches, and the row stays locked until the caller\'s transaction ends', async () => {
      const name = `r-${randomUUID()}`;
      await pool.query(`INSERT INTO "${schema}".${checkpoints} (name) VALUES ($1)`, [name]);
      await store.appendToStream(`counter-${randomUUID()}`, [ev(1), ev(2), ev(3)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      const everything = await readEverything();

      const seen: number[] = [];
      for (;;) {
        const batch = await inTransaction(pool, async (tx) => {
          const read = await store.readAllAfterLocked(tx, lock(name), { limit: 7 });
          // Another transaction skips the held row, or waits for it.
          expect(await inTransaction(pool, (other) => store.readAllAfterLocked(other, lock(name)))).toBeNull();
          if (read && read.events.length > 0) {
            await tx.query(`UPDATE "${schema}".${checkpoints} SET transaction_id = $2::xid8, position = $3 WHERE name = $1`, [name, read.checkpoint.transactionId, read.checkpoint.position]);
          }
          return read;
        });
        expect(batch).not.toBeNull();
        if (batch!.events.length === 0) {
          // Nothing after it: the checkpoint comes back as it stands.
          expect(batch!.checkpoint).toEqual(batch!.from);
          break;
        }
        seen.push(...batch!.events.map((e) => e.position));
      }
      expect(seen).toEqual(everything.map((e) => e.position));
    });

    it('waits for a held row when not skipping, and reads from where its holder left it', async () => {
      const name = `r-${randomUUID()}`;
      await pool.query(`INSERT INTO "${schema}".${checkpoints} (name) VALUES ($1)`, [name]);
      const head = await store.visibleHead();
      const holder = await pool.connect();
      try {
        await holder.query('BEGIN');
        expect(await store.readAllAfterLocked(holder, lock(name))).not.toBeNull();
        const waiting = inTransaction(pool, (tx) => store.readAllAfterLocked(tx, lock(name, false)));
        await holder.query(`UPDATE "${schema}".${checkpoints} SET transaction_id = $2::xid8, position = $3 WHERE name = $1`, [name, head.transactionId, head.position]);
        await holder.query('COMMIT');
        const read = await waiting;
        expect(read?.from).toEqual(head);
      } finally {
        holder.release();
      }
    });

    it('does not read past an append still in flight, and answers null for a missing row', async () => {
      const name = `r-${randomUUID()}`;
      const head = await store.visibleHead();
      await pool.query(`INSERT INTO "${schema}".${checkpoints} (name, transaction_id, position) VALUES ($1, $2::xid8, $3)`, [name, head.transactionId, head.position]);
      const slow = await pool.connect();
      try {
        await slow.query('BEGIN');
        await store.appendToStream(`counter-${randomUUID()}`, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, slow);
        const late = await store.appendToStream(`counter-${randomUUID()}`, [ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
        const read = await inTransaction(pool, (tx) => store.readAllAfterLocked(tx, lock(name)));
        expect(read?.events.map((e) => e.position)).not.toContain(late.positions[0]);
        expect(read?.held).toBe(true);
        await slow.query('COMMIT');
      } finally {
        slow.release();
      }
      expect(await inTransaction(pool, (tx) => store.readAllAfterLocked(tx, lock(`missing-${randomUUID()}`)))).toBeNull();
    });
  });

  it('prepares appends once per connection but plans every read afresh (a plan cached while the table was small would stay)', async () => {
    const one = testPool(1);
    try {
      const own = new PostgresEventStore(one, { schema });
      const streamId = `counter-${randomUUID()}`;
      await own.appendToStream(streamId, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      await own.readStream(streamId);
      await own.readAll(START, { limit: 1 });
      await own.countAfter(START);
      // The table the tests of readAllAfterLocked above created.
      await inTransaction(one, (tx) => own.readAllAfterLocked(tx, { table: 'reader_checkpoints', name: 'none', skipLocked: true }));
      const { rows } = await one.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      expect(rows).toHaveLength(1);
      expect(rows[0].statement).toMatch(/INSERT INTO/);
    } finally {
      await one.end();
    }
  });

  it('reads by position on the index of a table never analysed: no sequential scan of the store', async () => {
    const fresh = uniqueSchemaName('esplan');
    for (const statement of eventStoreSchemaSql(fresh)) await pool.query(statement);
    await pool.query(`CREATE TABLE "${fresh}".reader_checkpoints (name text PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT '0', position bigint NOT NULL DEFAULT 0)`);
    await pool.query(`INSERT INTO "${fresh}".reader_checkpoints (name) VALUES ('r')`);
    try {
      const own = new PostgresEventStore(pool, { schema: fresh });
      for (let i = 0; i < 50; i++) {
        await own.appendToStream(`counter-${randomUUID()}`, Array.from({ length: 100 }, (_, n) => ev(n)), { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      }
      const head = await own.visibleHead();
      const near = { transactionId: head.transactionId, position: head.position - 10 };
      // Scans of the table by this transaction's statements so far.
      const scans = await inTransaction(pool, async (tx) => {
        await own.readAll(near, { limit: 500 }, tx);
        await own.readAll(head, { limit: 500 }, tx);
        await own.visibility(tx);
        await own.visibleHead(tx);
        await own.countAfter(near, undefined, tx);
        await own.readAllAfterLocked(tx, { table: 'reader_checkpoints', name: 'r', skipLocked: true }, { limit: 10 });
        const { rows } = await tx.query<{ n: string }>(`SELECT pg_stat_get_xact_numscans($1::regclass) AS n`, [`"${fresh}".events`]);
        return Number(rows[0].n);
      });
      expect(scans).toBe(0);
    } finally {
      await dropSchema(pool, fresh);
    }
  });

  it('announces the event types appended (readers of others need not wake), or any type when the caller did not say', async () => {
    const heard: (readonly string[] | null)[] = [];
    const listener = await listenForAppends(pool, schema, (types) => heard.push(types));
    try {
      // On listening: anything may have been appended meanwhile.
      expect(heard).toEqual([null]);
      await store.appendToStream(`counter-${randomUUID()}`, [ev(1), { type: 'Reset', data: {} }], { streamType: 'counter', expectedVersion: 'no_stream', metadata });
      await eventually(async () => expect(heard.at(-1)).toEqual(['Counted', 'Reset']));
      await new Promise((resolve) => setTimeout(resolve, 50));
      store.announce();
      await eventually(async () => expect(heard.at(-1)).toBeNull());
    } finally {
      await listener.close();
    }
  });

  it('counts the lag past a checkpoint in reading order, not by position', async () => {
    // A takes its transaction id first but its position last; reading order is (xid, position),
    // so a reader that has read everything stands at B, the highest xid, not the highest position.
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query('SELECT pg_current_xact_id()');
      await b.query('BEGIN');
      await store.appendToStream(`counter-${randomUUID()}`, [ev(1)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, b);
      await store.appendToStream(`counter-${randomUUID()}`, [ev(2)], { streamType: 'counter', expectedVersion: 'no_stream', metadata }, a);
      await b.query('COMMIT');
      await a.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    const all = await readEverything();
    const last = all[all.length - 1];
    expect(last.position).toBeLessThan(await store.headPosition());
    expect(await store.countAfter({ transactionId: last.transactionId, position: last.position })).toBe(0);
    expect(await store.countAfter(START)).toBe(all.length);
  });

  it('reads old schema versions as the current shape through upcasters', async () => {
    const upcasters = new UpcasterRegistry([
      { type: 'Renamed', fromVersion: 1, upcast: (d) => ({ fullName: d.name }) },
      { type: 'Renamed', fromVersion: 2, upcast: (d) => ({ ...d, locale: 'en' }) },
    ]);
    const upcasting = new PostgresEventStore(pool, { schema, upcasters });
    const streamId = `person-${randomUUID()}`;
    await upcasting.appendToStream(streamId, [{ type: 'Renamed', data: { name: 'Ada' }, schemaVersion: 1 }], { streamType: 'person', expectedVersion: 'no_stream', metadata });
    await upcasting.appendToStream(streamId, [{ type: 'Renamed', data: { fullName: 'Grace', locale: 'fr' } }], { streamType: 'person', expectedVersion: 1, metadata });
    const { events } = await upcasting.readStream(streamId);
    expect(events.map((e) => [e.schemaVersion, e.data])).toEqual([
      [3, { fullName: 'Ada', locale: 'en' }],
      [3, { fullName: 'Grace', locale: 'fr' }],
    ]);
    const stored = await pool.query(`SELECT schema_version FROM "${schema}".events WHERE stream_id = $1 ORDER BY stream_version`, [streamId]);
    expect(stored.rows.map((r) => r.schema_version)).toEqual([1, 3]);
  });
});
