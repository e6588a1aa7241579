import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Platform } from '@lib/contracts';
import { connectNats } from '@lib/messaging';
import type { ProjectionStatusView } from '@lib/service-kit';
import { dropSchema, eventually, PrivateNatsServer, ServiceProcess, TEST_DATABASE_URL, TestWorkspace, testPool, uniqueSchemaName } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { SOURCES_DURABLE } from '../src/sources/source-events';
import { serviceCaller, timeseries, totals, type Call } from './analytics-e2e-kit';

/**
 * Content and analytics as `npm start` runs them: each its own built process, its own schema,
 * one NATS between them. A post's lifecycle through content's API shows in analytics' numbers,
 * and analytics killed mid-way catches up on restart, counting every event once.
 */
const JWT_SECRET = 'content-to-analytics-secret-long-enough-for-hs256';
/**
 * Generous: on a busy 2-core machine a service takes tens of seconds to start, and an event as
 * long to go through content's relay, NATS, analytics' consumer and projection.
 */
const START_MS = 120_000;
const SETTLE_MS = 120_000;
/** Each check of the counts is 5 queries: not too often, on a machine that is busy already. */
const POLL_MS = 500;

describe('content events counted by analytics, both running as their own processes', () => {
  const ours = new TestWorkspace(JWT_SECRET);
  const theirs = new TestWorkspace(JWT_SECRET);
  const campaignId = randomUUID();
  const contentSchema = uniqueSchemaName('c2a_content');
  const analyticsSchema = uniqueSchemaName('c2a_analytics');
  let nats: PrivateNatsServer;
  let connection: NatsConnection;
  let jsm: JetStreamManager;
  let pool: Pool;
  let content: ServiceProcess;
  let analytics: ServiceProcess;
  let contentApi: Call;
  let analyticsApi: Call;
  let firstPost: string;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    pool = testPool(2);
    const shared = { NODE_ENV: 'test', DATABASE_URL: TEST_DATABASE_URL, NATS_URL: nats.url, JWT_SECRET, LOG_LEVEL: 'warn' };
    // Started together, as `npm start` does: both declare the CONTENT stream, whichever comes first.
    [content, analytics] = await Promise.all([
      ServiceProcess.start({
        service: 'content',
        startTimeoutMs: START_MS,
        env: {
          ...shared,
          DATABASE_SCHEMA: contentSchema,
          PUBLISHER: 'sandbox',
          SCHEDULER_INTERVAL_MS: '100',
          PUBLISH_WORKER_POLL_MS: '100',
          PUBLISH_RETRY_BASE_MS: '50',
          PUBLISH_RETRY_MAX_MS: '500',
        },
      }),
      ServiceProcess.start({ service: 'analytics', startTimeoutMs: START_MS, env: { ...shared, DATABASE_SCHEMA: analyticsSchema } }),
    ]);
    contentApi = serviceCaller(() => content.url);
    analyticsApi = serviceCaller(() => analytics.url);
    connection = await connectNats({ servers: nats.url, name: 'content-to-analytics-e2e' });
    jsm = await jetstreamManager(connection);
  }, 2 * START_MS);

  afterAll(async () => {
    await Promise.all([content?.kill(), analytics?.kill()]);
    await connection?.drain();
    await nats?.dispose();
    if (pool) {
      await dropSchema(pool, contentSchema);
      await dropSchema(pool, analyticsSchema);
      await pool.end();
    }
  });

  /** Runs a step; on failure, adds what both services logged, the first thing to read. */
  async function withLogs(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof Error) {
        error.message += `\n--- content (tail) ---\n${content.logTail(3000)}\n--- analytics (tail) ---\n${analytics.logTail(3000)}`;
      }
      throw error;
    }
  }

  /** Drafts a post in `ws` on `platforms` in the campaign, takes it through review and publishing, and waits until content says published. */
  async function publishedPost(ws: TestWorkspace, platforms: Platform[]): Promise<string> {
    const drafted = await contentApi<{ id: string }>('POST', '/v1/posts', {
      as: ws,
      role: 'editor',
      body: { title: `Launch ${randomUUID().slice(0, 8)}`, body: 'We are live', variants: platforms.map((platform) => ({ platform })), campaignId },
    });
    expect(drafted.status).toBe(201);
    const id = drafted.json.id;
    expect((await contentApi('POST', `/v1/posts/${id}/submit`, { as: ws, role: 'editor' })).status).toBe(200);
    expect((await contentApi('POST', `/v1/posts/${id}/approve`, { as: ws, role: 'admin', body: {} })).status).toBe(200);
    expect((await contentApi('POST', `/v1/posts/${id}/publish`, { as: ws, role: 'editor' })).status).toBe(200);
    await eventually(async () => {
      const post = await contentApi<{ status: string }>('GET', `/v1/posts/${id}`, { as: ws, role: 'viewer' });
      expect(post.json.status).toBe('published');
    }, SETTLE_MS);
    return id;
  }

  /** Analytics' counts of `ws`'s posts: the workspace, the campaign, each platform, and the posts given. */
  async function counts(ws: TestWorkspace, posts: readonly string[]): Promise<Record<string, Record<string, number | null>>> {
    const metrics = ['posts_drafted', 'posts_published'] as const;
    const entities: Array<[string, string, string]> = [
      ['workspace', 'workspace', ws.id],
      ['campaign', 'campaign', campaignId],
      ['linkedin', 'platform', 'linkedin'],
      ['x', 'platform', 'x'],
      ...posts.map((post, i): [string, string, string] => [`post ${i + 1}`, 'post', post]),
    ];
    const answers = await Promise.all(entities.map(([, entityType, entityId]) => totals(analyticsApi, ws, { metrics, entityType, entityId })));
    return Object.fromEntries(entities.map(([name], i) => [name, answers[i]]));
  }

  /** Everything content published has been consumed and projected: nothing pending on the durable, no projection lag. */
  async function analyticsCaughtUp(): Promise<void> {
    await eventually(async () => {
      const consumer = await jsm.consumers.info('CONTENT', SOURCES_DURABLE);
      expect({ pending: consumer.num_pending, unacknowledged: consumer.num_ack_pending }).toEqual({ pending: 0, unacknowledged: 0 });
      const projections = await analyticsApi<ProjectionStatusView[]>('GET', '/v1/admin/projections', { as: ours, role: 'admin' });
      expect(projections.json.map(({ name, lagEvents }) => [name, lagEvents])).toEqual([
        ['entity_owners', 0],
        ['timeseries', 0],
      ]);
    }, SETTLE_MS, POLL_MS);
  }

  it(
    'counts a post published through content for its workspace, campaign and platforms, and shows it to no other workspace',
    () =>
      withLogs(async () => {
        firstPost = await publishedPost(ours, ['linkedin', 'x']);

        const once = { posts_drafted: 1, posts_published: 1 };
        await eventually(async () => {
          // Drafting counts each platform of the post's variants; publishing each platform published.
          expect(await counts(ours, [firstPost])).toEqual({ workspace: once, campaign: once, linkedin: once, x: once, 'post 1': once });
        }, SETTLE_MS, POLL_MS);

        const none = { posts_drafted: 0, posts_published: 0 };
        expect(await totals(analyticsApi, theirs, { metrics: ['posts_drafted', 'posts_published'], entityType: 'workspace', entityId: theirs.id })).toEqual(none);
        // The same campaign id and platforms in their workspace hold none of ours.
        expect(await totals(analyticsApi, theirs, { metrics: ['posts_drafted', 'posts_published'], entityType: 'campaign', entityId: campaignId })).toEqual(none);
        expect(await totals(analyticsApi, theirs, { metrics: ['posts_drafted', 'posts_published'], entityType: 'platform', entityId: 'linkedin' })).toEqual(none);

        const ourPost = await timeseries(analyticsApi, theirs, { metrics: ['posts_published'], entityType: 'post', entityId: firstPost });
        expect({ status: ourPost.status, message: ourPost.json.message }).toEqual({ status: 404, message: `post ${firstPost} not found` });
        const ourTotal = await timeseries(analyticsApi, theirs, { metrics: ['posts_published'], entityType: 'workspace', entityId: ours.id });
        expect({ status: ourTotal.status, message: ourTotal.json.message }).toEqual({ status: 404, message: `workspace ${ours.id} not found` });
      }),
    3 * SETTLE_MS,
  );

  it(
    'catches up after being killed while content published another post, counting each event exactly once',
    () =>
      withLogs(async () => {
        await analyticsCaughtUp();
        await analytics.kill();

        const secondPost = await publishedPost(ours, ['linkedin']);
        // On NATS while analytics was down: the restart must fetch it from the durable, not from a live push.
        await eventually(async () => {
          const { state } = await jsm.streams.info('CONTENT', { subjects_filter: 'content.post.published' });
          expect(state.subjects).toEqual({ 'content.post.published': 2 });
        }, SETTLE_MS);

        await analytics.restart();
        const once = { posts_drafted: 1, posts_published: 1 };
        const twice = { posts_drafted: 2, posts_published: 2 };
        const expected = {
          workspace: twice,
          campaign: twice,
          linkedin: twice,
          x: once,
          'post 1': once,
          'post 2': once,
        };
        await eventually(async () => expect(await counts(ours, [firstPost, secondPost])).toEqual(expected), SETTLE_MS, POLL_MS);

        // Settled, not merely reached: with nothing left to consume or project, the counts stay,
        // and each of content's events was recorded once.
        await analyticsCaughtUp();
        expect(await counts(ours, [firstPost, secondPost])).toEqual(expected);
        const { state } = await jsm.streams.info('CONTENT');
        const recorded = await pool.query<{ inbox: number; received: number; distinct_ids: number }>(
          `SELECT (SELECT count(*)::int FROM "${analyticsSchema}".inbox WHERE consumer = $1) AS inbox,
                  count(*)::int AS received,
                  count(DISTINCT data->'source'->>'id')::int AS distinct_ids
           FROM "${analyticsSchema}".events WHERE event_type = 'SourceEventReceived'`,
          [SOURCES_DURABLE],
        );
        expect(recorded.rows[0]).toEqual({ inbox: state.messages, received: state.messages, distinct_ids: state.messages });
      }),
    5 * SETTLE_MS + START_MS,
  );
});
