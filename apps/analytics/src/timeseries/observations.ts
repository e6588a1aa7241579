import {
  TRACKED_EVENTS_METRIC,
  type AnalyticsEventType,
  type EntityType,
  type MetricBatchRecordedData,
  type Metric,
  type ObservationKind,
  type SourceEventReceivedData,
  type TrackedEventBatchRecordedData,
} from '@lib/contracts';
import type { RecordedEvent } from '@lib/event-store';
import { distinctRefs, type EntityRef, type RuleEngine } from '../rules/rule-engine';

/** One value of one metric for one entity at one instant: a raw row, counted in rollups. */
export interface Observation {
  readonly workspaceId: string;
  /** The raw row's entity. */
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly metric: Metric;
  /** '' when the observation is about no one platform. */
  readonly platform: string;
  readonly kind: ObservationKind;
  readonly value: number;
  readonly observedAt: Date;
  /** With `item`, the raw row's identity: the event it came from and its place in it. */
  readonly eventId: string;
  readonly item: number;
  /** The aggregates it is also counted for (its own entity excluded). */
  readonly targets: readonly EntityRef[];
}

/** A row of `tracked_events`. */
export interface TrackedEventRow {
  readonly workspaceId: string;
  readonly name: string;
  readonly occurredAt: Date;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly entityType: string | null;
  readonly entityId: string | null;
  readonly platform: string | null;
  readonly properties: Record<string, unknown>;
  readonly eventId: string;
  readonly item: number;
}

export interface EventObservations {
  readonly observations: Observation[];
  readonly trackedEvents: TrackedEventRow[];
}

export const TIMESERIES_EVENT_TYPES = ['MetricBatchRecorded', 'TrackedEventBatchRecorded', 'SourceEventReceived'] as const satisfies readonly AnalyticsEventType[];

const NONE: EventObservations = Object.freeze({ observations: [], trackedEvents: [] });

/**
 * What one analytics event adds to the time series. Pure: the same event always gives the
 * same rows, which is what lets a rebuild reproduce the live tables.
 */
export function observationsOf(event: RecordedEvent, rules: RuleEngine): EventObservations {
  switch (event.type) {
    case 'MetricBatchRecorded':
      return metricObservations(event, event.data as MetricBatchRecordedData);
    case 'TrackedEventBatchRecorded':
      return trackedEvents(event, event.data as TrackedEventBatchRecordedData);
    case 'SourceEventReceived':
      return activity(event, (event.data as SourceEventReceivedData).source, rules);
    default:
      return NONE;
  }
}

/** Every observation counts for its workspace, and for its platform when it has one. */
function aggregates(workspaceId: string, platform: string | null, more: readonly EntityRef[] = []): EntityRef[] {
  const refs: EntityRef[] = [{ entityType: 'workspace', entityId: workspaceId }];
  if (platform) refs.push({ entityType: 'platform', entityId: platform });
  return distinctRefs([...refs, ...more]);
}

function metricObservations(event: RecordedEvent, data: MetricBatchRecordedData): EventObservations {
  const workspaceId = event.metadata.workspaceId;
  return {
    observations: data.observations.map((o, item) => ({
      workspaceId,
      entityType: o.entityType,
      entityId: o.entityId,
      metric: o.metric,
      platform: o.platform,
      kind: o.kind,
      value: o.value,
      observedAt: instant(o.observedAt),
      eventId: event.id,
      item,
      // A function of the series alone: a cumulative snapshot's successor has the same targets.
      targets: aggregates(workspaceId, o.platform),
    })),
    trackedEvents: [],
  };
}

function trackedEvents(event: RecordedEvent, data: TrackedEventBatchRecordedData): EventObservations {
  const workspaceId = event.metadata.workspaceId;
  const observations: Observation[] = [];
  const rows: TrackedEventRow[] = [];
  data.events.forEach((e, item) => {
    const occurredAt = instant(e.occurredAt);
    rows.push({
      workspaceId,
      name: e.name,
      occurredAt,
      userId: e.userId,
      sessionId: e.sessionId,
      entityType: e.entityType,
      entityId: e.entityId,
      platform: e.platform,
      properties: e.properties,
      eventId: event.id,
      item,
    });
    observations.push({
      workspaceId,
      entityType: 'event',
      entityId: e.name,
      metric: TRACKED_EVENTS_METRIC,
      platform: e.platform ?? '',
      kind: 'increment',
      value: 1,
      observedAt: occurredAt,
      eventId: event.id,
      item,
      targets: aggregates(workspaceId, e.platform),
    });
  });
  return { observations, trackedEvents: rows };
}

function activity(event: RecordedEvent, source: SourceEventReceivedData['source'], rules: RuleEngine): EventObservations {
  return {
    observations: rules.incrementsOf(source).map((increment, item) => ({
      workspaceId: increment.workspaceId,
      entityType: increment.entityType,
      entityId: increment.entityId,
      metric: increment.metric,
      platform: increment.platform,
      kind: 'increment',
      value: increment.value,
      observedAt: increment.at,
      eventId: event.id,
      item,
      targets: aggregates(increment.workspaceId, increment.platform, increment.targets),
    })),
    trackedEvents: [],
  };
}

/** Instants were validated on the way in; one that is not is a broken event, not a zero. */
function instant(iso: string): Date {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`Not an instant: ${JSON.stringify(iso)}`);
  return at;
}
