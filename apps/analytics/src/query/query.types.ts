import type { EntityType, Metric } from '@lib/contracts';

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Where a series' values were read: the coarsest rollup whose buckets fit the requested ones. */
export type SeriesSource = 'daily' | 'hourly' | 'raw';

export interface TimeseriesRequest {
  workspaceId: string;
  metrics: Metric[];
  entityType: EntityType;
  entityId: string;
  from: Date;
  to: Date;
  interval: Interval;
  /** IANA time zone the buckets are aligned to. */
  tz: string;
  agg: Aggregation;
  compare: 'previous' | null;
}

export interface TimeseriesPoint {
  /** ISO-8601 UTC of the bucket start. */
  t: string;
  value: number | null;
  /** False while the bucket's end is still in the future. */
  complete: boolean;
}

export interface SeriesAnswer {
  metric: Metric;
  points: TimeseriesPoint[];
  /** With compare 'previous': the same number of buckets just before `points`. */
  previous?: TimeseriesPoint[];
  totals: {
    /** sum: the points' sum; avg/min/max/last: the aggregation over the whole range (null when it has no data). */
    current: number | null;
    previous?: number | null;
    /** (current - previous) / previous; null when previous is 0 or either is null. */
    change?: number | null;
  };
}

export interface TimeseriesAnswer {
  /** The first series' metric and points (the common single-metric case). */
  metric: Metric;
  interval: Interval;
  tz: string;
  agg: Aggregation;
  /** The range widened to whole buckets: the first bucket's start and the last one's end, ISO-8601 UTC. */
  from: string;
  to: string;
  source: SeriesSource;
  points: TimeseriesPoint[];
  series: SeriesAnswer[];
}

export interface TopRequest {
  workspaceId: string;
  metric: Metric;
  entityType: EntityType;
  from: Date;
  to: Date;
  limit: number;
}

export interface TopAnswer {
  metric: Metric;
  entityType: EntityType;
  /** The range widened to whole UTC hours (the rollups' finest grain), ISO-8601 UTC. */
  from: string;
  to: string;
  /** By value descending, then entityId. */
  items: { entityId: string; value: number }[];
}

export interface RealtimeRequest {
  workspaceId: string;
  minutes: number;
}

export interface RealtimeAnswer {
  /** The window (since, until]: until is now. */
  since: string;
  until: string;
  /** Metrics observed in the window, in vocabulary order. */
  metrics: { metric: Metric; sum: number; count: number }[];
}

export interface SummaryRequest {
  workspaceId: string;
  from: Date;
  to: Date;
}

export interface SummaryAnswer {
  /** The range widened to whole UTC hours, ISO-8601 UTC; the previous period is as long and ends at `from`. */
  from: string;
  to: string;
  /** Metrics with data in either period, in vocabulary order. */
  metrics: { metric: Metric; current: number; previous: number; change: number | null }[];
}

export interface QueryLimits {
  /** Buckets of one series (the previous period's not counted). */
  maxBuckets: number;
  /** Metrics of one timeseries request. */
  maxMetrics: number;
  maxTopLimit: number;
  maxRealtimeMinutes: number;
}

export const QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxBuckets: 2000,
  maxMetrics: 10,
  maxTopLimit: 100,
  maxRealtimeMinutes: 60,
});

export interface TimeseriesQueriesOptions {
  /** Injected so that tests decide which buckets are complete and what raw retention still holds. */
  now?: () => Date;
  /** How long raw observations are kept (ANALYTICS_RAW_RETENTION_DAYS); a raw query may not start earlier. */
  rawRetentionDays?: number;
}
