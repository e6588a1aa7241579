import type { ActivityTarget, SourceRuleTable } from './source-rules';

const WORKSPACE_AND_CAMPAIGN: readonly ActivityTarget[] = [{ type: 'workspace' }, { type: 'campaign', idPath: 'campaignId' }];

/** The content service's events, as activity metrics per post, campaign, workspace and platform. */
export const CONTENT_RULES: SourceRuleTable = {
  service: 'content',
  owners: [{ eventType: 'PostDrafted', entityType: 'post', idPath: 'postId' }],
  activity: [
    {
      eventType: 'PostDrafted',
      metric: 'posts_drafted',
      primary: { type: 'post', idPath: 'postId' },
      targets: [...WORKSPACE_AND_CAMPAIGN, { type: 'platform', idPath: 'variants[].platform' }],
      at: 'draftedAt',
    },
    {
      eventType: 'PostSubmittedForReview',
      metric: 'posts_submitted',
      primary: { type: 'post', idPath: 'postId' },
      targets: [...WORKSPACE_AND_CAMPAIGN, { type: 'platform', idPath: 'platforms[]' }],
      at: 'submittedAt',
    },
    { eventType: 'PostApproved', metric: 'posts_approved', primary: { type: 'post', idPath: 'postId' }, targets: WORKSPACE_AND_CAMPAIGN, at: 'approvedAt' },
    { eventType: 'PostRejected', metric: 'posts_rejected', primary: { type: 'post', idPath: 'postId' }, targets: WORKSPACE_AND_CAMPAIGN, at: 'rejectedAt' },
    {
      eventType: 'PostScheduled',
      metric: 'posts_scheduled',
      primary: { type: 'post', idPath: 'postId' },
      targets: [...WORKSPACE_AND_CAMPAIGN, { type: 'platform', idPath: 'platforms[]' }],
    },
    {
      eventType: 'PostPublished',
      metric: 'posts_published',
      primary: { type: 'post', idPath: 'postId' },
      targets: [...WORKSPACE_AND_CAMPAIGN, { type: 'platform', idPath: 'publications[].platform' }],
      at: 'publishedAt',
    },
    {
      eventType: 'PostPublishFailed',
      metric: 'publish_failures',
      primary: { type: 'post', idPath: 'postId' },
      targets: [...WORKSPACE_AND_CAMPAIGN, { type: 'platform', idPath: 'failedPlatforms[]' }],
    },
    {
      eventType: 'PostMediaAttached',
      metric: 'media_attached',
      primary: { type: 'post', idPath: 'postId' },
      targets: WORKSPACE_AND_CAMPAIGN,
      at: 'attachedAt',
    },
  ],
};
