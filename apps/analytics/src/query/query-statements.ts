import { qualified } from '@lib/event-store';
import type { EntityType, Metric } from '@lib/contracts';
import type { Aggregation } from './query.types';
import type { ReadPlan, Window } from './read-plan';
import type { RollupRange } from './rollup-ranges';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The SQL of the query side. Every statement is one round trip and reads only the rows of its
 * range, by the primary key (workspace_id, entity_type, entity_id, metric, bucket_start) of the
 * rollups, the top index (workspace_id, metric, entity_type, bucket_start) INCLUDE (entity_id,
 * sum), or the raw table's entity and recent indexes; every one filters on the workspace.
 */

export interface Statement {
  text: string;
  values: unknown[];
}

export interface QueryTables {
  hourly: string;
  daily: string;
  observations: string;
  owners: string;
}

export function queryTables(schema: string): QueryTables {
  return {
    hourly: qualified(schema, 'metric_rollups_hourly'),
    daily: qualified(schema, 'metric_rollups_daily'),
    observations: qualified(schema, 'metric_observations'),
    owners: qualified(schema, 'entity_owners'),
  };
}

/** Numbered placeholders, one per distinct value, added as the SQL uses them. */
class Params {
  readonly values: unknown[] = [];
  private readonly names = new Map<string, string>();

