import { AGGREGATE_ENTITY_TYPES, ENTITY_TYPES, PLATFORMS, isMetric, type EntityType, type Metric } from '@lib/contracts';
import { NotFoundError, ValidationError, isIanaTimeZone } from '@lib/service-kit';
import { AGGREGATIONS, INTERVALS, QUERY_LIMITS, type RealtimeRequest, type TimeseriesRequest, type TopRequest } from './query.types';

/** Analytics holds nothing older, and the zone arithmetic relies on the modern tz database. */
export const EARLIEST_MS = Date.UTC(1970, 0, 1);
const EARLIEST = '1970-01-01T00:00:00Z';
/**
 * The queries hand PostgreSQL instants as ISO strings, and JS writes years past 9999 with six
 * digits and a sign (`+010000-01-01T…`), which PostgreSQL refuses: every instant read, a range's
 * end included, must be before year 10000.
 */
const END_MS = Date.UTC(10000, 0, 1);
const LATEST = '9999-12-31T23:59:59.999Z';

export function isAggregateEntityType(entityType: EntityType): boolean {
  return (AGGREGATE_ENTITY_TYPES as readonly string[]).includes(entityType);
}

/** The same answer whether the entity is another workspace's or nobody's. */
export function entityNotFound(entityType: EntityType, entityId: string): NotFoundError {
  return new NotFoundError(`${entityType} ${entityId} not found`);
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) throw new ValidationError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function integerWithin(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** [from, to) as epoch ms: both valid instants, from 1970 on, before year 10000, from before to. */
export function checkRange(from: Date, to: Date): { from: number; to: number } {
  const range = { from: from.getTime(), to: to.getTime() };
  for (const [name, value] of Object.entries(range)) {
    if (Number.isNaN(value)) throw new ValidationError(`${name} must be a valid instant`);
    if (value < EARLIEST_MS) throw new ValidationError(`${name} must not be before ${EARLIEST}`);
    // An offset can carry 9999-12-31T23:00-18:00 into year 10000.
    if (value >= END_MS) throw new ValidationError(`${name} must not be after ${LATEST}`);
  }
  if (range.from >= range.to) throw new ValidationError('from must be before to');
  return range;
}

/**
 * The range as read, widened to whole buckets (`buckets` names them), within the same bounds as
 * the range asked: widening moves from earlier and to later, past them near either end.
 */
export function checkWidenedRange(read: { from: number; to: number }, buckets: string): void {
  if (read.from < EARLIEST_MS) throw new ValidationError(`from is too early: widened to whole ${buckets}, the range would start before ${EARLIEST}`);
  if (read.to >= END_MS) throw new ValidationError(`to is too late: widened to whole ${buckets}, the range would end after ${LATEST}`);
}

/** A comparison reads the period as long as the range just before it, which must not start before 1970 either. */
export function previousPeriodTooEarly(): ValidationError {
  return new ValidationError(`from..to cannot be compared: the previous period (as long, just before from) would start before ${EARLIEST}`);
}

export function checkMetric(metric: string): Metric {
  if (!isMetric(metric)) throw new ValidationError(`unknown metric ${JSON.stringify(metric)}`);
  return metric;
}

export function checkEntityType(entityType: string): EntityType {
  return oneOf('entityType', entityType, ENTITY_TYPES);
}

/**
 * The meaning of a timeseries request beyond its types. A workspace series is only the caller's
 * own (404 otherwise, as for any entity the caller cannot see); the ownership of other entities
 * is checked with the query itself.
 */
export function checkTimeseries(request: TimeseriesRequest): { from: number; to: number } {
  const range = checkRange(request.from, request.to);
  if (request.metrics.length === 0) throw new ValidationError('metrics must name at least one metric');
  if (request.metrics.length > QUERY_LIMITS.maxMetrics) throw new ValidationError(`metrics must name at most ${QUERY_LIMITS.maxMetrics} metrics`);
  const seen = new Set<string>();
  for (const metric of request.metrics) {
    checkMetric(metric);
    if (seen.has(metric)) throw new ValidationError(`metrics must not repeat ${metric}`);
    seen.add(metric);
  }
  const entityType = checkEntityType(request.entityType);
  if (request.entityId === '') throw new ValidationError('entityId must not be empty');
  oneOf('interval', request.interval, INTERVALS);
  oneOf('agg', request.agg, AGGREGATIONS);
  if (request.compare !== null && request.compare !== 'previous') throw new ValidationError("compare must be 'previous' or left out");
  if (!isIanaTimeZone(request.tz)) throw new ValidationError('tz must be an IANA time zone such as Europe/Paris');
  if (isAggregateEntityType(entityType) && request.agg !== 'sum' && request.agg !== 'avg') {
    throw new ValidationError(`agg ${request.agg} is for single entities; ${entityType} is an aggregate: use sum or avg`);
  }
  if (entityType === 'platform' && !(PLATFORMS as readonly string[]).includes(request.entityId)) {
    throw new ValidationError(`a platform entityId must be one of ${PLATFORMS.join(', ')}`);
  }
  if (entityType === 'workspace' && request.entityId !== request.workspaceId) throw entityNotFound(entityType, request.entityId);
  return range;
}

export function checkTop(request: TopRequest): { from: number; to: number } {
  const range = checkRange(request.from, request.to);
  checkMetric(request.metric);
  checkEntityType(request.entityType);
  integerWithin('limit', request.limit, 1, QUERY_LIMITS.maxTopLimit);
  return range;
}

export function checkRealtime(request: RealtimeRequest): void {
  integerWithin('minutes', request.minutes, 1, QUERY_LIMITS.maxRealtimeMinutes);
}
