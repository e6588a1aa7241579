import type {
  PostDraftedData,
  PostMediaAttachedData,
  PostPublishedData,
  PostPublishFailedData,
  PostScheduledData,
  PostSubmittedForReviewData,
} from '@lib/contracts';
import { CONTENT_RULES } from './content.rules';
import { RuleEngine, valuesAt, type SourceEnvelope } from './rule-engine';

const WORKSPACE = '11111111-1111-4111-8111-111111111111';
const POST = '22222222-2222-4222-8222-222222222222';
const CAMPAIGN = '33333333-3333-4333-8333-333333333333';
const OCCURRED_AT = '2026-03-01T12:00:00.000Z';

function envelope(type: string, data: object, service = 'content'): SourceEnvelope {
  return {
    service,
    id: '44444444-4444-4444-8444-444444444444',
    type,
    schemaVersion: 1,
    streamType: 'post',
    streamId: `post-${POST}`,
    version: 3,
    position: 42,
    occurredAt: OCCURRED_AT,
    workspaceId: WORKSPACE,
    actorId: null,
    data: data as Record<string, unknown>,
  };
}

const drafted: PostDraftedData = {
  postId: POST,
  authorId: '55555555-5555-4555-8555-555555555555',
  draftedAt: '2026-03-01T09:30:00.000Z',
  title: 'Launch',
  body: 'We are live',
  hashtags: ['launch'],
  variants: [
    { platform: 'linkedin', body: null, hashtags: null },
    { platform: 'x', body: 'Live!', hashtags: null },
  ],
  campaignId: CAMPAIGN,
  templateId: null,
  pillar: null,
  series: null,
};

const published: PostPublishedData = {
  postId: POST,
  campaignId: CAMPAIGN,
  platforms: ['linkedin', 'x'],
  publications: [
    { platform: 'linkedin', idempotencyKey: `${POST}:linkedin`, externalId: 'li-1', url: null, publishedAt: '2026-03-02T08:00:00.000Z', round: 1 },
    { platform: 'x', idempotencyKey: `${POST}:x`, externalId: 'x-1', url: 'https://x.example/1', publishedAt: '2026-03-02T08:05:00.000Z', round: 2 },
  ],
  round: 2,
  publishedAt: '2026-03-02T08:05:00.000Z',
};

describe('valuesAt', () => {
  it('follows plain paths, fans out over arrays, and yields nothing for null or missing values', () => {
    expect(valuesAt(published, 'postId')).toEqual([POST]);
    expect(valuesAt(published, 'platforms[]')).toEqual(['linkedin', 'x']);
    expect(valuesAt(published, 'publications[].platform')).toEqual(['linkedin', 'x']);
    expect(valuesAt({ ...published, campaignId: null }, 'campaignId')).toEqual([]);
    expect(valuesAt(published, 'nothing')).toEqual([]);
    expect(valuesAt(published, 'nothing[].platform')).toEqual([]);
    expect(valuesAt(published, 'postId[]')).toEqual([]);
    expect(valuesAt({ publications: [{ platform: null }, {}, null, { platform: 'x' }] }, 'publications[].platform')).toEqual(['x']);
  });

  it('gives each value once, and no numbers, objects or empty strings', () => {
    expect(valuesAt({ platforms: ['x', 'x', 'threads'] }, 'platforms[]')).toEqual(['x', 'threads']);
    expect(valuesAt({ ids: [1, { a: 1 }, '', 'ok'] }, 'ids[]')).toEqual(['ok']);
    expect(valuesAt(null, 'postId')).toEqual([]);
  });
});

