import type { Platform, PostStatus, PostVariantData } from '@lib/contracts';
import type { PlatformPublicationState, Post } from '../domain';

/**
 * A post as its stream says it is (strongly consistent). `version` is the stream version: what
 * a client sends back as If-Match. Instants are ISO-8601 UTC.
 */
export interface PostView {
  id: string;
  version: number;
  status: PostStatus;
  title: string;
  body: string;
  hashtags: string[];
  variants: PostVariantData[];
  platforms: Platform[];
  mediaAssetIds: string[];
  campaignId: string | null;
  templateId: string | null;
  pillar: string | null;
  series: string | null;
  authorId: string;
  createdAt: string;
  submission: Post['submission'];
  approval: Post['approval'];
  lastRejection: Post['lastRejection'];
  /** UTC instant and the IANA zone it was scheduled in; null when not scheduled. */
  schedule: Post['schedule'];
  publishingRound: number;
  publications: PlatformPublicationState[];
  lastFailure: Post['lastFailure'];
  publishedAt: string | null;
  archive: Post['archive'];
}

/** One event of a post's history. */
export interface PostHistoryEntry {
  type: string;
  version: number;
  occurredAt: string;
  actorId: string | null;
  correlationId: string;
  data: object;
}

/** A row of a post list or the calendar (eventually consistent, from post_summaries). */
export interface PostSummaryView {
  id: string;
  version: number;
  status: PostStatus;
  title: string;
  campaignId: string | null;
  platforms: Platform[];
  mediaAssetIds: string[];
  mediaCount: number;
  authorId: string;
  scheduledAt: string | null;
  timeZone: string | null;
  publishedAt: string | null;
  lastPublishError: string | null;
  createdAt: string;
  updatedAt: string;
}

export function postView(post: Post, version: number): PostView {
  return {
    id: post.postId,
    version,
    status: post.status,
    title: post.title,
    body: post.body,
    hashtags: post.hashtags,
    variants: post.variants,
    platforms: post.variants.map((variant) => variant.platform),
    mediaAssetIds: post.mediaAssetIds,
    campaignId: post.campaignId,
    templateId: post.templateId,
    pillar: post.pillar,
    series: post.series,
    authorId: post.authorId,
    createdAt: post.createdAt,
    submission: post.submission,
    approval: post.approval,
    lastRejection: post.lastRejection,
    schedule: post.schedule,
    publishingRound: post.publishingRound,
    publications: post.publications,
    lastFailure: post.lastFailure,
    publishedAt: post.publishedAt,
    archive: post.archive,
  };
}
