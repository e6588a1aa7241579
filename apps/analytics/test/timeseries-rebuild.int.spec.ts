import type { PostDraftedData } from '@lib/contracts';
import { randomUUID } from 'node:crypto';
import { analyticsTestDatabase, partitionsOf, receiveSourceEvent, recordMetrics, recordTrackedEvents, snapshot, type AnalyticsTestDatabase } from './timeseries-test-kit';

const TABLES = {
  metric_observations: 'workspace_id, entity_type, entity_id, metric, platform, observed_at, kind, value',
  metric_rollups_hourly: 'workspace_id, entity_type, entity_id, metric, bucket_start',
  metric_rollups_daily: 'workspace_id, entity_type, entity_id, metric, bucket_start',
  tracked_events: 'workspace_id, occurred_at, event_id, item',
  entity_owners: 'entity_type, entity_id',
} as const;

describe('timeseries and entity_owners rebuilt from the events', () => {
  let db: AnalyticsTestDatabase;

  beforeAll(async () => {
    db = await analyticsTestDatabase('analytics_rebuild');
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function contents(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of Object.entries(TABLES)) out[table] = (await db.pool.query(`SELECT * FROM ${db.table(table)} ORDER BY ${order}`)).rows;
    return out;
  }

  async function partitioned(): Promise<Record<string, string>> {
    const { rows } = await db.pool.query<{ name: string; relkind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS relkind FROM pg_class c WHERE c.oid = ANY ($1::regclass[]) ORDER BY 1`,
      [['metric_observations', 'metric_rollups_hourly', 'metric_rollups_daily', 'tracked_events'].map((t) => db.table(t))],
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.relkind]));
  }

  it('gives the very rows of the live tables, still partitioned by month', async () => {
    for (const workspaceId of [randomUUID(), randomUUID()]) {
      // Cumulative snapshots out of order across events and months, with repeats; increments; activity; tracked events.
      await recordMetrics(db.store, workspaceId, [snapshot('post-1', '2026-02-10T10:00:00Z', 50), snapshot('post-2', '2026-03-01T00:30:00Z', 7)]);
      await recordMetrics(db.store, workspaceId, [snapshot('post-1', '2026-01-20T10:00:00Z', 20), snapshot('post-1', '2026-02-10T10:00:00Z', 999)]);
      await recordMetrics(db.store, workspaceId, [
        snapshot('post-1', '2026-03-05T08:00:00Z', 90),
        snapshot('post-1', '2026-01-31T23:59:59.999Z', 35),
        { entityType: 'account', entityId: 'acct', platform: 'x', metric: 'followers', value: 4, kind: 'increment', observedAt: '2026-02-01T00:00:00Z' },
      ]);
      const postId = randomUUID();
      const drafted: PostDraftedData = {
        postId,
        authorId: randomUUID(),
        draftedAt: '2026-02-02T09:00:00.000Z',
        title: 't',
        body: 'b',
        hashtags: [],
        variants: [{ platform: 'threads', body: null, hashtags: null }],
        campaignId: randomUUID(),
        templateId: null,
        pillar: null,
        series: null,
      };
      await receiveSourceEvent(db.store, workspaceId, { type: 'PostDrafted', streamId: `post-${postId}`, occurredAt: drafted.draftedAt, data: drafted });
      await recordTrackedEvents(db.store, workspaceId, [
        { name: 'visit', occurredAt: '2026-01-03T00:00:00Z', userId: 'u', sessionId: 's', entityType: null, entityId: null, platform: null, properties: { a: 1 } },
        { name: 'visit', occurredAt: '2026-03-03T00:00:00Z', userId: null, sessionId: null, entityType: 'post', entityId: postId, platform: 'threads', properties: {} },
      ]);
    }
    await db.settle();
    const live = await contents();
    expect(live.metric_observations).toHaveLength(2 * 9);
    expect(live.tracked_events).toHaveLength(4);
    expect(live.entity_owners).toHaveLength(2);
    const partitionsBefore = await partitionsOf(db, 'metric_observations');
    expect(partitionsBefore).toEqual(['metric_observations_p202601', 'metric_observations_p202602', 'metric_observations_p202603']);

    expect(await db.runner.rebuild('timeseries')).toMatchObject({ swapped: true });
    expect(await db.runner.rebuild('entity_owners')).toMatchObject({ swapped: true });

    expect(await contents()).toEqual(live);
    expect(await partitioned()).toEqual({ metric_observations: 'p', metric_rollups_daily: 'p', metric_rollups_hourly: 'p', tracked_events: 'p' });
    expect(await partitionsOf(db, 'metric_observations')).toEqual(partitionsBefore);
    expect(await partitionsOf(db, 'tracked_events')).toEqual(['tracked_events_p202601', 'tracked_events_p202603']);

    // The live projection goes on in the swapped tables, creating a month they lack.
    const workspaceId = (live.metric_observations[0] as { workspace_id: string }).workspace_id;
    await recordMetrics(db.store, workspaceId, [snapshot('post-1', '2026-04-01T00:00:00Z', 100), snapshot('post-1', '2026-02-20T00:00:00Z', 60)]);
    await db.settle('timeseries');
    const post1 = await db.pool.query<{ value: number; delta: number }>(
      `SELECT value, delta FROM ${db.table('metric_observations')} WHERE workspace_id = $1 AND entity_id = 'post-1' ORDER BY observed_at`,
      [workspaceId],
    );
    expect(post1.rows.map((row) => [row.value, row.delta])).toEqual([
      [20, 20],
      [35, 15],
      [50, 15],
      [60, 10],
      [90, 30],
      [100, 10],
    ]);
    expect(await partitionsOf(db, 'metric_observations')).toEqual([...partitionsBefore, 'metric_observations_p202604']);
  });
});
