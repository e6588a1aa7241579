import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectFor, type EventEnvelope, type MetricBatchRecordedData, type SourceEventReceivedData } from '@lib/contracts';
import { connectNats } from '@lib/messaging';
import type { ProjectionStatusView } from '@lib/service-kit';
import { eventually, HttpTestApp, TestWorkspace } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsModule } from '../src/analytics.module';
import type { BatchAnswer, RefusedItem } from '../src/ingestion/ingestion.service';
import type { TimeseriesAnswer } from '../src/query';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const hoursAgo = (hours: number): string => new Date(Date.now() - hours * HOUR_MS).toISOString();

/** A window of whole UTC days around the last few days, so every observation of the tests falls in it. */
function recentDays(): { from: string; to: string } {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return { from: new Date(today - 3 * DAY_MS).toISOString(), to: new Date(today + DAY_MS).toISOString() };
}

interface StoredEvent {
  stream_id: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

describe('ingestion over HTTP', () => {
  let api: HttpTestApp;
  let nats: NatsConnection;
  /** How far the service's clock runs ahead of the test's; a test that moves it puts it back. */
  let clockAheadMs = 0;

  beforeAll(async () => {
    api = await HttpTestApp.start((env) => AnalyticsModule.forRoot({ env, clock: () => new Date(Date.now() + clockAheadMs) }), { schemaPrefix: 'analytics_e2e' });
    nats = await connectNats({ servers: api.nats.url, name: 'ingestion-e2e' });
  });
  afterAll(async () => {
    await nats?.drain();
    await api?.dispose();
  });

  async function storedEvents(streamId: string): Promise<StoredEvent[]> {
    const result = await api.pool.query<StoredEvent>(`SELECT stream_id, event_type, data, metadata FROM "${api.schema}".events WHERE stream_id = $1 ORDER BY position`, [
      streamId,
    ]);
    return result.rows;
  }

  /** The series' total over recentDays(), by day in UTC. */
  async function total(query: { metric: string; entityType: string; entityId: string }, as = api.workspace): Promise<number | null> {
    const { from, to } = recentDays();
    const params = new URLSearchParams({ ...query, from, to, interval: 'day' });
    const answer = await api.call<TimeseriesAnswer>('GET', `/v1/timeseries?${params.toString()}`, { role: 'viewer', as });
    expect(answer.status).toBe(200);
    return answer.json.series[0].totals.current;
  }

  it('records a batch (202), answers the same batch again 200 duplicate, and counts it once', async () => {
    const postId = randomUUID();
    const at = hoursAgo(2);
    const batch = {
      batchId: `linkedin-sync:${randomUUID()}`,
      observations: [
        { entityType: 'post', entityId: postId, platform: 'linkedin', metric: 'impressions', value: 120, kind: 'increment', observedAt: at },
        { entityType: 'post', entityId: postId, platform: 'linkedin', metric: 'likes', value: 7, observedAt: at },
      ],
    };
    const first = await api.call<BatchAnswer>('POST', '/v1/metrics', { role: 'editor', body: batch });
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ batchId: batch.batchId, accepted: 2, duplicate: false });

    // The same content, spelled differently: keys in another order, the instant with an offset,
    // the UUID in upper case, the default kind written out.
    const local = new Date(Date.parse(at) + HOUR_MS).toISOString().replace('Z', '+01:00');
    const again = {
      observations: [
        { kind: 'increment', value: 120, metric: 'impressions', platform: 'linkedin', entityId: postId.toUpperCase(), entityType: 'post', observedAt: local },
        { entityType: 'post', entityId: postId, platform: 'linkedin', metric: 'likes', value: 7, kind: 'cumulative', observedAt: at },
      ],
      batchId: batch.batchId,
    };
    for (const body of [batch, again]) {
      const repeat = await api.call<BatchAnswer>('POST', '/v1/metrics', { role: 'editor', body });
      expect(repeat.status).toBe(200);
      expect(repeat.json).toEqual({ batchId: batch.batchId, accepted: 2, duplicate: true });
    }

    const stored = await storedEvents(`metric-batch-${api.workspace.id}-${batch.batchId}`);
    expect(stored).toHaveLength(1);
    expect(stored[0].event_type).toBe('MetricBatchRecorded');
    const data = stored[0].data as unknown as MetricBatchRecordedData;
    expect(data.observations[0]).toEqual({ entityType: 'post', entityId: postId, platform: 'linkedin', metric: 'impressions', value: 120, kind: 'increment', observedAt: at });
    expect(data).toMatchObject({ batchId: batch.batchId, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), recordedBy: api.workspace.userId('editor') });
    expect(stored[0].metadata).toMatchObject({ workspaceId: api.workspace.id, actorId: api.workspace.userId('editor'), correlationId: first.headers.get('x-correlation-id') });

    await eventually(async () => expect(await total({ metric: 'impressions', entityType: 'post', entityId: postId })).toBe(120));
    expect(await total({ metric: 'likes', entityType: 'post', entityId: postId })).toBe(7);
    expect(await total({ metric: 'impressions', entityType: 'workspace', entityId: api.workspace.id })).toBe(120);
  });

  it('refuses other content under a batch id already recorded (409), writing nothing', async () => {
    const batchId = `sync-${randomUUID()}`;
    const observation = { entityType: 'account', entityId: 'acme@linkedin', platform: 'linkedin', metric: 'followers', value: 1000, observedAt: hoursAgo(1) };
    expect((await api.call('POST', '/v1/metrics', { role: 'editor', body: { batchId, observations: [observation] } })).status).toBe(202);
    const before = await api.eventCount();

    const other = await api.call('POST', '/v1/metrics', { role: 'editor', body: { batchId, observations: [{ ...observation, value: 1001 }] } });
    expect(other.status).toBe(409);
    expect(other.json.message).toContain(batchId);
    expect(await api.eventCount()).toBe(before);
  });

  it('answers a batch resent after the lateness window moved past it 200 duplicate (409 for other content), refusing only new batches', async () => {
    const metrics = {
      batchId: `sync-${randomUUID()}`,
      observations: [{ entityType: 'account', entityId: 'late@x', platform: 'x', metric: 'followers', value: 40, observedAt: hoursAgo(29 * 24) }],
    };
    const events = { batchId: `web-${randomUUID()}`, events: [{ name: 'late.signup', occurredAt: hoursAgo(29 * 24) }] };
    expect((await api.call('POST', '/v1/metrics', { role: 'editor', body: metrics })).status).toBe(202);
    expect((await api.call('POST', '/v1/events', { role: 'editor', body: events })).status).toBe(202);
    const before = await api.eventCount();

    clockAheadMs = 2 * DAY_MS; // 31 days after the items: past the 30 days of lateness.
    try {
      const metricsAgain = await api.call<BatchAnswer>('POST', '/v1/metrics', { role: 'editor', body: metrics });
      expect(metricsAgain.status).toBe(200);
      expect(metricsAgain.json).toEqual({ batchId: metrics.batchId, accepted: 1, duplicate: true });
      const eventsAgain = await api.call<BatchAnswer>('POST', '/v1/events', { role: 'editor', body: events });
      expect(eventsAgain.status).toBe(200);
      expect(eventsAgain.json).toEqual({ batchId: events.batchId, accepted: 1, duplicate: true });

      const changed = { ...metrics, observations: [{ ...metrics.observations[0], value: 41 }] };
      expect((await api.call('POST', '/v1/metrics', { role: 'editor', body: changed })).status).toBe(409);
      const fresh = await api.call<{ details: { items: RefusedItem[] } }>('POST', '/v1/metrics', { role: 'editor', body: { ...metrics, batchId: `sync-${randomUUID()}` } });
      expect(fresh.status).toBe(400);
      expect(fresh.json.details.items).toEqual([{ index: 0, reasons: ['observedAt is more than 30 days in the past'] }]);
    } finally {
      clockAheadMs = 0;
    }
    expect(await api.eventCount()).toBe(before);
  });

  it('refuses a batch with bad items whole, naming every bad item and its reasons', async () => {
    const postId = randomUUID();
    const good = { entityType: 'post', entityId: postId, platform: 'x', metric: 'impressions', value: 5, kind: 'increment', observedAt: hoursAgo(1) };
    const before = await api.eventCount();
    const refused = await api.call<{ message: string; details: { items: RefusedItem[] } }>('POST', '/v1/metrics', {
      role: 'editor',
      body: {
        batchId: `sync-${randomUUID()}`,
        observations: [good, { ...good, observedAt: hoursAgo(-1) }, good, { ...good, observedAt: hoursAgo(40 * 24) }],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toBe('2 of 4 items were refused, so the batch was not recorded');
    expect(refused.json.details.items).toEqual([
      { index: 1, reasons: ['observedAt is more than 300 s in the future'] },
      { index: 3, reasons: ['observedAt is more than 30 days in the past'] },
    ]);
    expect(await api.eventCount()).toBe(before);
    // Nothing of the good items was counted either.
    expect(await total({ metric: 'impressions', entityType: 'post', entityId: postId })).toBe(0);
  });

  it('refuses values that are not finite numbers with a message that says so, naming the item as every refused batch does', async () => {
    const observation = (value: string) =>
      `{"entityType":"account","entityId":"acme","platform":"x","metric":"reach","value":${value},"observedAt":"${hoursAgo(1)}"}`;
    const cases = [
      { value: '1e999', reason: 'value must be a finite number (a number too large for a double, such as 1e999, is Infinity)' },
      { value: '"12"', reason: 'value must be a JSON number, not a string' },
      { value: '-1', reason: 'value must be from 0 to 1000000000000000' },
    ];
    const before = await api.eventCount();
    for (const { value, reason } of cases) {
      const answer = await api.call<{ message: string[]; details: { fields: Record<string, string[]>; items: RefusedItem[] } }>('POST', '/v1/metrics', {
        role: 'editor',
        body: `{"batchId":"b-${randomUUID()}","observations":[${observation(value)}]}`,
      });
      // The pipe's field paths, and the same refusal as the items the service names.
      expect({ value, status: answer.status, message: answer.json.message, details: answer.json.details }).toEqual({
        value,
        status: 400,
        message: [`observations.0.${reason}`],
        details: { fields: { 'observations.0.value': [`observations.0.${reason}`] }, items: [{ index: 0, reasons: [reason] }] },
      });
    }
    expect(await api.eventCount()).toBe(before);
  });

  it('lets viewers read but not write', async () => {
    const metrics = { batchId: `sync-${randomUUID()}`, observations: [{ entityType: 'account', entityId: 'acme', platform: 'x', metric: 'reach', value: 1, observedAt: hoursAgo(1) }] };
    const events = { batchId: `web-${randomUUID()}`, events: [{ name: 'signup', occurredAt: hoursAgo(1) }] };
    expect((await api.call('POST', '/v1/metrics', { role: 'viewer', body: metrics })).status).toBe(403);
    expect((await api.call('POST', '/v1/events', { role: 'viewer', body: events })).status).toBe(403);
    expect((await api.call('POST', '/v1/metrics', { body: metrics })).status).toBe(401);
    expect(await total({ metric: 'reach', entityType: 'account', entityId: 'acme' })).toBe(0);
  });

  it('refuses reports on another workspace’s post, as if the post did not exist, once content has said whose it is', async () => {
    const other = new TestWorkspace();
    const postId = randomUUID();
    const drafted: EventEnvelope = {
      id: randomUUID(),
      type: 'PostDrafted',
      schemaVersion: 1,
      streamType: 'post',
      streamId: `post-${postId}`,
      version: 1,
      position: 1,
      occurredAt: new Date().toISOString(),
      workspaceId: other.id,
      actorId: randomUUID(),
      correlationId: randomUUID(),
      causationId: null,
      data: { postId, authorId: randomUUID(), draftedAt: new Date().toISOString(), title: 'Theirs', campaignId: null },
    };
    await jetstream(nats).publish(subjectFor('content', 'post', 'PostDrafted'), JSON.stringify(drafted), { msgID: drafted.id });

    // Recorded whole, through the consumer, with the correlation and causation ids in its metadata.
    const received = await eventually(async () => {
      const events = await storedEvents(`source-content-post-${postId}`);
      expect(events).toHaveLength(1);
      return events[0];
    });
    const { correlationId, causationId, ...source } = drafted;
    expect(received.event_type).toBe('SourceEventReceived');
    expect(received.data as unknown as SourceEventReceivedData).toEqual({ source: { service: 'content', ...source } });
    expect(received.metadata).toMatchObject({ workspaceId: other.id, actorId: drafted.actorId, correlationId, causationId });

    await eventually(async () => {
      const owner = await api.pool.query<{ workspace_id: string }>(`SELECT workspace_id FROM "${api.schema}".entity_owners WHERE entity_type = 'post' AND entity_id = $1`, [postId]);
      expect(owner.rows).toEqual([{ workspace_id: other.id }]);
    });

    const report = (as: TestWorkspace) =>
      api.call<{ details: { items: RefusedItem[] } }>('POST', '/v1/metrics', {
        role: 'editor',
        as,
        body: { batchId: `sync-${randomUUID()}`, observations: [{ entityType: 'post', entityId: postId, platform: 'x', metric: 'shares', value: 3, observedAt: hoursAgo(1) }] },
      });
    const before = await api.eventCount();
    const refused = await report(api.workspace);
    expect(refused.status).toBe(400);
    expect(await api.eventCount()).toBe(before);
    expect(refused.json.details.items).toEqual([{ index: 0, reasons: [`post ${postId} is not found in this workspace`] }]);
    expect(refused.text).not.toContain(other.id);
    expect((await report(other)).status).toBe(202);
  });

  it('records tracked events and counts them per event name', async () => {
    const name = `signup.${randomUUID().slice(0, 8)}`;
    const body = {
      batchId: `web-${randomUUID()}`,
      events: [
        { name, occurredAt: hoursAgo(3), userId: 'u-1', properties: { plan: 'pro' } },
        { name, occurredAt: hoursAgo(2), sessionId: 's-9', entityType: 'campaign', entityId: randomUUID(), platform: 'instagram' },
      ],
    };
    const answer = await api.call<BatchAnswer>('POST', '/v1/events', { role: 'editor', body });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ batchId: body.batchId, accepted: 2, duplicate: false });
    expect((await api.call<BatchAnswer>('POST', '/v1/events', { role: 'editor', body })).json.duplicate).toBe(true);
    await eventually(async () => expect(await total({ metric: 'tracked_events', entityType: 'event', entityId: name })).toBe(2));
  });

  it('answers a time series of ingested data, bucket by bucket', async () => {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const snapshots = [
      { value: 100, observedAt: new Date(today - 2 * DAY_MS + HOUR_MS).toISOString() },
      { value: 130, observedAt: new Date(today - DAY_MS + HOUR_MS).toISOString() },
      { value: 180, observedAt: new Date(today - DAY_MS + 2 * HOUR_MS).toISOString() },
    ];
    const body = {
      batchId: `sync-${randomUUID()}`,
      observations: snapshots.map((s) => ({ entityType: 'account', entityId: accountId, platform: 'linkedin', metric: 'followers', ...s })),
    };
    expect((await api.call('POST', '/v1/metrics', { role: 'editor', body })).status).toBe(202);

    const from = new Date(today - 2 * DAY_MS).toISOString();
    const to = new Date(today).toISOString();
    const params = new URLSearchParams({ metric: 'followers', entityType: 'account', entityId: accountId, from, to, interval: 'day', agg: 'last' });
    const answer = await eventually(async () => {
      const { status, json } = await api.call<TimeseriesAnswer>('GET', `/v1/timeseries?${params.toString()}`, { role: 'viewer' });
      expect(status).toBe(200);
      expect(json.points.map((point) => point.value)).toEqual([100, 180]);
      return json;
    });
    expect(answer).toMatchObject({ metric: 'followers', interval: 'day', tz: 'UTC', agg: 'last', from, to });
    expect(answer.points).toEqual([
      { t: from, value: 100, complete: true },
      { t: new Date(today - DAY_MS).toISOString(), value: 180, complete: true },
    ]);
    // Cumulative snapshots count by their deltas: 100 from nothing, then +30 and +50.
    params.set('agg', 'sum');
    const sums = await api.call<TimeseriesAnswer>('GET', `/v1/timeseries?${params.toString()}`, { role: 'viewer' });
    expect(sums.json.points.map((point) => point.value)).toEqual([100, 80]);
  });

  it('publishes its batches to ANALYTICS, and keeps the other services’ events to itself', async () => {
    const metrics = { batchId: `sync-${randomUUID()}`, observations: [{ entityType: 'account', entityId: 'acme', platform: 'x', metric: 'clicks', value: 2, observedAt: hoursAgo(1) }] };
    const events = { batchId: `web-${randomUUID()}`, events: [{ name: 'click', occurredAt: hoursAgo(1) }] };
    expect((await api.call('POST', '/v1/metrics', { role: 'editor', body: metrics })).status).toBe(202);
    expect((await api.call('POST', '/v1/events', { role: 'editor', body: events })).status).toBe(202);

    const stored = await api.pool.query<{ stream_type: string; n: number }>(`SELECT stream_type, count(*)::int AS n FROM "${api.schema}".events GROUP BY stream_type`);
    const count = (streamType: string) => stored.rows.find((row) => row.stream_type === streamType)?.n;
    expect(count('source')).toBeGreaterThan(0);
    const jsm = await jetstreamManager(nats);
    await eventually(async () => {
      const { state } = await jsm.streams.info('ANALYTICS', { subjects_filter: '>' });
      expect(state.subjects).toEqual({ 'analytics.metric-batch.recorded': count('metric-batch'), 'analytics.tracked-event-batch.recorded': count('tracked-event-batch') });
    });
  });

  it('reports its projections to admins, and serves /health and the Prometheus /metrics beside POST /v1/metrics', async () => {
    const projections = await eventually(async () => {
      const answer = await api.call<ProjectionStatusView[]>('GET', '/v1/admin/projections', { role: 'admin' });
      expect(answer.json.map((projection) => projection.lagEvents)).toEqual([0, 0]);
      return answer.json;
    });
    expect(projections.map(({ name, kind, rebuildable, lastError }) => ({ name, kind, rebuildable, lastError }))).toEqual([
      { name: 'entity_owners', kind: 'read-model', rebuildable: true, lastError: null },
      { name: 'timeseries', kind: 'read-model', rebuildable: true, lastError: null },
    ]);
    expect((await api.call('GET', '/v1/admin/projections', { role: 'editor' })).status).toBe(403);
    expect((await api.call('POST', '/v1/admin/projections/timeseries/rebuild', { role: 'admin' })).status).toBe(403);
    expect((await api.call('GET', '/health')).status).toBe(200);
    const scraped = await api.call('GET', '/metrics');
    expect(scraped.text).toMatch(/messaging_consumer_processed_total\{[^}]*durable="analytics-sources"[^}]*\} [1-9]/);
    expect(scraped.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/metrics",method="POST",status="202"\} [1-9]/);
  });
});
