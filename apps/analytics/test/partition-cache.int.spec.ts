import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { PartitionMaintainer } from '../src/timeseries/partition-maintainer';
import { analyticsTestDatabase, partitionsOf, rawRows, recordMetrics, rollups, snapshot, type AnalyticsTestDatabase } from './timeseries-test-kit';

/**
 * The projection remembers which months exist per table, so its hot path runs no DDL; these are
 * the ways that memory could go stale, each followed by a write to the month concerned.
 */
describe('timeseries: the months the projection remembers stay true', () => {
  let db: AnalyticsTestDatabase;
  const workspaceId = randomUUID();

  beforeEach(async () => {
    db = await analyticsTestDatabase('analytics_partition_cache');
  });
  afterEach(async () => {
    await db.dispose();
  });

  async function observe(postId: string, at: string, value: number): Promise<void> {
    await recordMetrics(db.store, workspaceId, [snapshot(postId, at, value)]);
    await db.settle('timeseries');
  }

  it('creates a month again after the maintainer of this process dropped it', async () => {
    await observe('post-1', '2026-01-10T00:00:00Z', 5);
    await observe('post-1', '2026-05-10T00:00:00Z', 9);
    const maintainer = new PartitionMaintainer({ pool: db.pool, schema: db.schema, now: () => new Date('2026-06-10T00:00:00Z'), partitionsAheadMonths: 0 });
    expect((await maintainer.runOnce()).dropped).toEqual(['metric_observations_p202601']);

    await observe('post-2', '2026-01-20T00:00:00Z', 7);
    expect(await partitionsOf(db, 'metric_observations')).toEqual(['metric_observations_p202601', 'metric_observations_p202605', 'metric_observations_p202606']);
    expect((await rawRows(db, workspaceId)).map((row) => [row.entity_id, row.value])).toEqual([
      ['post-1', 9],
      ['post-2', 7],
    ]);
  });

  it('creates a month again after another process dropped it, once the failed batch is retried', async () => {
    // The second batch finds February there (the first created it) and remembers it.
    await observe('post-1', '2026-02-10T00:00:00Z', 5);
    await observe('post-1', '2026-02-11T00:00:00Z', 6);
    await db.pool.query(`DROP TABLE ${db.table('metric_observations_p202602')}`);

    await recordMetrics(db.store, workspaceId, [snapshot('post-2', '2026-02-20T00:00:00Z', 7)]);
    // Once the event is visible, its first batch fails on the month this process believed in.
    await eventually(() => expect(db.runner.catchUp('timeseries')).rejects.toThrow(/no partition of relation/), 60_000);
    await db.settle('timeseries');
    expect(await partitionsOf(db, 'metric_observations')).toEqual(['metric_observations_p202602']);
    expect((await rawRows(db, workspaceId)).map((row) => [row.entity_id, row.value])).toEqual([['post-2', 7]]);
  });

  it('does not take the months of an earlier rebuild shadow for those of a later one', async () => {
    await observe('post-1', '2026-01-10T00:00:00Z', 5);
    await observe('post-1', '2026-05-10T00:00:00Z', 9);
    // The first shadow has January, and is the live table after the swap.
    expect(await db.runner.rebuild('timeseries')).toMatchObject({ swapped: true });
    const maintainer = new PartitionMaintainer({ pool: db.pool, schema: db.schema, now: () => new Date('2026-06-10T00:00:00Z'), partitionsAheadMonths: 0 });
    expect((await maintainer.runOnce()).dropped).toEqual(['metric_observations_p202601']);

    // The second shadow is a copy of the live table, without January: replaying it creates it
    // (an insert there on the first shadow's word would fail the rebuild). The January snapshot
    // is the baseline's own, and counts again as it did: the rollups come out the same.
    const hourly = await rollups(db, 'metric_rollups_hourly', workspaceId);
    expect(await db.runner.rebuild('timeseries')).toMatchObject({ swapped: true });
    expect(await rollups(db, 'metric_rollups_hourly', workspaceId)).toEqual(hourly);
    expect(await partitionsOf(db, 'metric_observations')).toEqual(['metric_observations_p202601', 'metric_observations_p202605', 'metric_observations_p202606']);
    expect((await rawRows(db, workspaceId)).map((row) => [row.value, row.delta])).toEqual([
      [5, 5],
      [9, 4],
    ]);
  });
});
