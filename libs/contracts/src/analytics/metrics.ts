/**
 * The metrics vocabulary of the analytics service. Platform metrics are what a platform reports
 * for a post or an account; activity metrics are derived from the other services' events;
 * `tracked_events` counts the events clients send to `POST /v1/events`.
 */
export const PLATFORM_METRICS = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks', 'video_views', 'followers'] as const;
export type PlatformMetric = (typeof PLATFORM_METRICS)[number];

export const ACTIVITY_METRICS = [
  'posts_drafted',
  'posts_submitted',
  'posts_approved',
  'posts_rejected',
  'posts_scheduled',
  'posts_published',
  'publish_failures',
  'media_attached',
] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

export const TRACKED_EVENTS_METRIC = 'tracked_events';

export const METRICS = [...PLATFORM_METRICS, ...ACTIVITY_METRICS, TRACKED_EVENTS_METRIC] as const;
export type Metric = (typeof METRICS)[number];

export function isMetric(value: unknown): value is Metric {
  return typeof value === 'string' && (METRICS as readonly string[]).includes(value);
}

/**
 * What a series is about. Clients report on `post`, `account` and `campaign`; `workspace`
 * (id: the workspace id), `platform` (id: the platform) and `event` (id: a tracked event's
 * name) are the aggregates analytics keeps itself.
 */
export const REPORTED_ENTITY_TYPES = ['post', 'account', 'campaign'] as const;
export type ReportedEntityType = (typeof REPORTED_ENTITY_TYPES)[number];
export const AGGREGATE_ENTITY_TYPES = ['workspace', 'platform', 'event'] as const;
export type AggregateEntityType = (typeof AGGREGATE_ENTITY_TYPES)[number];
export const ENTITY_TYPES = [...REPORTED_ENTITY_TYPES, ...AGGREGATE_ENTITY_TYPES] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * `cumulative`: a running total as platforms report it (the delta from the previous snapshot is
 * what counts); `increment`: an amount to add.
 */
export const OBSERVATION_KINDS = ['cumulative', 'increment'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];
