import type { MetricBatchRecordedData, PostPublishedData, SourceEventReceivedData, TrackedEventBatchRecordedData } from '@lib/contracts';
import type { RecordedEvent } from '@lib/event-store';
import { CONTENT_RULES } from '../rules/content.rules';
import { RuleEngine } from '../rules/rule-engine';
import { observationsOf } from './observations';

const WORKSPACE = '11111111-1111-4111-8111-111111111111';
const POST = '22222222-2222-4222-8222-222222222222';
const CAMPAIGN = '33333333-3333-4333-8333-333333333333';
const EVENT_ID = '99999999-9999-4999-8999-999999999999';

function recorded(type: string, data: object): RecordedEvent {
  return {
    id: EVENT_ID,
    type,
    data,
    schemaVersion: 1,
    streamId: 'stream',
    streamType: 'metric-batch',
    version: 1,
    position: 7,
    transactionId: '100',
    occurredAt: new Date('2026-03-05T00:00:00.000Z'),
    metadata: { workspaceId: WORKSPACE, actorId: null, correlationId: 'c', causationId: null },
  };
}

const rules = new RuleEngine([CONTENT_RULES]);

describe('observationsOf', () => {
  it('takes a metric batch as sent, counted for the workspace and the platform', () => {
    const data: MetricBatchRecordedData = {
      batchId: 'b1',
      contentHash: 'h',
      recordedBy: 'u',
      recordedAt: '2026-03-05T00:00:00.000Z',
      observations: [
        { entityType: 'post', entityId: POST, platform: 'linkedin', metric: 'impressions', value: 120, kind: 'cumulative', observedAt: '2026-03-04T10:00:00Z' },
        { entityType: 'account', entityId: 'acct', platform: 'x', metric: 'followers', value: 3, kind: 'increment', observedAt: '2026-03-04T11:00:00.250Z' },
      ],
    };
    expect(observationsOf(recorded('MetricBatchRecorded', data), rules)).toEqual({
      observations: [
        {
          workspaceId: WORKSPACE,
          entityType: 'post',
          entityId: POST,
          metric: 'impressions',
          platform: 'linkedin',
          kind: 'cumulative',
          value: 120,
          observedAt: new Date('2026-03-04T10:00:00Z'),
          eventId: EVENT_ID,
          item: 0,
          targets: [
            { entityType: 'workspace', entityId: WORKSPACE },
            { entityType: 'platform', entityId: 'linkedin' },
          ],
        },
        expect.objectContaining({ entityType: 'account', kind: 'increment', value: 3, item: 1, observedAt: new Date('2026-03-04T11:00:00.250Z') }),
      ],
      trackedEvents: [],
    });
  });

  it('makes each tracked event a row and an increment of tracked_events for event/<name>, per platform when it has one', () => {
    const data: TrackedEventBatchRecordedData = {
      batchId: 'b2',
      contentHash: 'h',
      recordedBy: 'u',
      recordedAt: '2026-03-05T00:00:00.000Z',
      events: [
        { name: 'signup', occurredAt: '2026-03-04T09:00:00Z', userId: 'u1', sessionId: null, entityType: null, entityId: null, platform: null, properties: { plan: 'pro' } },
        { name: 'click', occurredAt: '2026-03-04T09:05:00Z', userId: null, sessionId: 's1', entityType: 'post', entityId: POST, platform: 'x', properties: {} },
      ],
    };
    const { observations, trackedEvents } = observationsOf(recorded('TrackedEventBatchRecorded', data), rules);
    expect(trackedEvents).toEqual([
      {
        workspaceId: WORKSPACE,
        name: 'signup',
        occurredAt: new Date('2026-03-04T09:00:00Z'),
        userId: 'u1',
        sessionId: null,
        entityType: null,
        entityId: null,
        platform: null,
        properties: { plan: 'pro' },
        eventId: EVENT_ID,
        item: 0,
      },
      expect.objectContaining({ name: 'click', entityType: 'post', entityId: POST, platform: 'x', item: 1 }),
    ]);
    expect(observations.map((o) => [o.entityType, o.entityId, o.metric, o.platform, o.kind, o.value, o.item, o.targets.map((t) => t.entityType)])).toEqual([
      ['event', 'signup', 'tracked_events', '', 'increment', 1, 0, ['workspace']],
      ['event', 'click', 'tracked_events', 'x', 'increment', 1, 1, ['workspace', 'platform']],
    ]);
  });

  it('turns a source event into its rules increments, with the rule targets and the workspace once', () => {
    const published: PostPublishedData = {
      postId: POST,
      campaignId: CAMPAIGN,
      platforms: ['x'],
      publications: [{ platform: 'x', idempotencyKey: `${POST}:x`, externalId: 'e', url: null, publishedAt: '2026-03-04T12:00:00.000Z', round: 1 }],
      round: 1,
      publishedAt: '2026-03-04T12:00:00.000Z',
    };
    const data: SourceEventReceivedData = {
      source: {
        service: 'content',
        id: 'source-id',
        type: 'PostPublished',
        schemaVersion: 1,
        streamType: 'post',
        streamId: `post-${POST}`,
        version: 9,
        position: 90,
        occurredAt: '2026-03-04T12:00:01.000Z',
        workspaceId: WORKSPACE,
        actorId: null,
        data: published as unknown as Record<string, unknown>,
      },
    };
    expect(observationsOf(recorded('SourceEventReceived', data), rules)).toEqual({
      observations: [
        {
          workspaceId: WORKSPACE,
          entityType: 'post',
          entityId: POST,
          metric: 'posts_published',
          platform: '',
          kind: 'increment',
          value: 1,
          observedAt: new Date('2026-03-04T12:00:00.000Z'),
          eventId: EVENT_ID,
          item: 0,
          targets: [
            { entityType: 'workspace', entityId: WORKSPACE },
            { entityType: 'campaign', entityId: CAMPAIGN },
            { entityType: 'platform', entityId: 'x' },
          ],
        },
      ],
      trackedEvents: [],
    });
    const unknownType = { source: { ...data.source, type: 'PostEdited' } };
    expect(observationsOf(recorded('SourceEventReceived', unknownType), rules)).toEqual({ observations: [], trackedEvents: [] });
  });

  it('refuses an instant that is none rather than counting it at some other time', () => {
    const data = { batchId: 'b', contentHash: 'h', recordedBy: 'u', recordedAt: 'x', observations: [{ entityType: 'post', entityId: POST, platform: 'x', metric: 'likes', value: 1, kind: 'increment', observedAt: 'soon' }] };
    expect(() => observationsOf(recorded('MetricBatchRecorded', data), rules)).toThrow('Not an instant: "soon"');
  });

  it('gives nothing for an event type it does not know', () => {
    expect(observationsOf(recorded('SomethingElse', {}), rules)).toEqual({ observations: [], trackedEvents: [] });
  });
});
