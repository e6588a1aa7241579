import type { ActivityMetric, AggregateEntityType, ReportedEntityType, ServiceName } from '@lib/contracts';

/**
 * A path into an event's `data`: `postId`, `campaignId`, or with `[]` a fan-out over an array
 * (`publications[].platform`). A path that leads to null or nothing yields no value.
 */
export type DataPath = string;

/** Where an increment is counted besides its primary entity. */
export type ActivityTarget =
  | { readonly type: 'workspace' }
  /** One target per value at `idPath` (none when it is null): a campaign, a post. */
  | { readonly type: ReportedEntityType; readonly idPath: DataPath }
  /** One target per platform at `idPath`. */
  | { readonly type: Extract<AggregateEntityType, 'platform'>; readonly idPath: DataPath };

/** One event type of a source service counted as one activity metric: +1 per event. */
export interface ActivityRule {
  readonly eventType: string;
  readonly metric: ActivityMetric;
  /** The raw row's entity. */
  readonly primary: { readonly type: ReportedEntityType; readonly idPath: DataPath };
  readonly targets: readonly ActivityTarget[];
  /** ISO time in `data` the activity happened at; the envelope's `occurredAt` when omitted. */
  readonly at?: DataPath;
}

/** An event that tells which workspace an entity of the source service belongs to. */
export interface OwnershipRule {
  readonly eventType: string;
  readonly entityType: ReportedEntityType;
  readonly idPath: DataPath;
}

/** Everything analytics derives from one source service: a table, never code in the projector. */
export interface SourceRuleTable {
  readonly service: ServiceName;
  readonly activity: readonly ActivityRule[];
  readonly owners: readonly OwnershipRule[];
}
