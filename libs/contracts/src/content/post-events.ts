import type { Platform } from './platforms';

/**
 * Payloads of the `post` stream (streamId `post-<uuid>`). Every payload carries `postId` and
 * the post's `campaignId` (null when it belongs to none), so a consumer can count per campaign
 * without reading the post back; the tenant is the envelope's `workspaceId`. Instants are
 * ISO-8601 UTC strings. Absent optional values are `null`, never missing.
 */
export const POST_STREAM_TYPE = 'post';

export function postStreamId(postId: string): string {
  return `${POST_STREAM_TYPE}-${postId}`;
}

export const POST_STATUSES = ['draft', 'in_review', 'approved', 'scheduled', 'publishing', 'published', 'failed', 'archived'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/** One platform a post targets, with optional overrides of the post's body and hashtags. */
export interface PostVariantData {
  platform: Platform;
  /** Replaces the post's body on this platform; null: the post's body. */
  body: string | null;
  /** Replaces the post's hashtags on this platform (normalised, no `#`); null: the post's. */
  hashtags: string[] | null;
}

/** The editable content of a post, in full, as it is after the event. */
export interface PostContentData {
  title: string;
  body: string;
  /** Normalised: no leading `#`, unique case-insensitively, in the order given. */
  hashtags: string[];
  /** One per targeted platform, platforms unique; the platforms a post targets are these. */
  variants: PostVariantData[];
  campaignId: string | null;
  templateId: string | null;
  /** Content pillar (seed `ContentPillars`), free text. */
  pillar: string | null;
  /** Series the post belongs to (seed `Series`), free text. */
  series: string | null;
}

/** schemaVersion 2 (v1 had one `text` and one `platform`; see `CONTENT_UPCASTERS`). */
export interface PostDraftedData extends PostContentData {
  postId: string;
  authorId: string;
  draftedAt: string;
}

export const POST_CONTENT_FIELDS = ['title', 'body', 'hashtags', 'variants', 'campaignId', 'templateId', 'pillar', 'series'] as const;
export type PostContentField = (typeof POST_CONTENT_FIELDS)[number];

export interface PostEditedData extends PostContentData {
  postId: string;
  /** The fields this edit changed; the rest of the content is repeated unchanged. */
  changedFields: PostContentField[];
  /** The campaign before the edit (equal to `campaignId` when it did not change). */
  previousCampaignId: string | null;
  editedBy: string;
  editedAt: string;
}

export interface PostMediaAttachedData {
  postId: string;
  campaignId: string | null;
  /** An asset of the assets service. */
  assetId: string;
  /** 0-based place of the asset in the post's media. */
  position: number;
  attachedBy: string;
  attachedAt: string;
}

export interface PostMediaDetachedData {
  postId: string;
  campaignId: string | null;
  assetId: string;
  detachedBy: string;
  detachedAt: string;
}

export interface PostSubmittedForReviewData {
  postId: string;
  campaignId: string | null;
  platforms: Platform[];
  submittedBy: string;
  submittedAt: string;
}

export interface PostApprovedData {
  postId: string;
  campaignId: string | null;
  approvedBy: string;
  /** `owner` or `admin`. */
  approverRole: string;
  comment: string | null;
  approvedAt: string;
}

export interface PostRejectedData {
  postId: string;
  campaignId: string | null;
  /** `in_review` (a review said no) or `approved` (an approval was withdrawn). */
  fromStatus: 'in_review' | 'approved';
  reason: string;
  rejectedBy: string;
  rejectedAt: string;
}

export interface PostScheduledData {
  postId: string;
  campaignId: string | null;
  /** The platforms this schedule will publish to: those targeted and not yet published. */
  platforms: Platform[];
  /** UTC instant. */
  scheduledAt: string;
  /** IANA time zone the schedule was made in (canonical name), for calendars. */
  timeZone: string;
  /** `approved`; `failed` (a retry); `scheduled` (moved to another time). */
  fromStatus: 'approved' | 'failed' | 'scheduled';
  /** The replaced time when `fromStatus` is `scheduled`, else null. */
  previousScheduledAt: string | null;
  scheduledBy: string;
}

export interface PostUnscheduledData {
  postId: string;
  campaignId: string | null;
  previousScheduledAt: string;
  unscheduledBy: string;
  unscheduledAt: string;
}

/** What the publisher sends to one platform. */
export interface PublicationRequestData {
  platform: Platform;
  /** `${postId}:${platform}`: the same on every round, see `publicationIdempotencyKey`. */
  idempotencyKey: string;
  /** The rendered text: the effective body, then the effective hashtags. */
  text: string;
  mediaAssetIds: string[];
}

export interface PostPublishingStartedData {
  postId: string;
  campaignId: string | null;
  /** 1 for the first start, +1 for every retry after a failure. */
  round: number;
  /** `schedule`: the scheduler found the post due; `manual`: publish now. */
  trigger: 'manual' | 'schedule';
  /** Only the platforms not yet published: a retry never targets a published platform. */
  publications: PublicationRequestData[];
  /** Platforms published in earlier rounds and skipped in this one. */
  alreadyPublished: Platform[];
  startedBy: string;
  startedAt: string;
}

/** One platform's publication, as the platform answered. */
export interface PlatformPublicationData {
  platform: Platform;
  idempotencyKey: string;
  /** The platform's id of the published post. */
  externalId: string;
  url: string | null;
  publishedAt: string;
  /** The round that published it. */
  round: number;
}

export interface PostPublishedData {
  postId: string;
  campaignId: string | null;
  /** Every targeted platform; all published now. */
  platforms: Platform[];
  /** One per platform, including those published in earlier rounds (see each `round`). */
  publications: PlatformPublicationData[];
  round: number;
  publishedAt: string;
}

export interface PlatformFailureData {
  platform: Platform;
  idempotencyKey: string;
  reason: string;
  /** Deliveries the publisher tried before giving up. */
  attempts: number;
}

export interface PostPublishFailedData {
  postId: string;
  campaignId: string | null;
  round: number;
  /** The platforms this round targeted. */
  platforms: Platform[];
  failedPlatforms: Platform[];
  failures: PlatformFailureData[];
  /** Platforms this round did publish (a retry will skip them). */
  published: PlatformPublicationData[];
  /** Summary of the failures, `platform: reason; ...`. */
  reason: string;
  /** The most deliveries tried for any failed platform. */
  attempts: number;
  failedAt: string;
}

export interface PostArchivedData {
  postId: string;
  campaignId: string | null;
  previousStatus: Exclude<PostStatus, 'archived' | 'publishing'>;
  /** Media still attached when archived; the post keeps them, consumers may release them. */
  mediaAssetIds: string[];
  reason: string | null;
  archivedBy: string;
  archivedAt: string;
}
