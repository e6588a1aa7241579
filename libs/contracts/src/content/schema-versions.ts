import type { EventEnvelope } from '../envelope';
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
} from './post-events';
import type { TemplateCreatedData, TemplateDeletedData, TemplateUpdatedData } from './template-events';

/** Event type -> payload, at the current schema version. */
export interface ContentEventDataMap {
  PostDrafted: PostDraftedData;
  PostEdited: PostEditedData;
  PostMediaAttached: PostMediaAttachedData;
  PostMediaDetached: PostMediaDetachedData;
  PostSubmittedForReview: PostSubmittedForReviewData;
  PostApproved: PostApprovedData;
  PostRejected: PostRejectedData;
  PostScheduled: PostScheduledData;
  PostUnscheduled: PostUnscheduledData;
  PostPublishingStarted: PostPublishingStartedData;
  PostPublished: PostPublishedData;
  PostPublishFailed: PostPublishFailedData;
  PostArchived: PostArchivedData;
  TemplateCreated: TemplateCreatedData;
  TemplateUpdated: TemplateUpdatedData;
  TemplateDeleted: TemplateDeletedData;
}

export type ContentEventType = keyof ContentEventDataMap;

/**
 * The schema version each content event is written at today. Older versions are upcast on read
 * (`CONTENT_UPCASTERS`); consumers always see these shapes.
 */
export const CONTENT_EVENT_SCHEMA_VERSIONS: Readonly<Record<ContentEventType, number>> = Object.freeze({
  PostDrafted: 2,
  PostEdited: 1,
  PostMediaAttached: 1,
  PostMediaDetached: 1,
  PostSubmittedForReview: 1,
  PostApproved: 1,
  PostRejected: 1,
  PostScheduled: 1,
  PostUnscheduled: 1,
  PostPublishingStarted: 1,
  PostPublished: 1,
  PostPublishFailed: 1,
  PostArchived: 1,
  TemplateCreated: 1,
  TemplateUpdated: 1,
  TemplateDeleted: 1,
});

export const CONTENT_EVENT_TYPES = Object.freeze(Object.keys(CONTENT_EVENT_SCHEMA_VERSIONS) as ContentEventType[]);

/** The stream type each event belongs to (subject `content.<streamType>.<event>`). */
export const CONTENT_EVENT_STREAM_TYPES: Readonly<Record<ContentEventType, 'post' | 'template'>> = Object.freeze({
  PostDrafted: 'post',
  PostEdited: 'post',
  PostMediaAttached: 'post',
  PostMediaDetached: 'post',
  PostSubmittedForReview: 'post',
  PostApproved: 'post',
  PostRejected: 'post',
  PostScheduled: 'post',
  PostUnscheduled: 'post',
  PostPublishingStarted: 'post',
  PostPublished: 'post',
  PostPublishFailed: 'post',
  PostArchived: 'post',
  TemplateCreated: 'template',
  TemplateUpdated: 'template',
  TemplateDeleted: 'template',
});

/** A content event as a consumer receives it: `ContentEventEnvelope<'PostPublished'>`. */
export type ContentEventEnvelope<T extends ContentEventType = ContentEventType> = {
  [K in T]: EventEnvelope<ContentEventDataMap[K], K>;
}[T];

export function isContentEventType(type: string): type is ContentEventType {
  return Object.prototype.hasOwnProperty.call(CONTENT_EVENT_SCHEMA_VERSIONS, type);
}
