import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectFor } from '@lib/contracts';
import { connectNats } from '@lib/messaging';
import type { ProjectionStatusView } from '@lib/service-kit';
import { eventually, HttpTestApp } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsModule } from '../src/analytics.module';
import type { BatchAnswer } from '../src/ingestion/ingestion.service';
import { SOURCES_DURABLE } from '../src/sources/source-events';
import { hoursAgo, postDraftedEnvelope, totals } from './analytics-e2e-kit';

/** How long an event or a batch may take to be consumed and projected on a busy machine. */
const SETTLE_MS = 60_000;

/** Guarantee 2 at the service's edges: an event or a batch that arrives twice counts once. */
describe('the same input delivered twice counts once', () => {
  let api: HttpTestApp;
  let nats: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    api = await HttpTestApp.start((env) => AnalyticsModule.forRoot({ env }), { schemaPrefix: 'analytics_redelivery' });
    nats = await connectNats({ servers: api.nats.url, name: 'redelivery-e2e' });
    jsm = await jetstreamManager(nats);
  }, SETTLE_MS);
  afterAll(async () => {
    await nats?.drain();
    await api?.dispose();
  });

  it('records and counts a content event once when JetStream delivers it twice', async () => {
    const drafted = postDraftedEnvelope(api.workspace.id);
    const subject = subjectFor('content', 'post', 'PostDrafted');
    // Two message ids: JetStream keeps both (no duplicate-window dedupe), so the consumer gets the event twice.
    const js = jetstream(nats);
    await js.publish(subject, JSON.stringify(drafted), { msgID: `${drafted.id}:first` });
    const second = await js.publish(subject, JSON.stringify(drafted), { msgID: `${drafted.id}:second` });
    expect(second.duplicate).toBe(false);

    await eventually(async () => {
      const consumer = await jsm.consumers.info('CONTENT', SOURCES_DURABLE);
      expect(consumer.ack_floor.stream_seq).toBeGreaterThanOrEqual(second.seq);
    }, SETTLE_MS);
    // Both deliveries were handled and acknowledged, the second one found in the inbox.
    const scraped = await api.call('GET', '/metrics');
    expect(scraped.text).toMatch(new RegExp(`messaging_consumer_processed_total\\{[^}]*durable="${SOURCES_DURABLE}"[^}]*\\} 2\\n`));
    expect(scraped.text).not.toMatch(new RegExp(`messaging_consumer_dead_lettered_total\\{[^}]*durable="${SOURCES_DURABLE}"[^}]*\\} [1-9]`));

    await eventually(async () => {
      const projections = await api.call<ProjectionStatusView[]>('GET', '/v1/admin/projections', { role: 'admin' });
      expect(projections.json.map((projection) => projection.lagEvents)).toEqual([0, 0]);
    }, SETTLE_MS);
    const inbox = await api.pool.query(`SELECT consumer FROM "${api.schema}".inbox WHERE event_id = $1`, [drafted.id]);
    expect(inbox.rows).toEqual([{ consumer: SOURCES_DURABLE }]);
    const received = await api.pool.query(`SELECT stream_id FROM "${api.schema}".events WHERE event_type = 'SourceEventReceived' AND data->'source'->>'id' = $1`, [drafted.id]);
    expect(received.rows).toEqual([{ stream_id: `source-content-post-${drafted.data.postId}` }]);
    const once = { posts_drafted: 1 };
    const call = api.call.bind(api);
    expect(await totals(call, api.workspace, { metrics: ['posts_drafted'], entityType: 'workspace', entityId: api.workspace.id })).toEqual(once);
    expect(await totals(call, api.workspace, { metrics: ['posts_drafted'], entityType: 'post', entityId: drafted.data.postId })).toEqual(once);
  }, 2 * SETTLE_MS);

  it('records a metric batch sent twice at once a single time, answering one 202 and one 200 duplicate', async () => {
    const postId = randomUUID();
    const batch = {
      batchId: `retry-race:${randomUUID()}`,
      observations: [{ entityType: 'post', entityId: postId, platform: 'x', metric: 'clicks', value: 4, kind: 'increment', observedAt: hoursAgo(1) }],
    };
    const answers = await Promise.all([1, 2].map(() => api.call<BatchAnswer>('POST', '/v1/metrics', { role: 'editor', body: batch })));
    expect(answers.map((answer) => [answer.status, answer.json.duplicate]).sort()).toEqual([
      [200, true],
      [202, false],
    ]);
    const stored = await api.pool.query(`SELECT count(*)::int AS n FROM "${api.schema}".events WHERE stream_id = $1`, [`metric-batch-${api.workspace.id}-${batch.batchId}`]);
    expect(stored.rows).toEqual([{ n: 1 }]);
    await eventually(async () => {
      expect(await totals(api.call.bind(api), api.workspace, { metrics: ['clicks'], entityType: 'post', entityId: postId })).toEqual({ clicks: 4 });
    }, SETTLE_MS);
  }, 2 * SETTLE_MS);
});
