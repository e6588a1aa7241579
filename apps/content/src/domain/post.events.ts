import type { ContentEventDataMap, ContentEventType } from '@lib/contracts';
import type { DomainEvent } from '@lib/event-store';

/** A content event as the domain sees it: the contract's payload, at its current schema version. */
export type ContentDomainEvent<K extends ContentEventType> = DomainEvent<K, ContentEventDataMap[K]>;

/** The post stream's events. */
export type PostDrafted = ContentDomainEvent<'PostDrafted'>;
export type PostEdited = ContentDomainEvent<'PostEdited'>;
export type PostMediaAttached = ContentDomainEvent<'PostMediaAttached'>;
export type PostMediaDetached = ContentDomainEvent<'PostMediaDetached'>;
export type PostSubmittedForReview = ContentDomainEvent<'PostSubmittedForReview'>;
export type PostApproved = ContentDomainEvent<'PostApproved'>;
export type PostRejected = ContentDomainEvent<'PostRejected'>;
export type PostScheduled = ContentDomainEvent<'PostScheduled'>;
export type PostUnscheduled = ContentDomainEvent<'PostUnscheduled'>;
export type PostPublishingStarted = ContentDomainEvent<'PostPublishingStarted'>;
export type PostPublished = ContentDomainEvent<'PostPublished'>;
export type PostPublishFailed = ContentDomainEvent<'PostPublishFailed'>;
export type PostArchived = ContentDomainEvent<'PostArchived'>;

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