  ref(key: string, value: unknown): string {
    let name = this.names.get(key);
    if (name === undefined) {
      this.values.push(value);
      name = `$${this.values.length}`;
      this.names.set(key, name);
    }
    return name;
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export interface SeriesScope {
  workspaceId: string;
  entityType: EntityType;
  entityId: string;
  /** Whether entity_owners may name the entity's workspace (entities other services own). */
  ownedElsewhere: boolean;
  metrics: readonly Metric[];
  agg: Aggregation;
  /** Bucket starts, ascending, epoch ms, and the last bucket's end. */
  starts: readonly number[];
  end: number;
  /** Which store each part of [starts[0], end) is read from. */
  plan: ReadPlan;
}

/** A bucket aggregate (bucket 1..n as width_bucket numbers them; 0 is the value carried into the range), or no data. */
export interface SeriesRow {
  /** entity_owners gives the entity to another workspace: the caller may not see it. */
  foreign_owner: boolean;
  metric: string | null;
  bucket: number | null;
  value: number | null;
  weight: number | null;
}

/**
 * Per aggregation: the value a rollup row and a raw row contribute, and how a bucket combines the
 * values (v), observation counts (n) and the instants the values were observed at (t).
 */
const AGGREGATES: Readonly<Record<Aggregation, { rollup: string; raw: string; value: string; weight: string }>> = {
  sum: { rollup: 'r.sum', raw: 'o.delta', value: 'sum(v)', weight: 'NULL::float8' },
  avg: { rollup: 'r.sum', raw: 'o.delta', value: 'sum(v)', weight: 'sum(n)' },
  min: { rollup: 'r.min', raw: 'o.value', value: 'min(v)', weight: 'NULL::float8' },
  max: { rollup: 'r.max', raw: 'o.value', value: 'max(v)', weight: 'NULL::float8' },
  // The value observed latest: a rollup row's own last is the one observed at its last_at.
  last: { rollup: 'r.last', raw: 'o.value', value: '(array_agg(v ORDER BY t DESC))[1]', weight: 'NULL::float8' },
};

/**
 * Every metric's bucket aggregates over the range, grouped in the database by bucket
 * (width_bucket over the bucket starts: local days of any length, weeks, months), from the
 * rollups and raw rows the plan names, plus for `last` the value carried into the range. The
 * ownership check rides along as a column, so the answer is one round trip of at least one row.
 */
export function seriesStatement(tables: QueryTables, scope: SeriesScope): Statement {
  const p = new Params();
  const workspace = (): string => p.ref('workspace', scope.workspaceId);
  const entityType = (): string => p.ref('entityType', scope.entityType);
  const entityId = (): string => p.ref('entityId', scope.entityId);
  const metrics = (): string => p.ref('metrics', scope.metrics);
  const from = (): string => p.ref('from', iso(scope.starts[0]));
  const to = (): string => p.ref('to', iso(scope.end));
  const instants = (values: readonly number[]): string => `${p.add(values.map(iso))}::timestamptz[]`;
  const series = (alias: string): string =>
    `${alias}.workspace_id = ${workspace()} AND ${alias}.entity_type = ${entityType()} AND ${alias}.entity_id = ${entityId()}`;
  // One index range scan per window. A lone window (the common case) is a plain range, which
  // the planner estimates well. Several join the scans through LATERAL; OFFSET 0 keeps the
  // subquery from being flattened, so the planner cannot trade the scans for one of the whole
  // range filtered against the windows, and the range's own bounds prune partitions while planning.
  const perWindow = (windows: readonly Window[], column: string, select: string): string => {
    if (windows.length === 1) return `${select} AND ${column} >= ${p.add(iso(windows[0].from))} AND ${column} < ${p.add(iso(windows[0].to))}`;
    return `SELECT part.* FROM unnest(${instants(windows.map((window) => window.from))}, ${instants(windows.map((window) => window.to))}) AS span (lo, hi)
        CROSS JOIN LATERAL (${select}
          AND ${column} >= span.lo AND ${column} < span.hi AND ${column} >= ${from()} AND ${column} < ${to()}
          OFFSET 0) AS part`;
  };

  const aggregate = AGGREGATES[scope.agg];
  const { daily, hourly, raw } = scope.plan;
  // count > 0 holds for every row; the top index lacks count, so with it the planner never takes
  // that index (every entity of the type, filtered down to one) over the primary key when it
  // underestimates the rows of a window.
  const rollupRows = (table: string, windows: readonly Window[]): string =>
    perWindow(
      windows,
      'r.bucket_start',
      `SELECT r.metric, r.bucket_start, ${aggregate.rollup}, r.count::float8, r.last_at FROM ${table} AS r
          WHERE ${series('r')} AND r.metric = ANY (${metrics()}::text[]) AND r.count > 0`,
    );
  const parts: string[] = [];
  if (daily.length > 0) parts.push(rollupRows(tables.daily, daily));
  if (hourly.length > 0) parts.push(rollupRows(tables.hourly, hourly));
  if (raw.length > 0) {
    parts.push(
      perWindow(
        raw,
        'o.observed_at',
        `SELECT o.metric, o.observed_at, ${aggregate.raw}, 1::float8, o.observed_at FROM ${tables.observations} AS o
          WHERE o.workspace_id = ${workspace()}${rawEntityFilter(scope, entityType, entityId)} AND o.metric = ANY (${metrics()}::text[])`,
      ),
    );
  }
  const buckets = [
    `SELECT metric, width_bucket(at, ${p.ref('starts', scope.starts.map(iso))}::timestamptz[]) AS bucket, ${aggregate.value} AS value, ${aggregate.weight} AS weight
      FROM (${parts.join('\n        UNION ALL\n        ')}) AS rows (metric, at, v, n, t)
      GROUP BY metric, bucket`,
  ];
  if (scope.agg === 'last') buckets.push(carriedLast(tables, scope, { series, metrics, from }));

  const owner = scope.ownedElsewhere
    ? `SELECT EXISTS (SELECT 1 FROM ${tables.owners}
         WHERE entity_type = ${entityType()} AND entity_id = ${entityId()} AND workspace_id <> ${workspace()}) AS foreign_owner`
    : 'SELECT false AS foreign_owner';
  return {
    text: `SELECT owner.foreign_owner, data.metric, data.bucket, data.value, data.weight
      FROM (${owner}) AS owner
      LEFT JOIN (${buckets.join('\n      UNION ALL\n      ')}) AS data ON true`,
    values: p.values,
  };
}

/**
 * Per metric, the value observed latest before the range (bucket 0), from the coarsest store
 * whose rows end by the range's start. Past raw retention (an entity silent since), the hourly
 * rollups still hold the last value of every hour that ended before it.
 */
function carriedLast(
  tables: QueryTables,
  scope: SeriesScope,
  refs: { series: (alias: string) => string; metrics: () => string; from: () => string },
): string {
  const start = scope.starts[0];
  const latest = (table: string, until: string): string =>
    `(SELECT r.last FROM ${table} AS r
          WHERE ${refs.series('r')} AND r.metric = m.metric AND r.bucket_start ${until}
          ORDER BY r.bucket_start DESC LIMIT 1)`;
  const before =
    start % DAY_MS === 0
      ? latest(tables.daily, `< ${refs.from()}`)
      : start % HOUR_MS === 0
        ? latest(tables.hourly, `< ${refs.from()}`)
        : `coalesce(
          (SELECT o.value FROM ${tables.observations} AS o
            WHERE ${refs.series('o')} AND o.metric = m.metric AND o.observed_at < ${refs.from()}
            ORDER BY o.observed_at DESC LIMIT 1),
          ${latest(tables.hourly, `<= ${refs.from()}::timestamptz - interval '1 hour'`)})`;
  return `SELECT m.metric, 0, ${before}, NULL
      FROM unnest(${refs.metrics()}::text[]) AS m (metric)`;
}

/**
 * Raw rows are kept for the reported entity alone (rollups for every target), so an aggregate
 * is read off them: a workspace is all of its rows, a platform those of the platform.
 */
function rawEntityFilter(scope: SeriesScope, entityType: () => string, entityId: () => string): string {
  switch (scope.entityType) {
    case 'workspace':
      return '';
    case 'platform':
      return ` AND o.platform = ${entityId()}`;
    default:
      return ` AND o.entity_type = ${entityType()} AND o.entity_id = ${entityId()}`;
  }
}

export interface TopScope {
  workspaceId: string;
  metric: Metric;
  entityType: EntityType;
  ranges: readonly RollupRange[];
  limit: number;
}

/** Entities by their sum over the ranges, index-only on the top indexes. */
export function topStatement(tables: QueryTables, scope: TopScope): Statement {
  const p = new Params();
  const key = `workspace_id = ${p.add(scope.workspaceId)} AND metric = ${p.add(scope.metric)} AND entity_type = ${p.add(scope.entityType)}`;
  const parts = scope.ranges.map(
    (range) => `SELECT entity_id, sum FROM ${range.rollup === 'daily' ? tables.daily : tables.hourly}
      WHERE ${key} AND bucket_start >= ${p.add(iso(range.from))} AND bucket_start < ${p.add(iso(range.to))}`,
  );
  return {
    text: `SELECT entity_id, sum(sum) AS value
      FROM (${parts.join('\n      UNION ALL\n      ')}) AS rows
      GROUP BY entity_id
      ORDER BY value DESC, entity_id
      LIMIT ${p.add(scope.limit)}`,
    values: p.values,
  };
}

export interface SummaryScope {
  workspaceId: string;
  metrics: readonly Metric[];
  /** Where the current period starts; the rows before it are the previous period's. */
  from: number;
  ranges: readonly RollupRange[];
}

/** The workspace entity's sums per metric, current and previous period, in one pass. */
export function summaryStatement(tables: QueryTables, scope: SummaryScope): Statement {
  const p = new Params();
  const key = `workspace_id = ${p.add(scope.workspaceId)} AND entity_type = 'workspace' AND entity_id = ${p.add(scope.workspaceId)}
        AND metric = ANY (${p.add(scope.metrics)}::text[])`;
  const parts = scope.ranges.map(
    (range) => `SELECT metric, bucket_start, sum FROM ${range.rollup === 'daily' ? tables.daily : tables.hourly}
      WHERE ${key} AND bucket_start >= ${p.add(iso(range.from))} AND bucket_start < ${p.add(iso(range.to))}`,
  );
  const from = p.add(iso(scope.from));
  return {
    text: `SELECT metric,
        coalesce(sum(sum) FILTER (WHERE bucket_start >= ${from}), 0) AS current,
        coalesce(sum(sum) FILTER (WHERE bucket_start < ${from}), 0) AS previous
      FROM (${parts.join('\n      UNION ALL\n      ')}) AS rows
      GROUP BY metric`,
    values: p.values,
  };
}

/** A workspace's raw rows of (since, until], per metric, on the recent index. */
export function realtimeStatement(tables: QueryTables, workspaceId: string, since: number, until: number): Statement {
  return {
    text: `SELECT metric, sum(delta) AS sum, count(*)::int AS count
      FROM ${tables.observations}
      WHERE workspace_id = $1 AND observed_at > $2 AND observed_at <= $3
      GROUP BY metric`,
    values: [workspaceId, iso(since), iso(until)],
  };
}
