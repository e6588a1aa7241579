import { METRICS, isMetric, type EntityType, type Metric } from '@lib/contracts';
import { ValidationError } from '@lib/service-kit';
import type { Pool } from 'pg';
import {
  QUERY_LIMITS,
  type RealtimeAnswer,
  type RealtimeRequest,
  type SummaryAnswer,
  type SummaryRequest,
  type TimeseriesAnswer,
  type TimeseriesQueriesOptions,
  type TimeseriesRequest,
  type TopAnswer,
  type TopRequest,
} from './query.types';
import { normalEntityId } from '../ingestion/ingestion-rules';
import {
  checkRange,
  checkRealtime,
  checkTimeseries,
  checkTop,
  checkWidenedRange,
  EARLIEST_MS,
  entityNotFound,
  isAggregateEntityType,
  previousPeriodTooEarly,
} from './query-validation';
import { queryTables, realtimeStatement, seriesStatement, summaryStatement, topStatement, type QueryTables, type SeriesRow, type Statement } from './query-statements';
import { rollupRanges, wholeHours } from './rollup-ranges';
import { change, seriesAnswer, type BucketAggregate } from './series-answer';
import { readPlan, sourceOf, type ReadPlan } from './read-plan';
import { BucketCalendar, bucketsBefore, bucketsCovering } from './zone-buckets';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DEFAULT_RAW_RETENTION_DAYS = 95;

/** Rows of the vocabulary's metrics (the SQL asks for no others), typed as such. */
function isMetricRow<T extends { metric: string }>(row: T): row is T & { metric: Metric } {
  return isMetric(row.metric);
}

const byVocabulary = (a: { metric: Metric }, b: { metric: Metric }): number => METRICS.indexOf(a.metric) - METRICS.indexOf(b.metric);

/** What a timeseries request reads, decided before its one round trip. */
export interface PlannedSeries {
  /** Bucket starts, epoch ms: the previous period's first (`previousCount` of them), then the range's. */
  starts: number[];
  end: number;
  previousCount: number;
  plan: ReadPlan;
  statement: Statement;
}

/** Checks a timeseries request, lays out its buckets and plans what to read for them. */
export function planSeries(tables: QueryTables, request: TimeseriesRequest): PlannedSeries {
  const range = checkTimeseries(request);
  const calendar = new BucketCalendar(request.tz, request.interval);
  const current = bucketsCovering(calendar, range.from, range.to, QUERY_LIMITS.maxBuckets);
  checkWidenedRange({ from: current.starts[0], to: current.end }, `${request.interval}s in ${request.tz}`);
  const previous = request.compare === 'previous' ? bucketsBefore(calendar, current.starts[0], current.starts.length, EARLIEST_MS) : [];
  if (request.compare === 'previous' && previous.length < current.starts.length) throw previousPeriodTooEarly();
  const starts = [...previous, ...current.starts];
  const plan = readPlan([...starts, current.end]);
  const statement = seriesStatement(tables, {
    workspaceId: request.workspaceId,
    entityType: request.entityType,
    entityId: request.entityId,
    ownedElsewhere: !isAggregateEntityType(request.entityType),
    metrics: request.metrics,
    agg: request.agg,
    starts,
    end: current.end,
    plan,
  });
  return { starts, end: current.end, previousCount: previous.length, plan, statement };
}

/** The read side of the time-series store (see the README's "Query side"). */
export class TimeseriesQueries {
  private readonly tables: QueryTables;
  private readonly now: () => Date;
  private readonly rawRetentionDays: number;

  constructor(
    private readonly pool: Pool,
    schema: string,
    options: TimeseriesQueriesOptions = {},
  ) {
    this.tables = queryTables(schema);
    this.now = options.now ?? (() => new Date());
    this.rawRetentionDays = options.rawRetentionDays ?? DEFAULT_RAW_RETENTION_DAYS;
  }

