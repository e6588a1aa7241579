import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PrivatePostgresServer } from '@lib/testing';
import { PostgresEventStore, START, eventStoreSchemaSql, type EventMetadata } from '@lib/event-store';

/**
 * Transaction ids must be compared as numbers. A fresh cluster starts near xid 730, so a few
 * hundred appends cross 1000, where a text comparison would put 999 after 1000 and make a
 * reader's checkpoint jump past events it never read.
 */
describe('readAll across transaction ids of different lengths', () => {
  let server: PrivatePostgresServer;
  let pool: Pool;

  beforeAll(async () => {
    server = await PrivatePostgresServer.start();
    pool = new Pool({ connectionString: server.url, max: 4 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    server?.dispose();
  });

  it('returns every event in numeric transaction order and a head at the highest', async () => {
    const store = new PostgresEventStore(pool, { schema: 'es' });
    for (const statement of eventStoreSchemaSql('es')) await pool.query(statement);
    const metadata: EventMetadata = { workspaceId: randomUUID(), actorId: null, correlationId: randomUUID(), causationId: null };
    const first = await store.appendToStream(`s-${randomUUID()}`, [{ type: 'E', data: {} }], { streamType: 's', expectedVersion: 'no_stream', metadata });
    let last = first;
    while (BigInt(last.transactionId) < 1000n || BigInt(first.transactionId) >= 1000n) {
      last = await store.appendToStream(`s-${randomUUID()}`, [{ type: 'E', data: {} }], { streamType: 's', expectedVersion: 'no_stream', metadata });
      if (BigInt(last.transactionId) > 100_000n) break;
    }
    expect(first.transactionId.length).toBeLessThan(last.transactionId.length);

    const { events } = await store.readAll(START, { limit: 10_000 });
    const all = await pool.query<{ position: string }>('SELECT position FROM es.events ORDER BY position');
    expect(events.map((e) => e.position)).toEqual(all.rows.map((r) => Number(r.position)));
    const ids = events.map((e) => BigInt(e.transactionId));
    expect(ids.every((id, i) => i === 0 || ids[i - 1] < id)).toBe(true);
    expect(await store.visibleHead()).toEqual({ transactionId: last.transactionId, position: last.positions[0] });

    // A reader in small batches sees each event once.
    const seen: number[] = [];
    for (let checkpoint = START; ; ) {
      const batch = await store.readAll(checkpoint, { limit: 7 });
      if (batch.events.length === 0) break;
      seen.push(...batch.events.map((e) => e.position));
      checkpoint = batch.checkpoint;
    }
    expect(seen).toEqual(all.rows.map((r) => Number(r.position)));
  }, 60_000);
});
