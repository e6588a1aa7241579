import { rebuildLockKey } from '@lib/event-store';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { AnalyticsProjections } from '../src/projections';
import { PartitionMaintainer } from '../src/timeseries/partition-maintainer';
import { analyticsTestDatabase, partitionsOf, rawRows, recordMetrics, recordTrackedEvents, rollups, snapshot, type AnalyticsTestDatabase } from './timeseries-test-kit';

describe('partition maintainer: months ahead, raw retention and baselines', () => {
  let db: AnalyticsTestDatabase;
  const workspaceId = randomUUID();
  const now = new Date('2026-06-10T12:00:00.000Z'); // retention 95 days: raw months ending by 2026-03-07 go

  beforeAll(async () => {
    db = await analyticsTestDatabase('analytics_retention');
  });
  afterAll(async () => {
    await db.dispose();
  });

  function maintainer(): PartitionMaintainer {
    return new PartitionMaintainer({ pool: db.pool, schema: db.schema, now: () => now });
  }

  it('drops raw months past retention after keeping each series last snapshot, and leaves rollups as they were', async () => {
    // post-a has raw rows left after the drop; post-b only before it.
    await recordMetrics(db.store, workspaceId, [
      snapshot('post-a', '2026-01-10T10:00:00.000Z', 10),
      snapshot('post-a', '2026-01-25T10:00:00.000Z', 30),
      snapshot('post-a', '2026-02-15T10:00:00.000Z', 50),
      snapshot('post-a', '2026-03-20T10:00:00.000Z', 80),
      snapshot('post-a', '2026-04-05T10:00:00.000Z', 100),
      snapshot('post-b', '2026-01-05T10:00:00.000Z', 200),
      snapshot('post-b', '2026-02-20T10:00:00.000Z', 260),
    ]);
    const tracked = (occurredAt: string) => ({ name: 'visit', occurredAt, userId: null, sessionId: null, entityType: null, entityId: null, platform: null, properties: {} });
    await recordTrackedEvents(db.store, workspaceId, [tracked('2026-01-15T00:00:00.000Z'), tracked('2026-04-15T00:00:00.000Z')]);
    await db.settle('timeseries');
    const hourly = await rollups(db, 'metric_rollups_hourly', workspaceId);
    const daily = await rollups(db, 'metric_rollups_daily', workspaceId);
    // A rebuild's shadow is the runner's: never touched, however old its months.
    await db.pool.query(`CREATE TABLE ${db.table('metric_observations__rebuild')} (LIKE ${db.table('metric_observations')}) PARTITION BY RANGE (observed_at)`);
    await db.pool.query(
      `CREATE TABLE ${db.table('metric_observations__rebuild_p202601')} PARTITION OF ${db.table('metric_observations__rebuild')} FOR VALUES FROM ('2026-01-01Z') TO ('2026-02-01Z')`,
    );

    expect(await maintainer().runOnce()).toEqual({
      ran: true,
      dropped: ['metric_observations_p202601', 'metric_observations_p202602', 'tracked_events_p202601'],
    });

    const ahead = ['p202606', 'p202607', 'p202608', 'p202609'];
    expect(await partitionsOf(db, 'metric_observations')).toEqual(['p202603', 'p202604', ...ahead].map((p) => `metric_observations_${p}`));
    expect(await partitionsOf(db, 'tracked_events')).toEqual(['p202604', ...ahead].map((p) => `tracked_events_${p}`));
    for (const table of ['metric_rollups_hourly', 'metric_rollups_daily']) {
      expect(await partitionsOf(db, table)).toEqual(['p202601', 'p202602', 'p202603', 'p202604', ...ahead].map((p) => `${table}_${p}`));
    }
    expect(await partitionsOf(db, 'metric_observations__rebuild')).toEqual(['metric_observations__rebuild_p202601']);

    const baselines = await db.pool.query(
      `SELECT entity_id, value, to_json(observed_at)#>>'{}' AS observed_at FROM ${db.table('metric_baselines')} WHERE workspace_id = $1 ORDER BY entity_id`,
      [workspaceId],
    );
    expect(baselines.rows.map((row: { entity_id: string; value: number; observed_at: string }) => [row.entity_id, row.value, row.observed_at.slice(0, 19)])).toEqual([
      ['post-a', 50, '2026-02-15T10:00:00'],
      ['post-b', 260, '2026-02-20T10:00:00'],
    ]);
    expect(await rollups(db, 'metric_rollups_hourly', workspaceId)).toEqual(hourly);
    expect(await rollups(db, 'metric_rollups_daily', workspaceId)).toEqual(daily);
    expect(await maintainer().runOnce()).toEqual({ ran: true, dropped: [] });
  });

  it('gives a later snapshot the baseline as predecessor when its raw rows are gone, and a raw row when there is one', async () => {
    await recordMetrics(db.store, workspaceId, [snapshot('post-b', '2026-05-01T10:00:00.000Z', 300), snapshot('post-a', '2026-06-01T10:00:00.000Z', 130)]);
    await db.settle('timeseries');
    const rows = (await rawRows(db, workspaceId)).filter((row) => row.observed_at >= '2026-05');
    expect(rows.map((row) => [row.entity_id, row.value, row.delta])).toEqual([
      ['post-a', 130, 30],
      ['post-b', 300, 40],
    ]);
  });

  it('does nothing while another instance holds the maintenance lock', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`partition-maintainer:${db.schema}`]);
      expect(await maintainer().runOnce()).toEqual({ ran: false, dropped: [] });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('runs at start and then on its interval until stopped', async () => {
    let clock = new Date('2026-11-20T00:00:00.000Z');
    const errors: unknown[] = [];
    const running = new PartitionMaintainer({ pool: db.pool, schema: db.schema, intervalMs: 20, partitionsAheadMonths: 1, now: () => clock, onError: (e) => errors.push(e) });
    await running.start();
    expect(await partitionsOf(db, 'tracked_events')).toEqual(expect.arrayContaining(['tracked_events_p202611', 'tracked_events_p202612']));
    clock = new Date('2027-01-20T00:00:00.000Z');
    const deadline = Date.now() + 5_000;
    while (!(await partitionsOf(db, 'tracked_events')).includes('tracked_events_p202702') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    expect(await partitionsOf(db, 'tracked_events')).toContain('tracked_events_p202702');
    expect(errors).toEqual([]);
  });
});

