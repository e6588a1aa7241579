import type { Platform } from '../content/platforms';
import type { SourceEventReceivedData } from '../source-events';
import type { ObservationKind, PlatformMetric, ReportedEntityType } from './metrics';

export const METRIC_BATCH_STREAM_TYPE = 'metric-batch';
export const TRACKED_EVENT_BATCH_STREAM_TYPE = 'tracked-event-batch';

/**
 * One stream per (workspace, client batch id): appending with `no_stream` is what makes a batch
 * idempotent.
 */
export function metricBatchStreamId(workspaceId: string, batchId: string): string {
  return `${METRIC_BATCH_STREAM_TYPE}-${workspaceId}-${batchId}`;
}

export function trackedEventBatchStreamId(workspaceId: string, batchId: string): string {
  return `${TRACKED_EVENT_BATCH_STREAM_TYPE}-${workspaceId}-${batchId}`;
}

export interface MetricObservationData {
  entityType: ReportedEntityType;
  entityId: string;
  platform: Platform;
  metric: PlatformMetric;
  value: number;
  kind: ObservationKind;
  /** ISO-8601 UTC. */
  observedAt: string;
}

export interface MetricBatchRecordedData {
  batchId: string;
  /** SHA-256 of the batch's canonical JSON: a batch id sent again with other content is refused. */
  contentHash: string;
  observations: MetricObservationData[];
  recordedBy: string;
  recordedAt: string;
}

export interface TrackedEventData {
  name: string;
  occurredAt: string;
  userId: string | null;
  sessionId: string | null;
  entityType: ReportedEntityType | null;
  entityId: string | null;
  platform: Platform | null;
  properties: Record<string, unknown>;
}

export interface TrackedEventBatchRecordedData {
  batchId: string;
  contentHash: string;
  events: TrackedEventData[];
  recordedBy: string;
  recordedAt: string;
}

export interface AnalyticsEventDataMap {
  MetricBatchRecorded: MetricBatchRecordedData;
  TrackedEventBatchRecorded: TrackedEventBatchRecordedData;
  SourceEventReceived: SourceEventReceivedData;
}

export type AnalyticsEventType = keyof AnalyticsEventDataMap;

export const ANALYTICS_EVENT_SCHEMA_VERSIONS: Readonly<Record<AnalyticsEventType, number>> = Object.freeze({
  MetricBatchRecorded: 1,
  TrackedEventBatchRecorded: 1,
  SourceEventReceived: 1,
});

/** The stream types analytics publishes to JetStream; `source` stays inside the service. */
export const ANALYTICS_PUBLISHED_STREAM_TYPES = [METRIC_BATCH_STREAM_TYPE, TRACKED_EVENT_BATCH_STREAM_TYPE] as const;
