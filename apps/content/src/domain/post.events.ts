import type { DomainEvent } from '@lib/event-store';
import type {
  PostApprovedData,
  PostArchivedData,
  PostDraftedData,
  PostEditedData,
  PostMediaAttachedData,
  PostMediaDetachedData,
  PostPublishFailedData,
  PostPublishedData,
  PostPublishingStartedData,
  PostRejectedData,
  PostScheduledData,
  PostSubmittedForReviewData,
  PostUnscheduledData,
} from '@lib/contracts';

/** The post stream's events: the contract payloads, at their current schema versions. */
export type PostDrafted = DomainEvent<'PostDrafted', PostDraftedData>;
export type PostEdited = DomainEvent<'PostEdited', PostEditedData>;
export type PostMediaAttached = DomainEvent<'PostMediaAttached', PostMediaAttachedData>;
export type PostMediaDetached = DomainEvent<'PostMediaDetached', PostMediaDetachedData>;
export type PostSubmittedForReview = DomainEvent<'PostSubmittedForReview', PostSubmittedForReviewData>;
export type PostApproved = DomainEvent<'PostApproved', PostApprovedData>;
export type PostRejected = DomainEvent<'PostRejected', PostRejectedData>;
export type PostScheduled = DomainEvent<'PostScheduled', PostScheduledData>;
export type PostUnscheduled = DomainEvent<'PostUnscheduled', PostUnscheduledData>;
export type PostPublishingStarted = DomainEvent<'PostPublishingStarted', PostPublishingStartedData>;
export type PostPublished = DomainEvent<'PostPublished', PostPublishedData>;
export type PostPublishFailed = DomainEvent<'PostPublishFailed', PostPublishFailedData>;
export type PostArchived = DomainEvent<'PostArchived', PostArchivedData>;

export type PostEvent =
  | PostDrafted
  | PostEdited
  | PostMediaAttached
  | PostMediaDetached
  | PostSubmittedForReview
  | PostApproved
  | PostRejected
  | PostScheduled
  | PostUnscheduled
  | PostPublishingStarted
  | PostPublished
  | PostPublishFailed
  | PostArchived;

export type PostEventType = PostEvent['type'];