describe('raw retention and rebuilds of timeseries', () => {
  let db: AnalyticsTestDatabase;
  const workspaceId = randomUUID();
  const now = new Date('2027-06-10T12:00:00.000Z'); // raw months ending by 2027-03-07 go

  beforeAll(async () => {
    db = await analyticsTestDatabase('analytics_retention_rebuild');
  });
  afterAll(async () => {
    await db.dispose();
  });

  function maintainer(): PartitionMaintainer {
    return new PartitionMaintainer({ pool: db.pool, schema: db.schema, now: () => now });
  }

  async function total(): Promise<number> {
    return (await rollups(db, 'metric_rollups_daily', workspaceId)).filter((row) => row.entity_type === 'post').reduce((sum, row) => sum + row.sum, 0);
  }

  it('drops nothing while timeseries is being rebuilt (the rebuild reads the baselines a drop moves), then drops as usual', async () => {
    await recordMetrics(db.store, workspaceId, [
      snapshot('post-r', '2027-01-10T10:00:00.000Z', 10),
      snapshot('post-r', '2027-04-10T10:00:00.000Z', 100),
      snapshot('post-r', '2027-02-25T10:00:00.000Z', 40),
    ]);
    await db.settle('timeseries');
    const rebuilding = await db.pool.connect();
    try {
      // What ProjectionRunner.rebuild holds for the whole rebuild.
      await rebuilding.query('SELECT pg_advisory_lock(hashtext($1))', [rebuildLockKey(db.schema, 'timeseries')]);
      expect(await maintainer().runOnce()).toEqual({ ran: true, dropped: [] });
      expect(await partitionsOf(db, 'metric_observations')).toEqual(expect.arrayContaining(['metric_observations_p202701', 'metric_observations_p202702']));
      expect(await partitionsOf(db, 'metric_observations')).toContain('metric_observations_p202709'); // months ahead are still created
    } finally {
      await rebuilding.query('SELECT pg_advisory_unlock(hashtext($1))', [rebuildLockKey(db.schema, 'timeseries')]);
      rebuilding.release();
    }
    expect((await maintainer().runOnce()).dropped).toEqual(['metric_observations_p202701', 'metric_observations_p202702']);
    expect(await total()).toBe(100);
  });

  it('applies retention again after a rebuild: no month comes back, rollups and totals as before', async () => {
    const liveRaw = await rawRows(db, workspaceId);
    const hourly = await rollups(db, 'metric_rollups_hourly', workspaceId);
    const daily = await rollups(db, 'metric_rollups_daily', workspaceId);
    const projections = new AnalyticsProjections(db.pool, db.store, new Registry(), maintainer(), (_projection, error) => {
      throw error;
    });

    expect(await projections.rebuild('timeseries')).toMatchObject({ swapped: true });

    expect(await rawRows(db, workspaceId)).toEqual(liveRaw);
    expect(liveRaw.map((row) => row.observed_at.slice(0, 7))).toEqual(['2027-04']);
    expect(await partitionsOf(db, 'metric_observations')).not.toContain('metric_observations_p202701');
    expect(await rollups(db, 'metric_rollups_hourly', workspaceId)).toEqual(hourly);
    expect(await rollups(db, 'metric_rollups_daily', workspaceId)).toEqual(daily);
    expect(await total()).toBe(100);
  });
});
