import { randomUUID } from 'node:crypto';
import {
  analyticsTestDatabase,
  permutations,
  rawRows,
  recordMetrics,
  rollups,
  snapshot,
  type AnalyticsTestDatabase,
  type RawRow,
  type RollupRow,
} from './timeseries-test-kit';

/** Four snapshots of one series: two in one hour, one across midnight and a month boundary, one days later. */
const SNAPSHOTS = [
  { at: '2026-01-31T22:30:00.000Z', value: 10 },
  { at: '2026-01-31T23:10:00.000Z', value: 25 },
  { at: '2026-02-01T00:20:00.000Z', value: 40 },
  { at: '2026-02-03T10:00:00.000Z', value: 100 },
];

interface SeriesState {
  raw: RawRow[];
  hourly: RollupRow[];
  daily: RollupRow[];
}

describe('timeseries: cumulative snapshots give the same rows whatever the order they arrive in', () => {
  let db: AnalyticsTestDatabase;

  beforeAll(async () => {
    db = await analyticsTestDatabase('analytics_order');
  });
  afterAll(async () => {
    await db.dispose();
  });

  /** The workspace's rows with its own ids replaced, so workspaces loaded in different orders compare equal. */
  async function state(workspaceId: string, postId: string): Promise<SeriesState> {
    const anonymous = <T extends { entity_id: string }>(rows: T[]): T[] =>
      rows.map((row) => ({ ...row, entity_id: row.entity_id === workspaceId ? 'WORKSPACE' : row.entity_id === postId ? 'POST' : row.entity_id }));
    return {
      raw: anonymous(await rawRows(db, workspaceId)),
      hourly: anonymous(await rollups(db, 'metric_rollups_hourly', workspaceId)),
      daily: anonymous(await rollups(db, 'metric_rollups_daily', workspaceId)),
    };
  }

  /**
   * Loads the snapshots in each order (each in a workspace of its own), grouped into events as
   * `split` says: the orders side by side, event after event, applying each round of events
   * before the next is appended when `applyEach`, else all at once at the end.
   */
  async function load(orders: number[][], split: number[][], applyEach: boolean): Promise<SeriesState[]> {
    const series = orders.map(() => ({ workspaceId: randomUUID(), postId: randomUUID() }));
    for (const group of split) {
      for (const [n, order] of orders.entries()) {
        const { workspaceId, postId } = series[n];
        await recordMetrics(
          db.store,
          workspaceId,
          group.map((index) => snapshot(postId, SNAPSHOTS[order[index]].at, SNAPSHOTS[order[index]].value)),
        );
      }
      if (applyEach) await db.settle('timeseries');
    }
    if (!applyEach) await db.settle('timeseries');
    return Promise.all(series.map(({ workspaceId, postId }) => state(workspaceId, postId)));
  }

  const orders = permutations([0, 1, 2, 3]);

  it('one event per snapshot, each applied on its own, in all 24 orders', async () => {
    expect(orders).toHaveLength(24);
    const results = await load(orders, [[0], [1], [2], [3]], true);

    const [first] = results;
    expect(first.raw.map((row) => [row.value, row.delta])).toEqual([
      [10, 10],
      [25, 15],
      [40, 15],
      [100, 60],
    ]);
    const byBucket = (rows: RollupRow[], entity: string): unknown[] =>
      rows.filter((row) => row.entity_id === entity).map((row) => [row.bucket_start.slice(0, 13), row.sum, row.count, row.min, row.max, row.last]);
    for (const entity of ['POST', 'WORKSPACE', 'linkedin']) {
      expect(byBucket(first.hourly, entity)).toEqual([
        ['2026-01-31T22', 10, 1, 10, 10, 10],
        ['2026-01-31T23', 15, 1, 25, 25, 25],
        ['2026-02-01T00', 15, 1, 40, 40, 40],
        ['2026-02-03T10', 60, 1, 100, 100, 100],
      ]);
      expect(byBucket(first.daily, entity)).toEqual([
        ['2026-01-31T00', 25, 2, 10, 25, 25],
        ['2026-02-01T00', 15, 1, 40, 40, 40],
        ['2026-02-03T00', 60, 1, 100, 100, 100],
      ]);
    }
    expect(new Set(first.hourly.map((row) => row.entity_type))).toEqual(new Set(['post', 'workspace', 'platform']));
    for (const result of results) expect(result).toEqual(first);
  });

  it('all 24 orders in one batch, and several snapshots of the series in one event, give the same rows', async () => {
    const [reference] = await load([[0, 1, 2, 3]], [[0], [1], [2], [3]], true);
    const splits: [number[][], boolean][] = [
      [[[0], [1], [2], [3]], false],
      [[[0, 1], [2, 3]], true],
      [[[0], [1, 2, 3]], true],
      [[[0, 1, 2, 3]], true],
    ];
    for (const [split, applyEach] of splits) {
      for (const result of await load(orders, split, applyEach)) expect(result).toEqual(reference);
    }
  });

  it('ignores a repeat of an instant, in another event or in the same one: the first recorded wins', async () => {
    const workspaceId = randomUUID();
    const postId = randomUUID();
    await recordMetrics(db.store, workspaceId, [snapshot(postId, SNAPSHOTS[1].at, 25)]);
    await db.settle('timeseries');
    await recordMetrics(db.store, workspaceId, [snapshot(postId, SNAPSHOTS[1].at, 999), snapshot(postId, SNAPSHOTS[0].at, 10), snapshot(postId, SNAPSHOTS[0].at, 500)]);
    await db.settle('timeseries');
    await recordMetrics(db.store, workspaceId, [snapshot(postId, SNAPSHOTS[0].at, 7)]);
    await db.settle('timeseries');

    expect((await rawRows(db, workspaceId)).map((row) => [row.value, row.delta])).toEqual([
      [10, 10],
      [25, 15],
    ]);
    const daily = (await rollups(db, 'metric_rollups_daily', workspaceId)).filter((row) => row.entity_type === 'post');
    expect(daily).toEqual([expect.objectContaining({ sum: 25, count: 2, min: 10, max: 25, last: 25 })]);
  });

  it('adds increments, two at the same instant included', async () => {
    const workspaceId = randomUUID();
    const accountId = 'acct-1';
    const increment = (value: number, observedAt: string) =>
      ({ entityType: 'account', entityId: accountId, platform: 'x', metric: 'followers', value, kind: 'increment', observedAt }) as const;
    await recordMetrics(db.store, workspaceId, [increment(3, '2026-03-01T10:00:00Z'), increment(4, '2026-03-01T10:00:00Z')]);
    await recordMetrics(db.store, workspaceId, [increment(5, '2026-03-01T10:30:00Z')]);
    await db.settle('timeseries');

    expect((await rawRows(db, workspaceId)).map((row) => [row.kind, row.value, row.delta])).toEqual([
      ['increment', 3, 3],
      ['increment', 4, 4],
      ['increment', 5, 5],
    ]);
    const hourly = await rollups(db, 'metric_rollups_hourly', workspaceId);
    expect(hourly.map((row) => [row.entity_type, row.sum, row.count, row.min, row.max, row.last])).toEqual([
      ['account', 12, 3, 3, 5, 5],
      ['platform', 12, 3, 3, 5, 5],
      ['workspace', 12, 3, 3, 5, 5],
    ]);
  });

  it('takes the greater value as last when two series of an aggregate are observed at the same instant', async () => {
    const workspaceId = randomUUID();
    await recordMetrics(db.store, workspaceId, [snapshot('post-a', '2026-03-02T10:00:00Z', 30), snapshot('post-b', '2026-03-02T10:00:00Z', 50)]);
    await db.settle('timeseries');
    await recordMetrics(db.store, workspaceId, [snapshot('post-c', '2026-03-02T10:00:00Z', 40), snapshot('post-d', '2026-03-02T09:59:00Z', 99)]);
    await db.settle('timeseries');
    const workspace = (await rollups(db, 'metric_rollups_daily', workspaceId)).filter((row) => row.entity_type === 'workspace');
    expect(workspace).toEqual([expect.objectContaining({ sum: 219, count: 4, min: 30, max: 99, last: 50 })]);
  });
});
