import {
  METRIC_BATCH_STREAM_TYPE,
  metricBatchStreamId,
  TRACKED_EVENT_BATCH_STREAM_TYPE,
  trackedEventBatchStreamId,
  type MetricBatchRecordedData,
  type MetricObservationData,
  type ObservationKind,
  type Platform,
  type PlatformMetric,
  type ReportedEntityType,
  type TrackedEventBatchRecordedData,
  type TrackedEventData,
} from '@lib/contracts';
import { ConcurrencyError, qualified, type DomainEvent, type PostgresEventStore } from '@lib/event-store';
import { type Clock, ConflictError, eventMetadata, type RequestContext, ValidationError } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { AnalyticsConfig } from '../analytics.config';
import { instantOf } from '../instant';
import { contentHash } from './canonical-json';
import { normalEntityId } from './ingestion-rules';

export interface MetricObservationInput {
  entityType: ReportedEntityType;
  entityId: string;
  platform: Platform;
  metric: PlatformMetric;
  value: number;
  /** `cumulative` when omitted. */
  kind?: ObservationKind;
  /** ISO-8601 with its offset. */
  observedAt: string;
}

export interface MetricBatchInput {
  batchId: string;
  observations: MetricObservationInput[];
}

export interface TrackedEventInput {
  name: string;
  occurredAt: string;
  userId?: string | null;
  sessionId?: string | null;
  entityType?: ReportedEntityType | null;
  entityId?: string | null;
  platform?: Platform | null;
  properties?: Record<string, unknown>;
}

export interface TrackedEventBatchInput {
  batchId: string;
  events: TrackedEventInput[];
}

/** The answer to a batch: recorded now (202), or already recorded with the same content (200). */
export interface BatchAnswer {
  batchId: string;
  /** Items in the batch. */
  accepted: number;
  duplicate: boolean;
}

/** Why one item of a refused batch was refused; `index` is its place in the batch. */
export interface RefusedItem {
  index: number;
  reasons: string[];
}

export interface IngestionLimits {
  maxBatch: number;
  futureToleranceMs: number;
  maxLatenessDays: number;
}

export function ingestionLimitsFromConfig(config: AnalyticsConfig): IngestionLimits {
  return {
    maxBatch: config.ANALYTICS_MAX_BATCH,
    futureToleranceMs: config.ANALYTICS_FUTURE_TOLERANCE_MS,
    maxLatenessDays: config.ANALYTICS_MAX_LATENESS_DAYS,
  };
}

type BatchEvent = DomainEvent<'MetricBatchRecorded', MetricBatchRecordedData> | DomainEvent<'TrackedEventBatchRecorded', TrackedEventBatchRecordedData>;

/** What one item says about time and ownership, for the checks every batch goes through. */
interface ItemFacts {
  at: Date;
  atField: string;
  entity: { type: ReportedEntityType; id: string } | null;
}

const DAY_MS = 86_400_000;

/**
 * Records the batches clients report. The DTOs have checked each item's shape; here every item
 * is checked against the clock and the entity directory, and one bad item refuses the whole
 * batch (nothing written, every item's reasons answered). A batch is one event on its own
 * stream, appended with `no_stream`: the same batch again is recognised by its content hash,
 * before those checks.
 */
