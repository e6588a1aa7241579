import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { dropSchema, eventually, testPool, uniqueSchemaName } from '@lib/testing';
import { PostgresEventStore, ProjectionRunner, eventStoreSchemaSql, qualified, type EventMetadata, type Projection } from '@lib/event-store';

/** The month partition an instant belongs to: `_pYYYYMM` (UTC) and its bounds. */
function monthOf(at: string): { suffix: string; from: string; to: string } {
  const instant = new Date(at);
  const year = instant.getUTCFullYear();
  const month = instant.getUTCMonth();
  return {
    suffix: `_p${year}${String(month + 1).padStart(2, '0')}`,
    from: new Date(Date.UTC(year, month, 1)).toISOString(),
    to: new Date(Date.UTC(year, month + 1, 1)).toISOString(),
  };
}

/**
 * Hourly sums per sensor in a table partitioned by month, creating the month an observation
 * falls in when it is missing (as a backfill would), named after the table it writes to.
 * `beforeRebuildBatch` runs at the start of each batch applied to the shadow.
 */
function readings(beforeRebuildBatch?: () => Promise<void>): Projection {
  return {
    name: 'readings',
    tables: ['readings'],
    eventTypes: ['Observed'],
    async apply(events, ctx) {
      if (ctx.rebuilding) await beforeRebuildBatch?.();
      for (const event of events) {
        const { at, value } = event.data as { at: string; value: number };
        const month = monthOf(at);
        await ctx.client.query(
          `CREATE TABLE IF NOT EXISTS ${qualified(ctx.schema, ctx.tableName('readings') + month.suffix)}
           PARTITION OF ${ctx.table('readings')} FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
        );
        await ctx.client.query(
          `INSERT INTO ${ctx.table('readings')} AS r (sensor, hour, total, n) VALUES ($1, date_trunc('hour', $2::timestamptz), $3, 1)
           ON CONFLICT (sensor, hour) DO UPDATE SET total = r.total + EXCLUDED.total, n = r.n + 1`,
          [event.streamId, at, value],
        );
      }
    },
  };
}

describe('ProjectionRunner: rebuilding a partitioned table', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let schema: string;
  const metadata: EventMetadata = { workspaceId: randomUUID(), actorId: null, correlationId: randomUUID(), causationId: null };

  beforeEach(async () => {
    pool = testPool(20);
    schema = uniqueSchemaName('proj_parts');
    for (const statement of eventStoreSchemaSql(schema)) await pool.query(statement);
    // As a migration would: the table, an index, and two months created ahead.
    await pool.query(
      `CREATE TABLE "${schema}".readings (sensor text NOT NULL, hour timestamptz NOT NULL, total bigint NOT NULL, n int NOT NULL,
         PRIMARY KEY (sensor, hour)) PARTITION BY RANGE (hour)`,
    );
    await pool.query(`CREATE INDEX readings_total_idx ON "${schema}".readings (total)`);
    for (const at of ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z']) await createLivePartition(at);
    store = new PostgresEventStore(pool, { schema });
  });
  afterEach(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function createLivePartition(at: string): Promise<void> {
    const month = monthOf(at);
    await pool.query(
      `CREATE TABLE ${qualified(schema, 'readings' + month.suffix)} PARTITION OF ${qualified(schema, 'readings')}
       FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
    );
  }

  async function observe(sensor: string, at: string, value: number): Promise<void> {
    await store.appendToStream(sensor, [{ type: 'Observed', data: { at, value } }], { streamType: 'sensor', expectedVersion: 'any', metadata });
  }

  type Row = { sensor: string; hour: Date; total: string; n: number };

  async function rows(): Promise<Row[]> {
    return (await pool.query<Row>(`SELECT sensor, hour, total, n FROM "${schema}".readings ORDER BY sensor, hour`)).rows;
  }

  /** What the projection should hold, straight from the events. */
  async function expectedRows(): Promise<Row[]> {
    const result = await pool.query<Row>(
      `SELECT stream_id AS sensor, date_trunc('hour', (data->>'at')::timestamptz) AS hour, sum((data->>'value')::bigint)::text AS total, count(*)::int AS n
       FROM "${schema}".events WHERE event_type = 'Observed' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return result.rows;
  }

  async function isPartitioned(): Promise<boolean> {
    const result = await pool.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [qualified(schema, 'readings')]);
    return result.rows[0].relkind === 'p';
  }

  async function partitionNames(): Promise<string[]> {
    const result = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
      [qualified(schema, 'readings')],
    );
    return result.rows.map((r) => r.name);
  }

  /** Index names by the table (or partition) they are on. */
  async function indexNames(): Promise<Record<string, string[]>> {
    const result = await pool.query<{ tablename: string; indexnames: string[] }>(
      `SELECT tablename, array_agg(indexname::text ORDER BY indexname) AS indexnames FROM pg_indexes
       WHERE schemaname = $1 AND tablename LIKE 'readings%' GROUP BY tablename`,
      [schema],
    );
    return Object.fromEntries(result.rows.map((r) => [r.tablename, r.indexnames]));
  }

  /** Every relation of the schema a rebuild names, which must all be gone after a swap. */
  async function rebuildLeftovers(): Promise<string[]> {
    const result = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND (c.relname LIKE '%\\_\\_rebuild%' OR c.relname LIKE '%\\_\\_retired%') ORDER BY 1`,
      [schema],
    );
    return result.rows.map((r) => r.name);
  }

  it('swaps in a partitioned copy with the same partitions, the months it created on demand, and the same names', async () => {
    await observe('sensor-a', '2026-10-05T10:15:00Z', 1);
    await observe('sensor-a', '2026-10-05T10:45:00Z', 2);
    await observe('sensor-a', '2026-11-20T08:00:00Z', 3);
    await observe('sensor-b', '2026-11-21T09:00:00Z', 5);
    await observe('sensor-b', '2026-12-24T18:30:00Z', 8); // no partition yet: the live projection creates it
    const live = new ProjectionRunner(pool, store, [readings()]);
    // Caught up once every event is visible (another session's transaction may hold them back a while).
    await eventually(async () => {
      await live.catchUp();
      expect(await partitionNames()).toEqual(['readings_p202610', 'readings_p202611', 'readings_p202612']);
    }, 30_000);
    const liveRows = await rows();
    expect(liveRows).toEqual(await expectedRows());
    const indexesBefore = await indexNames();

    // A month the live projection has not applied yet: only the shadow creates it, on demand.
    await observe('sensor-a', '2027-01-15T10:00:00Z', 13);
    // And one created ahead on the live table while the rebuild runs, as a partition maintainer
    // would: the swap must not lose it.
    let createdAhead = false;
    const rebuilder = new ProjectionRunner(
      pool,
      store,
      [
        readings(async () => {
          if (createdAhead) return;
          createdAhead = true;
          await createLivePartition('2030-01-01T00:00:00Z');
        }),
      ],
      { batchSize: 2 },
    );
    const report = await rebuilder.rebuild('readings');
    expect(report).toMatchObject({ swapped: true, events: 6 });
    expect(createdAhead).toBe(true);

    expect(await isPartitioned()).toBe(true);
    expect(await partitionNames()).toEqual(['readings_p202610', 'readings_p202611', 'readings_p202612', 'readings_p202701', 'readings_p203001']);
    expect(await rebuildLeftovers()).toEqual([]);
    const indexesAfter = await indexNames();
    for (const [table, names] of Object.entries(indexesBefore)) expect(indexesAfter[table]).toEqual(names);
    expect(indexesAfter.readings).toEqual(['readings_pkey', 'readings_total_idx']);
    expect(indexesAfter.readings_p202701).toEqual(['readings_p202701_pkey', 'readings_p202701_total_idx']);
    const rebuilt = await rows();
    expect(rebuilt).toEqual(await expectedRows());
    expect(rebuilt.filter((r) => r.hour < new Date('2027-01-01T00:00:00Z'))).toEqual(liveRows);

    // The live projection goes on from the swapped checkpoint, into the swapped table.
    await observe('sensor-c', '2027-02-03T04:05:00Z', 21);
    await observe('sensor-a', '2026-10-05T10:30:00Z', 34);
    await live.catchUp();
    expect(await partitionNames()).toEqual([
      'readings_p202610',
      'readings_p202611',
      'readings_p202612',
      'readings_p202701',
      'readings_p202702',
      'readings_p203001',
    ]);
    expect(await rows()).toEqual(await expectedRows());
    expect((await live.status())[0].lagEvents).toBe(0);

    // A second rebuild of the swapped table gives the very same rows, partitions and names.
    const current = await rows();
    const currentIndexes = await indexNames();
    expect((await rebuilder.rebuild('readings')).swapped).toBe(true);
    expect(await rows()).toEqual(current);
    expect(await indexNames()).toEqual(currentIndexes);
    expect(await rebuildLeftovers()).toEqual([]);
  });

  it('ends with one partition per month observed while the live projection and writers keep going', async () => {
    const live = new ProjectionRunner(pool, store, [readings()], { pollIntervalMs: 10, batchSize: 5 });
    const at = (i: number): string => new Date(Date.UTC(2026, 9 + (i % 18), 1 + (i % 27), i % 24)).toISOString();
    for (let i = 0; i < 40; i++) await observe(`sensor-${i % 3}`, at(i), i);
    await live.start();
    let writing = true;
    const writer = (async () => {
      for (let i = 40; writing; i++) await observe(`sensor-${i % 4}`, at(i), i);
    })();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const report = await new ProjectionRunner(pool, store, [readings()], { batchSize: 5 }).rebuild('readings');
      expect(report.swapped).toBe(true);
      writing = false;
      await writer;
      await live.catchUp();

      expect(await isPartitioned()).toBe(true);
      expect(await rows()).toEqual(await expectedRows());
      expect(await rebuildLeftovers()).toEqual([]);
      const months = await pool.query<{ suffix: string }>(
        `SELECT DISTINCT to_char((data->>'at')::timestamptz AT TIME ZONE 'UTC', '"_p"YYYYMM') AS suffix FROM "${schema}".events ORDER BY 1`,
      );
      expect(await partitionNames()).toEqual(months.rows.map((r) => `readings${r.suffix}`));
    } finally {
      writing = false;
      await writer;
      await live.stop();
    }
  });
});
