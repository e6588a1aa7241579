import type { Platform } from '@lib/contracts';
import type { Actor } from './actor';
import type { PostVariantInput } from './post.rules';

/**
 * Commands on one post. Each carries who asks (`actor`, for the role rules) and when (`now`):
 * the decider never reads a clock. Inputs are validated and normalised by the decider, so the
 * HTTP layer may pass its DTOs through as they are.
 */
interface PostCommandBase<TType extends string> {
  type: TType;
  actor: Actor;
  now: Date;
}

export interface DraftPost extends PostCommandBase<'DraftPost'> {
  /** A fresh uuid chosen by the caller; the stream is `post-<postId>`. */
  postId: string;
  title: string;
  body?: string;
  hashtags?: string[];
  variants?: PostVariantInput[];
  /** Attached in this order, each as its own PostMediaAttached. */
  mediaAssetIds?: string[];
  campaignId?: string | null;
  templateId?: string | null;
  pillar?: string | null;
  series?: string | null;
}

/** A partial update: omitted fields stay, `null` clears an optional one. Only in `draft`. */
export interface PostChanges {
  title?: string;
  body?: string;
  hashtags?: string[];
  /** Replaces the whole list of variants (and so the targeted platforms). */
  variants?: PostVariantInput[];
  campaignId?: string | null;
  templateId?: string | null;
  pillar?: string | null;
  series?: string | null;
}

export interface EditPost extends PostCommandBase<'EditPost'> {
  changes: PostChanges;
}

export interface AttachMedia extends PostCommandBase<'AttachMedia'> {
  assetId: string;
}

export interface DetachMedia extends PostCommandBase<'DetachMedia'> {
  assetId: string;
}

export type SubmitPostForReview = PostCommandBase<'SubmitPostForReview'>;

export interface ApprovePost extends PostCommandBase<'ApprovePost'> {
  comment?: string | null;
}

export interface RejectPost extends PostCommandBase<'RejectPost'> {
  reason: string;
}

export interface SchedulePost extends PostCommandBase<'SchedulePost'> {
  /** ISO-8601 instant with an offset; must be after `now`. */
  scheduledAt: string;
  /** IANA name, e.g. `Europe/Berlin`. */
  timeZone: string;
}

export type UnschedulePost = PostCommandBase<'UnschedulePost'>;

export interface StartPublishing extends PostCommandBase<'StartPublishing'> {
  /**
   * `manual` (publish now: from approved, scheduled or failed) or `schedule` (the scheduler;
   * only a scheduled post whose time has come, and only by a `system` actor).
   */
  trigger: 'manual' | 'schedule';
}

export type PlatformPublishResult =
  | { platform: Platform; outcome: 'published'; externalId: string; url?: string | null; publishedAt: string }
  | { platform: Platform; outcome: 'failed'; reason: string; attempts: number };

/**
 * The publisher worker's report for the round in progress, once every platform is settled
 * (published, or given up after its retries): exactly one result per platform of the round.
 * All published (with earlier rounds) -> PostPublished; any failed -> PostPublishFailed.
 */
export interface CompletePublishing extends PostCommandBase<'CompletePublishing'> {
  results: PlatformPublishResult[];
}

export interface ArchivePost extends PostCommandBase<'ArchivePost'> {
  reason?: string | null;
}

export type PostCommand =
  | DraftPost
  | EditPost
  | AttachMedia
  | DetachMedia
  | SubmitPostForReview
  | ApprovePost
  | RejectPost
  | SchedulePost
  | UnschedulePost
  | StartPublishing
  | CompletePublishing
  | ArchivePost;

export type PostCommandType = PostCommand['type'];