  /** Series of one entity (or aggregate) in buckets of the caller's time zone, optionally with the period before. */
  async timeseries(asked: TimeseriesRequest): Promise<TimeseriesAnswer> {
    // Looked up as ingestion stored it: a UUID in upper case is the same entity.
    const request = { ...asked, entityId: normalEntityId(asked.entityType, asked.entityId) };
    const { starts, end, previousCount, plan, statement } = planSeries(this.tables, request);
    const now = this.now().getTime();
    if (plan.raw.length > 0) {
      checkRawEntity(request.tz, request.entityType);
      this.checkRawRetention(request.tz, plan.raw[0].from, now);
    }
    const { rows } = await this.pool.query<SeriesRow>(statement.text, statement.values);
    if (rows[0].foreign_owner) throw entityNotFound(request.entityType, request.entityId);

    const data = request.metrics.map((metric) => ({ metric, buckets: new Map<number, BucketAggregate>(), carried: null as number | null }));
    const byMetric = new Map<string, (typeof data)[number]>(data.map((entry) => [entry.metric, entry]));
    for (const row of rows) {
      const entry = row.metric === null ? undefined : byMetric.get(row.metric);
      if (!entry || row.bucket === null || row.value === null) continue;
      if (row.bucket === 0) entry.carried = row.value;
      else entry.buckets.set(row.bucket - 1, { value: row.value, weight: row.weight });
    }
    const layout = { starts, end, previousCount, compare: request.compare === 'previous', now };
    const series = data.map((entry) => seriesAnswer(entry.metric, request.agg, entry, layout));
    return {
      metric: series[0].metric,
      interval: request.interval,
      tz: request.tz,
      agg: request.agg,
      from: new Date(starts[previousCount]).toISOString(),
      to: new Date(end).toISOString(),
      source: sourceOf(plan),
      points: series[0].points,
      series,
    };
  }

  /** Entities of a type by their sum of one metric over the range. */
  async top(request: TopRequest): Promise<TopAnswer> {
    const checked = checkTop(request);
    const range = wholeHours(checked.from, checked.to);
    checkWidenedRange(range, 'UTC hours');
    const statement = topStatement(this.tables, {
      workspaceId: request.workspaceId,
      metric: request.metric,
      entityType: request.entityType,
      ranges: rollupRanges(range.from, range.to),
      limit: request.limit,
    });
    const { rows } = await this.pool.query<{ entity_id: string; value: number }>(statement.text, statement.values);
    return {
      metric: request.metric,
      entityType: request.entityType,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      items: rows.map((row) => ({ entityId: row.entity_id, value: row.value })),
    };
  }

  /** Per metric, the sum and count of the workspace's raw observations of the last minutes. */
  async realtime(request: RealtimeRequest): Promise<RealtimeAnswer> {
    checkRealtime(request);
    const until = this.now().getTime();
    const since = until - request.minutes * MINUTE_MS;
    const statement = realtimeStatement(this.tables, request.workspaceId, since, until);
    const { rows } = await this.pool.query<{ metric: string; sum: number; count: number }>(statement.text, statement.values);
    return {
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      metrics: rows
        .filter(isMetricRow)
        .map((row) => ({ metric: row.metric, sum: row.sum, count: row.count }))
        .sort(byVocabulary),
    };
  }

  /** The workspace's totals per metric over the range and over the period as long just before it. */
  async summary(request: SummaryRequest): Promise<SummaryAnswer> {
    const checked = checkRange(request.from, request.to);
    const range = wholeHours(checked.from, checked.to);
    checkWidenedRange(range, 'UTC hours');
    const previousFrom = range.from - (range.to - range.from);
    if (previousFrom < EARLIEST_MS) throw previousPeriodTooEarly();
    const statement = summaryStatement(this.tables, {
      workspaceId: request.workspaceId,
      metrics: METRICS,
      from: range.from,
      ranges: [...rollupRanges(previousFrom, range.from), ...rollupRanges(range.from, range.to)],
    });
    const { rows } = await this.pool.query<{ metric: string; current: number; previous: number }>(statement.text, statement.values);
    return {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      metrics: rows
        .filter(isMetricRow)
        .map((row) => ({ metric: row.metric, current: row.current, previous: row.previous, change: change(row.current, row.previous) }))
        .sort(byVocabulary),
    };
  }

  /** Raw rows are read for the hours that hold a bucket boundary; the first must still be kept. */
  private checkRawRetention(tz: string, firstRawRead: number, now: number): void {
    const retained = now - this.rawRetentionDays * DAY_MS;
    if (firstRawRead >= retained) return;
    throw new ValidationError(
      `${tz} is not a whole number of hours from UTC, so its buckets are computed from raw observations, which are kept ` +
        `${this.rawRetentionDays} days: the range (with the previous period, when compared) must start at or after ${new Date(retained).toISOString()}`,
    );
  }
}

/**
 * Raw rows are kept for an observation's own entity alone, with activity under platform '': a
 * campaign's or a platform's raw part would miss what reached it as an aggregate target (its
 * activity metrics would read 0). Refused rather than answered wrong.
 */
function checkRawEntity(tz: string, entityType: EntityType): void {
  if (entityType !== 'campaign' && entityType !== 'platform') return;
  throw new ValidationError(
    `${tz} is not a whole number of hours from UTC, so its buckets are computed from raw observations, which hold no ${entityType} totals: ` +
      `${entityType} series are answered in time zones whose offsets from UTC are whole hours`,
  );
}
