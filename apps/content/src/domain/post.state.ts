import type { Platform, PostContentData, PostStatus } from '@lib/contracts';
import type { PostEvent } from './post.events';

/** Where one targeted platform stands. Created when publishing first targets it. */
export interface PlatformPublicationState {
  platform: Platform;
  idempotencyKey: string;
  /** `pending`: the round in progress targets it; `failed`: the last round gave up on it. */
  status: 'pending' | 'published' | 'failed';
  /** The last round that targeted it (the one that published it, once published). */
  round: number;
  externalId: string | null;
  url: string | null;
  publishedAt: string | null;
  lastError: string | null;
  /** Deliveries tried in the last failed round. */
  attempts: number;
}

export interface Post extends PostContentData {
  status: PostStatus;
  postId: string;
  authorId: string;
  /** Asset ids in attachment order. */
  mediaAssetIds: string[];
  createdAt: string;
  submission: { submittedBy: string; submittedAt: string } | null;
  /** Set by approval, cleared by a rejection (a withdrawn approval). */
  approval: { approvedBy: string; approverRole: string; comment: string | null; approvedAt: string } | null;
  lastRejection: { reason: string; rejectedBy: string; rejectedAt: string } | null;
  /** Meaningful while `scheduled`; kept afterwards as the last schedule, cleared by unschedule. */
  schedule: { scheduledAt: string; timeZone: string } | null;
  /** Publishing rounds started so far. */
  publishingRound: number;
  /** Per targeted platform, in the order publishing first targeted them. */
  publications: PlatformPublicationState[];
  lastFailure: { reason: string; attempts: number; failedAt: string } | null;
  publishedAt: string | null;
  archive: { previousStatus: PostStatus; reason: string | null; archivedBy: string; archivedAt: string } | null;
}

/** Before PostDrafted: the stream does not exist. */
export interface NoPost {
  status: 'none';
}

export type PostState = NoPost | Post;

export function initialPostState(): PostState {
  return { status: 'none' };
}

export function postExists(state: PostState): state is Post {
  return state.status !== 'none';
}

export function targetedPlatforms(post: Post): Platform[] {
  return post.variants.map((variant) => variant.platform);
}

export function publishedPlatforms(post: Post): Platform[] {
  return post.publications.filter((p) => p.status === 'published').map((p) => p.platform);
}

/** Targeted platforms not published yet: what the next publishing round will target. */
export function unpublishedPlatforms(post: Post): Platform[] {
  const published = new Set(publishedPlatforms(post));
  return targetedPlatforms(post).filter((platform) => !published.has(platform));
}

function content(data: PostContentData): PostContentData {
  return {
    title: data.title,
    body: data.body,
    hashtags: [...data.hashtags],
    variants: data.variants.map((v) => ({ platform: v.platform, body: v.body, hashtags: v.hashtags === null ? null : [...v.hashtags] })),
    campaignId: data.campaignId,
    templateId: data.templateId,
    pillar: data.pillar,
    series: data.series,
  };
}

/** Folds one event into the state. Events are facts: nothing is validated or refused here. */
export function evolvePost(state: PostState, event: PostEvent): PostState {
  if (event.type === 'PostDrafted') {
    const d = event.data;
    return {
      status: 'draft',
      postId: d.postId,
      authorId: d.authorId,
      ...content(d),
      mediaAssetIds: [],
      createdAt: d.draftedAt,
      submission: null,
      approval: null,
      lastRejection: null,
      schedule: null,
      publishingRound: 0,
      publications: [],
      lastFailure: null,
      publishedAt: null,
      archive: null,
    };
  }
  if (!postExists(state)) return state;

  switch (event.type) {
    case 'PostEdited':
      return { ...state, ...content(event.data) };
    case 'PostMediaAttached': {
      if (state.mediaAssetIds.includes(event.data.assetId)) return state;
      const media = [...state.mediaAssetIds];
      media.splice(Math.min(event.data.position, media.length), 0, event.data.assetId);
      return { ...state, mediaAssetIds: media };
    }
    case 'PostMediaDetached':
      return { ...state, mediaAssetIds: state.mediaAssetIds.filter((id) => id !== event.data.assetId) };
    case 'PostSubmittedForReview':
      return { ...state, status: 'in_review', submission: { submittedBy: event.data.submittedBy, submittedAt: event.data.submittedAt } };
    case 'PostApproved': {
      const { approvedBy, approverRole, comment, approvedAt } = event.data;
      return { ...state, status: 'approved', approval: { approvedBy, approverRole, comment, approvedAt } };
    }
    case 'PostRejected': {
      const { reason, rejectedBy, rejectedAt } = event.data;
      return { ...state, status: 'draft', approval: null, lastRejection: { reason, rejectedBy, rejectedAt } };
    }
    case 'PostScheduled':
      return { ...state, status: 'scheduled', schedule: { scheduledAt: event.data.scheduledAt, timeZone: event.data.timeZone } };
    case 'PostUnscheduled':
      return { ...state, status: 'approved', schedule: null };
    case 'PostPublishingStarted': {
      const { round, publications: requests } = event.data;
      const publications = state.publications.map((p) => ({ ...p }));
      for (const request of requests) {
        const existing = publications.find((p) => p.platform === request.platform);
        if (existing) {
          existing.status = 'pending';
          existing.round = round;
          existing.idempotencyKey = request.idempotencyKey;
        } else {
          publications.push({
            platform: request.platform,
            idempotencyKey: request.idempotencyKey,
            status: 'pending',
            round,
            externalId: null,
            url: null,
            publishedAt: null,
            lastError: null,
            attempts: 0,
          });
        }
      }
      return { ...state, status: 'publishing', publishingRound: round, publications };
    }
    case 'PostPublished': {
      const byPlatform = new Map(event.data.publications.map((p) => [p.platform, p]));
      const publications = state.publications.map((p) => {
        const published = byPlatform.get(p.platform);
        return published
          ? { ...p, status: 'published' as const, round: published.round, externalId: published.externalId, url: published.url, publishedAt: published.publishedAt, lastError: null }
          : { ...p };
      });
      return { ...state, status: 'published', publications, publishedAt: event.data.publishedAt };
    }
    case 'PostPublishFailed': {
      const published = new Map(event.data.published.map((p) => [p.platform, p]));
      const failed = new Map(event.data.failures.map((f) => [f.platform, f]));
      const publications = state.publications.map((p) => {
        const ok = published.get(p.platform);
        if (ok) return { ...p, status: 'published' as const, externalId: ok.externalId, url: ok.url, publishedAt: ok.publishedAt, lastError: null };
        const failure = failed.get(p.platform);
        if (failure) return { ...p, status: 'failed' as const, lastError: failure.reason, attempts: failure.attempts };
        return { ...p };
      });
      const { reason, attempts, failedAt } = event.data;
      return { ...state, status: 'failed', publications, lastFailure: { reason, attempts, failedAt } };
    }
    case 'PostArchived': {
      const { previousStatus, reason, archivedBy, archivedAt } = event.data;
      return { ...state, status: 'archived', archive: { previousStatus, reason, archivedBy, archivedAt } };
    }
  }
}
