import { parseZonedInstant, type ActivityMetric, type EntityType, type ReportedEntityType, type SourceEventReceivedData } from '@lib/contracts';
import type { ActivityRule, ActivityTarget, DataPath, OwnershipRule, SourceRuleTable } from './source-rules';

/** Another service's event, as `SourceEventReceived` holds it. */
export type SourceEnvelope = SourceEventReceivedData['source'];

export interface EntityRef {
  readonly entityType: EntityType;
  readonly entityId: string;
}

/** +1 on an activity metric for one entity, counted for its targets too. */
export interface ActivityIncrement {
  readonly workspaceId: string;
  readonly metric: ActivityMetric;
  readonly entityType: ReportedEntityType;
  readonly entityId: string;
  /** Activity is about no one platform: platforms it touches are targets, not the raw row's. */
  readonly platform: '';
  readonly value: 1;
  readonly at: Date;
  /** The rule's targets, resolved and without repeats; never the primary entity itself. */
  readonly targets: readonly EntityRef[];
}

export interface OwnedEntity {
  readonly entityType: ReportedEntityType;
  readonly entityId: string;
  readonly workspaceId: string;
}

/**
 * The values at `path` in `data`, in order and without repeats: `a.b` follows objects, `a[]`
 * fans out over an array. Anything but a non-empty string at the end (null, missing, a number,
 * an object) yields nothing, so a rule never counts an entity it cannot name.
 */
export function valuesAt(data: unknown, path: DataPath): string[] {
  let current: unknown[] = [data];
  for (const segment of path.split('.')) {
    const fanOut = segment.endsWith('[]');
    const key = fanOut ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const value of current) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const child = (value as Record<string, unknown>)[key];
      if (!fanOut) next.push(child);
      else if (Array.isArray(child)) next.push(...child);
    }
    current = next;
  }
  return [...new Set(current.filter((value): value is string => typeof value === 'string' && value !== ''))];
}

/**
 * Turns other services' events into activity increments and entity ownership, by their rule
 * tables alone: adding a service is adding a table, never code here.
 */
export class RuleEngine {
  private readonly activity = new Map<string, ActivityRule[]>();
  private readonly owners = new Map<string, OwnershipRule[]>();

  constructor(tables: readonly SourceRuleTable[]) {
    for (const table of tables) {
      for (const rule of table.activity) push(this.activity, ruleKey(table.service, rule.eventType), rule);
      for (const rule of table.owners) push(this.owners, ruleKey(table.service, rule.eventType), rule);
    }
  }

  /** One increment per activity rule of the event's type (and per primary id the rule finds). */
  incrementsOf(source: SourceEnvelope): ActivityIncrement[] {
    const increments: ActivityIncrement[] = [];
    for (const rule of this.activity.get(ruleKey(source.service, source.type)) ?? []) {
      const at = instantAt(source, rule.at);
      for (const entityId of valuesAt(source.data, rule.primary.idPath)) {
        const primary: EntityRef = { entityType: rule.primary.type, entityId };
        increments.push({
          workspaceId: source.workspaceId,
          metric: rule.metric,
          entityType: rule.primary.type,
          entityId,
          platform: '',
          value: 1,
          at,
          targets: distinctRefs(rule.targets.flatMap((target) => resolveTarget(target, source)).filter((ref) => !sameRef(ref, primary))),
        });
      }
    }
    return increments;
  }

  /** The entities the event says belong to its workspace. */
  ownedEntitiesOf(source: SourceEnvelope): OwnedEntity[] {
    return (this.owners.get(ruleKey(source.service, source.type)) ?? []).flatMap((rule) =>
      valuesAt(source.data, rule.idPath).map((entityId) => ({ entityType: rule.entityType, entityId, workspaceId: source.workspaceId })),
    );
  }
}

function ruleKey(service: string, eventType: string): string {
  return `${service}/${eventType}`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function resolveTarget(target: ActivityTarget, source: SourceEnvelope): EntityRef[] {
  if (!('idPath' in target)) return [{ entityType: target.type, entityId: source.workspaceId }];
  return valuesAt(source.data, target.idPath).map((entityId) => ({ entityType: target.type, entityId }));
}

/**
 * The rule's instant when the event holds one with its offset there, else when the event
 * occurred: text without an offset would be read in the server's zone.
 */
function instantAt(source: SourceEnvelope, path: DataPath | undefined): Date {
  const [value] = path === undefined ? [] : valuesAt(source.data, path);
  return parseZonedInstant(value) ?? new Date(source.occurredAt);
}

function sameRef(a: EntityRef, b: EntityRef): boolean {
  return a.entityType === b.entityType && a.entityId === b.entityId;
}

export function distinctRefs(refs: readonly EntityRef[]): EntityRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.entityType}/${ref.entityId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