describe('RuleEngine over CONTENT_RULES', () => {
  const engine = new RuleEngine([CONTENT_RULES]);

  it('counts PostPublished for the post, its campaign, the workspace and each published platform, at publishedAt', () => {
    expect(engine.incrementsOf(envelope('PostPublished', published))).toEqual([
      {
        workspaceId: WORKSPACE,
        metric: 'posts_published',
        entityType: 'post',
        entityId: POST,
        platform: '',
        value: 1,
        at: new Date('2026-03-02T08:05:00.000Z'),
        targets: [
          { entityType: 'workspace', entityId: WORKSPACE },
          { entityType: 'campaign', entityId: CAMPAIGN },
          { entityType: 'platform', entityId: 'linkedin' },
          { entityType: 'platform', entityId: 'x' },
        ],
      },
    ]);
  });

  it('leaves the campaign out when the post has none', () => {
    const [increment] = engine.incrementsOf(envelope('PostDrafted', { ...drafted, campaignId: null }));
    expect(increment).toMatchObject({ metric: 'posts_drafted', entityId: POST, at: new Date(drafted.draftedAt) });
    expect(increment.targets).toEqual([
      { entityType: 'workspace', entityId: WORKSPACE },
      { entityType: 'platform', entityId: 'linkedin' },
      { entityType: 'platform', entityId: 'x' },
    ]);
  });

  it('fans out over the platforms of a submission and the failed platforms of a failure', () => {
    const submitted: PostSubmittedForReviewData = {
      postId: POST,
      campaignId: null,
      platforms: ['instagram', 'tiktok'],
      submittedBy: 'u',
      submittedAt: '2026-03-01T10:00:00.000Z',
    };
    expect(engine.incrementsOf(envelope('PostSubmittedForReview', submitted))[0].targets).toEqual([
      { entityType: 'workspace', entityId: WORKSPACE },
      { entityType: 'platform', entityId: 'instagram' },
      { entityType: 'platform', entityId: 'tiktok' },
    ]);
    const failed: PostPublishFailedData = {
      postId: POST,
      campaignId: CAMPAIGN,
      round: 1,
      platforms: ['linkedin', 'x'],
      failedPlatforms: ['x'],
      failures: [{ platform: 'x', idempotencyKey: `${POST}:x`, reason: 'rate limited', attempts: 3 }],
      published: [published.publications[0]],
      reason: 'x: rate limited',
      attempts: 3,
      failedAt: '2026-03-02T08:01:00.000Z',
    };
    const [failure] = engine.incrementsOf(envelope('PostPublishFailed', failed));
    expect(failure.metric).toBe('publish_failures');
    expect(failure.targets.map((t) => `${t.entityType}/${t.entityId}`)).toEqual([`workspace/${WORKSPACE}`, `campaign/${CAMPAIGN}`, 'platform/x']);
  });

  it('takes the envelope time when the rule names none, or when the named field is missing or not an instant', () => {
    const scheduled: PostScheduledData = {
      postId: POST,
      campaignId: CAMPAIGN,
      platforms: ['linkedin'],
      scheduledAt: '2026-04-01T09:00:00.000Z',
      timeZone: 'Europe/Paris',
      fromStatus: 'approved',
      previousScheduledAt: null,
      scheduledBy: 'u',
    };
    expect(engine.incrementsOf(envelope('PostScheduled', scheduled))[0].at).toEqual(new Date(OCCURRED_AT));
    const attached: PostMediaAttachedData = {
      postId: POST,
      campaignId: null,
      assetId: '66666666-6666-4666-8666-666666666666',
      position: 0,
      attachedBy: 'u',
      attachedAt: 'not a time',
    };
    expect(engine.incrementsOf(envelope('PostMediaAttached', attached))[0]).toMatchObject({ metric: 'media_attached', at: new Date(OCCURRED_AT) });
  });

  it('reads the named field’s offset, and takes the envelope time for a time without one (never the server’s zone)', () => {
    const attached = (attachedAt: string): PostMediaAttachedData => ({
      postId: POST,
      campaignId: null,
      assetId: '66666666-6666-4666-8666-666666666666',
      position: 0,
      attachedBy: 'u',
      attachedAt,
    });
    expect(engine.incrementsOf(envelope('PostMediaAttached', attached('2026-03-05T10:00:00.000+02:00')))[0].at).toEqual(new Date('2026-03-05T08:00:00.000Z'));
    for (const local of ['2026-03-05T10:00:00', '2026-03-05T10:00:00.000', '2026-03-05', 'Thu, 05 Mar 2026 10:00:00 GMT']) {
      expect(engine.incrementsOf(envelope('PostMediaAttached', attached(local)))[0].at).toEqual(new Date(OCCURRED_AT));
    }
  });

  it('counts nothing for an event without a rule, another service, or no primary id', () => {
    expect(engine.incrementsOf(envelope('PostEdited', { postId: POST, campaignId: null }))).toEqual([]);
    expect(engine.incrementsOf(envelope('PostPublished', published, 'campaigns'))).toEqual([]);
    expect(engine.incrementsOf(envelope('PostPublished', { ...published, postId: null }))).toEqual([]);
  });

  it('tells the owner of a drafted post, and of nothing else', () => {
    expect(engine.ownedEntitiesOf(envelope('PostDrafted', drafted))).toEqual([{ entityType: 'post', entityId: POST, workspaceId: WORKSPACE }]);
    expect(engine.ownedEntitiesOf(envelope('PostPublished', published))).toEqual([]);
  });
});
