import type { PostDraftedData, PostPublishedData } from '@lib/contracts';
import { randomUUID } from 'node:crypto';
import {
  analyticsTestDatabase,
  rawRows,
  receiveSourceEvent,
  recordTrackedEvents,
  rollups,
  type AnalyticsTestDatabase,
  type RollupRow,
} from './timeseries-test-kit';

function summary(rows: RollupRow[]): string[] {
  return rows.map((row) => `${row.entity_type}/${row.entity_id} ${row.metric} ${row.bucket_start.slice(0, 13)} sum=${row.sum} count=${row.count}`);
}

describe('timeseries and entity_owners: other services activity and tracked events', () => {
  let db: AnalyticsTestDatabase;

  beforeAll(async () => {
    db = await analyticsTestDatabase('analytics_activity');
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('counts content events for the post, its campaign, the workspace and each platform, and learns who owns the post', async () => {
    const workspaceId = randomUUID();
    const postId = randomUUID();
    const campaignId = randomUUID();
    const drafted: PostDraftedData = {
      postId,
      authorId: randomUUID(),
      draftedAt: '2026-04-10T08:15:00.000Z',
      title: 'Launch',
      body: 'Live',
      hashtags: [],
      variants: [
        { platform: 'linkedin', body: null, hashtags: null },
        { platform: 'x', body: null, hashtags: null },
      ],
      campaignId,
      templateId: null,
      pillar: null,
      series: null,
    };
    const published: PostPublishedData = {
      postId,
      campaignId,
      platforms: ['linkedin', 'x'],
      publications: [
        { platform: 'linkedin', idempotencyKey: `${postId}:linkedin`, externalId: 'li', url: null, publishedAt: '2026-04-11T09:00:00.000Z', round: 1 },
        { platform: 'x', idempotencyKey: `${postId}:x`, externalId: 'x', url: null, publishedAt: '2026-04-11T09:30:00.000Z', round: 1 },
      ],
      round: 1,
      publishedAt: '2026-04-11T09:30:00.000Z',
    };
    const streamId = `post-${postId}`;
    await receiveSourceEvent(db.store, workspaceId, { type: 'PostDrafted', streamId, occurredAt: '2026-04-10T08:15:01.000Z', data: drafted });
    await receiveSourceEvent(db.store, workspaceId, { type: 'PostPublished', streamId, occurredAt: '2026-04-11T09:30:01.000Z', data: published });
    // An event without a rule counts nothing, and an owner claim from another workspace changes nothing.
    await receiveSourceEvent(db.store, workspaceId, { type: 'PostEdited', streamId, occurredAt: '2026-04-11T10:00:00.000Z', data: { postId, campaignId } });
    await receiveSourceEvent(db.store, randomUUID(), { type: 'PostDrafted', streamId: `${streamId}-elsewhere`, occurredAt: '2026-04-12T10:00:00.000Z', data: drafted });
    await db.settle();

    expect((await rawRows(db, workspaceId)).map((row) => [row.entity_type, row.entity_id, row.metric, row.platform, row.kind, row.value, row.delta, row.observed_at.slice(0, 19)])).toEqual([
      ['post', postId, 'posts_drafted', '', 'increment', 1, 1, '2026-04-10T08:15:00'],
      ['post', postId, 'posts_published', '', 'increment', 1, 1, '2026-04-11T09:30:00'],
    ]);
    expect(summary(await rollups(db, 'metric_rollups_daily', workspaceId))).toEqual([
      `campaign/${campaignId} posts_drafted 2026-04-10T00 sum=1 count=1`,
      `campaign/${campaignId} posts_published 2026-04-11T00 sum=1 count=1`,
      'platform/linkedin posts_drafted 2026-04-10T00 sum=1 count=1',
      'platform/linkedin posts_published 2026-04-11T00 sum=1 count=1',
      'platform/x posts_drafted 2026-04-10T00 sum=1 count=1',
      'platform/x posts_published 2026-04-11T00 sum=1 count=1',
      `post/${postId} posts_drafted 2026-04-10T00 sum=1 count=1`,
      `post/${postId} posts_published 2026-04-11T00 sum=1 count=1`,
      `workspace/${workspaceId} posts_drafted 2026-04-10T00 sum=1 count=1`,
      `workspace/${workspaceId} posts_published 2026-04-11T00 sum=1 count=1`,
    ]);
    expect(summary(await rollups(db, 'metric_rollups_hourly', workspaceId)).filter((row) => row.includes('posts_published'))).toEqual([
      `campaign/${campaignId} posts_published 2026-04-11T09 sum=1 count=1`,
      'platform/linkedin posts_published 2026-04-11T09 sum=1 count=1',
      'platform/x posts_published 2026-04-11T09 sum=1 count=1',
      `post/${postId} posts_published 2026-04-11T09 sum=1 count=1`,
      `workspace/${workspaceId} posts_published 2026-04-11T09 sum=1 count=1`,
    ]);

    const owners = await db.pool.query(`SELECT entity_type, entity_id, workspace_id FROM ${db.table('entity_owners')} WHERE entity_id = $1`, [postId]);
    expect(owners.rows).toEqual([{ entity_type: 'post', entity_id: postId, workspace_id: workspaceId }]);
  });

  it('keeps tracked events as rows and counts them per event name, workspace and platform', async () => {
    const workspaceId = randomUUID();
    const event = (name: string, occurredAt: string, platform: 'x' | null, properties: Record<string, unknown> = {}) => ({
      name,
      occurredAt,
      userId: 'user-1',
      sessionId: null,
      entityType: platform ? ('post' as const) : null,
      entityId: platform ? 'post-1' : null,
      platform,
      properties,
    });
    await recordTrackedEvents(db.store, workspaceId, [
      event('signup', '2026-04-20T10:05:00.000Z', null, { plan: 'pro', 'quote"s': ['a\\b'] }),
      event('signup', '2026-04-20T10:45:00.000Z', 'x'),
      event('click', '2026-04-20T11:10:00.000Z', 'x'),
    ]);
    await recordTrackedEvents(db.store, workspaceId, [event('signup', '2026-05-01T00:00:00.000Z', null)]);
    await db.settle('timeseries');

    const tracked = await db.pool.query(
      `SELECT name, to_json(occurred_at)#>>'{}' AS occurred_at, user_id, entity_type, entity_id, platform, properties, item
       FROM ${db.table('tracked_events')} WHERE workspace_id = $1 ORDER BY occurred_at`,
      [workspaceId],
    );
    expect(tracked.rows.map((row: { name: string; occurred_at: string; platform: string | null; properties: unknown; item: number }) => [row.name, row.occurred_at.slice(0, 19), row.platform, row.properties, row.item])).toEqual([
      ['signup', '2026-04-20T10:05:00', null, { plan: 'pro', 'quote"s': ['a\\b'] }, 0],
      ['signup', '2026-04-20T10:45:00', 'x', {}, 1],
      ['click', '2026-04-20T11:10:00', 'x', {}, 2],
      ['signup', '2026-05-01T00:00:00', null, {}, 0],
    ]);
    expect(summary(await rollups(db, 'metric_rollups_hourly', workspaceId))).toEqual([
      'event/click tracked_events 2026-04-20T11 sum=1 count=1',
      'event/signup tracked_events 2026-04-20T10 sum=2 count=2',
      'event/signup tracked_events 2026-05-01T00 sum=1 count=1',
      'platform/x tracked_events 2026-04-20T10 sum=1 count=1',
      'platform/x tracked_events 2026-04-20T11 sum=1 count=1',
      `workspace/${workspaceId} tracked_events 2026-04-20T10 sum=2 count=2`,
      `workspace/${workspaceId} tracked_events 2026-04-20T11 sum=1 count=1`,
      `workspace/${workspaceId} tracked_events 2026-05-01T00 sum=1 count=1`,
    ]);
    expect(summary(await rollups(db, 'metric_rollups_daily', workspaceId)).filter((row) => row.startsWith('workspace'))).toEqual([
      `workspace/${workspaceId} tracked_events 2026-04-20T00 sum=3 count=3`,
      `workspace/${workspaceId} tracked_events 2026-05-01T00 sum=1 count=1`,
    ]);
  });
});