export class IngestionService {
  private readonly entityOwners: string;

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly limits: IngestionLimits,
  ) {
    this.entityOwners = qualified(store.schema, 'entity_owners');
  }

  async recordMetrics(context: RequestContext, input: MetricBatchInput): Promise<BatchAnswer> {
    const now = this.clock();
    this.checkSize('observations', input.observations.length);
    const observations = input.observations.map(
      (item): MetricObservationData => ({
        entityType: item.entityType,
        entityId: normalEntityId(item.entityType, item.entityId),
        platform: item.platform,
        metric: item.metric,
        value: item.value,
        kind: item.kind ?? 'cumulative',
        observedAt: instantOf(item.observedAt, 'observedAt').toISOString(),
      }),
    );
    const hash = contentHash(observations);
    return this.record(
      context,
      now,
      metricBatchStreamId(context.actor.workspaceId, input.batchId),
      METRIC_BATCH_STREAM_TYPE,
      observations.map((item) => ({ at: new Date(item.observedAt), atField: 'observedAt', entity: { type: item.entityType, id: item.entityId } })),
      {
        type: 'MetricBatchRecorded',
        data: { batchId: input.batchId, contentHash: hash, observations, recordedBy: context.actor.userId, recordedAt: now.toISOString() },
      },
    );
  }

  async recordEvents(context: RequestContext, input: TrackedEventBatchInput): Promise<BatchAnswer> {
    const now = this.clock();
    this.checkSize('events', input.events.length);
    const events = input.events.map(
      (item): TrackedEventData => ({
        name: item.name,
        occurredAt: instantOf(item.occurredAt, 'occurredAt').toISOString(),
        userId: item.userId ?? null,
        sessionId: item.sessionId ?? null,
        entityType: item.entityType ?? null,
        entityId: item.entityType && item.entityId ? normalEntityId(item.entityType, item.entityId) : null,
        platform: item.platform ?? null,
        properties: item.properties ?? {},
      }),
    );
    const hash = contentHash(events);
    return this.record(
      context,
      now,
      trackedEventBatchStreamId(context.actor.workspaceId, input.batchId),
      TRACKED_EVENT_BATCH_STREAM_TYPE,
      events.map((item) => ({
        at: new Date(item.occurredAt),
        atField: 'occurredAt',
        entity: item.entityType && item.entityId ? { type: item.entityType, id: item.entityId } : null,
      })),
      {
        type: 'TrackedEventBatchRecorded',
        data: { batchId: input.batchId, contentHash: hash, events, recordedBy: context.actor.userId, recordedAt: now.toISOString() },
      },
    );
  }

  private checkSize(field: string, items: number): void {
    if (items > this.limits.maxBatch) {
      const message = `${field} holds at most ${this.limits.maxBatch} items; split the batch`;
      // No item is at fault, the batch's size is: `items` is in every refusal of a batch, empty here.
      throw new ValidationError(message, { fields: { [field]: [message] }, items: [] });
    }
  }

  /**
   * Every item's time within [now - max lateness, now + tolerance], and every entity another
   * service owns in this workspace (an entity it has not told us about yet passes: the
   * directory follows the events). Collects every reason of every item before refusing.
   */
  private async checkItems(context: RequestContext, now: Date, items: readonly ItemFacts[]): Promise<void> {
    const latest = now.getTime() + this.limits.futureToleranceMs;
    const earliest = now.getTime() - this.limits.maxLatenessDays * DAY_MS;
    const elsewhere = await this.ownedElsewhere(context.actor.workspaceId, items);
    const refused: RefusedItem[] = [];
    items.forEach((item, index) => {
      const reasons: string[] = [];
      if (item.at.getTime() > latest) reasons.push(`${item.atField} is more than ${this.limits.futureToleranceMs / 1000} s in the future`);
      if (item.at.getTime() < earliest) reasons.push(`${item.atField} is more than ${this.limits.maxLatenessDays} days in the past`);
      // Says no more than a missing entity would: another workspace's data must look absent.
      if (item.entity && elsewhere.has(entityKey(item.entity.type, item.entity.id))) reasons.push(`${item.entity.type} ${item.entity.id} is not found in this workspace`);
      if (reasons.length > 0) refused.push({ index, reasons });
    });
    if (refused.length > 0) {
      throw new ValidationError(`${refused.length} of ${items.length} items were refused, so the batch was not recorded`, { items: refused });
    }
  }

  /** The entities of `items` the directory says belong to another workspace. */
  private async ownedElsewhere(workspaceId: string, items: readonly ItemFacts[]): Promise<Set<string>> {
    const entities = new Map<string, { type: string; id: string }>();
    for (const { entity } of items) if (entity) entities.set(entityKey(entity.type, entity.id), entity);
    if (entities.size === 0) return new Set();
    const wanted = [...entities.values()];
    const result = await this.pool.query<{ entity_type: string; entity_id: string }>(
      `SELECT o.entity_type, o.entity_id
       FROM ${this.entityOwners} AS o
       JOIN unnest($1::text[], $2::text[]) AS w(entity_type, entity_id) USING (entity_type, entity_id)
       WHERE o.workspace_id <> $3`,
      [wanted.map((entity) => entity.type), wanted.map((entity) => entity.id), workspaceId],
    );
    return new Set(result.rows.map((row) => entityKey(row.entity_type, row.entity_id)));
  }

  /**
   * A batch already recorded is answered by its hash before any check of time or ownership:
   * those move (the lateness window, the directory), and a resend must stay safe whenever it comes.
   */
  private async record(context: RequestContext, now: Date, streamId: string, streamType: string, items: readonly ItemFacts[], event: BatchEvent): Promise<BatchAnswer> {
    const recorded = await this.recordedAnswer(streamId, items.length, event);
    if (recorded) return recorded;
    await this.checkItems(context, now, items);
    const { batchId } = event.data;
    try {
      await this.store.appendToStream(streamId, [event], { streamType, expectedVersion: 'no_stream', metadata: eventMetadata(context) });
      return { batchId, accepted: items.length, duplicate: false };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // A concurrent request took the batch id since the look-up (a retry of this very batch, most likely).
      const raced = await this.recordedAnswer(streamId, items.length, event);
      if (!raced) throw error;
      return raced;
    }
  }

  /** The answer when the batch's stream exists: 200 duplicate for the same content, else 409; null when it does not. */
  private async recordedAnswer(streamId: string, accepted: number, event: BatchEvent): Promise<BatchAnswer | null> {
    const existing = await this.store.readStream<BatchEvent>(streamId, { toVersion: 1 });
    if (!existing.streamExists) return null;
    const { batchId, contentHash: hash } = event.data;
    if (existing.events[0]?.data.contentHash === hash) return { batchId, accepted, duplicate: true };
    throw new ConflictError(`batch ${batchId} was already recorded with other content; send new content under a new batchId`);
  }
}

function entityKey(type: string, id: string): string {
  return `${type}/${id}`;
}
