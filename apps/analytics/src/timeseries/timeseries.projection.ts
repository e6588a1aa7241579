import { qualified, type Projection, type ProjectionContext } from '@lib/event-store';
import { RuleEngine } from '../rules/rule-engine';
import { SOURCE_RULE_TABLES } from '../rules';
import { TIMESERIES_EVENT_TYPES, observationsOf, type Observation, type TrackedEventRow } from './observations';
import { monthStartOf, partitionCache } from './partitions';

export const TIMESERIES = 'timeseries';
export const METRIC_OBSERVATIONS = 'metric_observations';
export const METRIC_ROLLUPS_HOURLY = 'metric_rollups_hourly';
export const METRIC_ROLLUPS_DAILY = 'metric_rollups_daily';
export const TRACKED_EVENTS = 'tracked_events';
/** Written by the partition maintainer, read here: not a table of this projection. */
export const METRIC_BASELINES = 'metric_baselines';

/**
 * Observations per round of statements. A chunk is written whole (raw rows, deltas, successors,
 * rollups); chunks of one batch go in turn in its transaction, each seeing the ones before, so
 * the size bounds memory and parameter size only, never correctness.
 */
const CHUNK_SIZE = 20_000;
const WORK_MEM = '32MB';
/** Below this many observations the sorts fit the default work_mem: no round trip to raise it. */
const WORK_MEM_FROM = 2_000;

const rules = new RuleEngine(SOURCE_RULE_TABLES);

/**
 * The time-series store: raw observations, hourly and daily rollups, tracked events. Each batch
 * of events becomes observations (see observationsOf); a chunk of them with cumulative snapshots
 * costs two statements, the raw rows (`rawStatement`) then the rollups (`rollupStatement`) of what
 * the first wrote, and a chunk of increments one (`incrementsStatement`).
 * The result does not depend on the order observations arrive in: see the README's "Cumulative
 * snapshots, in any order".
 */
export const timeseriesProjection: Projection = {
  name: TIMESERIES,
  tables: [METRIC_OBSERVATIONS, METRIC_ROLLUPS_HOURLY, METRIC_ROLLUPS_DAILY, TRACKED_EVENTS],
  eventTypes: TIMESERIES_EVENT_TYPES,
  async apply(events, ctx) {
    const observations: Observation[] = [];
    const tracked: TrackedEventRow[] = [];
    for (const event of events) {
      const out = observationsOf(event, rules);
      for (const o of out.observations) observations.push(o);
      for (const t of out.trackedEvents) tracked.push(t);
    }
    try {
      // A large chunk's sorts (series, buckets) take a few MB: kept in memory rather than spilled to disk.
      if (observations.length >= WORK_MEM_FROM) await ctx.client.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
      await ensurePartitions(ctx, observations, tracked);
      const rows = firstSnapshotPerInstant(observations);
      for (let start = 0; start < rows.length; start += CHUNK_SIZE) await writeObservations(ctx, rows.slice(start, start + CHUNK_SIZE));
      for (let start = 0; start < tracked.length; start += CHUNK_SIZE) {
        await ctx.client.query(trackedEventsStatement(ctx), trackedEventParameters(tracked.slice(start, start + CHUNK_SIZE)));
      }
    } catch (error) {
      // Another process dropped a month this process believed in: forget, and the retry recreates it.
      if (isMissingPartition(error)) partitionCache.forgetAll();
      throw error;
    }
  },
};

async function ensurePartitions(ctx: ProjectionContext, observations: readonly Observation[], tracked: readonly TrackedEventRow[]): Promise<void> {
  const observed = distinctMonths(observations.map((o) => o.observedAt));
  const needs = new Map<string, Date[]>();
  // Rollup buckets (UTC hours and days) fall in the month of their observations.
  if (observed.length > 0) for (const table of [METRIC_OBSERVATIONS, METRIC_ROLLUPS_HOURLY, METRIC_ROLLUPS_DAILY]) needs.set(ctx.tableName(table), observed);
  if (tracked.length > 0) needs.set(ctx.tableName(TRACKED_EVENTS), distinctMonths(tracked.map((t) => t.occurredAt)));
  await partitionCache.ensure(ctx.client, ctx.schema, needs);
}

function distinctMonths(instants: readonly Date[]): Date[] {
  return [...new Set(instants.map((at) => monthStartOf(at).getTime()))].map((ms) => new Date(ms));
}

/**
 * Drops every cumulative snapshot of the batch whose series already got one at that instant
 * earlier in the batch (the first recorded wins). Repeats of what is already stored are left
 * to the statement, which sees the table.
 */
function firstSnapshotPerInstant(observations: readonly Observation[]): Observation[] {
  const seen = new Set<string>();
  return observations.filter((o) => {
    if (o.kind !== 'cumulative') return true;
    const key = JSON.stringify([o.workspaceId, o.entityType, o.entityId, o.metric, o.platform, o.observedAt.getTime()]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the raw statement reports: a row it inserted, or a change to a stored successor's delta. */
interface RawOutcome {
  event_id: string;
  item: number;
  /** The inserted row's delta, or the change to the successor's. */
  amount: number;
  /** The successor's instant (its buckets take the change); null for an inserted row. */
  successor_at: Date | null;
}

/**
 * Raw rows, then rollups, for one chunk. A chunk of increments only (every activity count and
 * tracked event, and increment batches) is one statement: each increment is inserted as it is
 * and counts its value, so the rollups are known before the rows are written. Cumulative
 * snapshots take two: their deltas depend on the stored series.
 */
async function writeObservations(ctx: ProjectionContext, rows: readonly Observation[]): Promise<void> {
  if (rows.every((o) => o.kind === 'increment')) {
    const contributions = new Contributions();
    for (const o of rows) contributions.add(o, { amount: o.value, at: o.observedAt, inserted: true });
    await ctx.client.query(incrementsStatement(ctx), [...rawParameters(rows), ...contributions.columns]);
    return;
  }
  await writeSnapshots(ctx, rows);
}

/**
 * The rollups are fed what the raw statement reports rather than joined to it in SQL: a join
 * between two CTEs is planned on default estimates (a CTE has no statistics), and one such join
 * planned as a nested loop costs seconds per chunk.
 */
async function writeSnapshots(ctx: ProjectionContext, rows: readonly Observation[]): Promise<void> {
  const { rows: outcomes } = await ctx.client.query<RawOutcome>(rawStatement(ctx), rawParameters(rows));
  if (outcomes.length === 0) return;
  const byId = new Map(rows.map((o) => [`${o.eventId}/${o.item}`, o]));
  const contributions = new Contributions();
  for (const outcome of outcomes) {
    const o = byId.get(`${outcome.event_id}/${outcome.item}`);
    if (!o) throw new Error(`The raw statement reported ${outcome.event_id}/${outcome.item}, which the chunk does not hold`);
    contributions.add(o, { amount: outcome.amount, at: outcome.successor_at ?? o.observedAt, inserted: outcome.successor_at === null });
  }
  await ctx.client.query(rollupStatement(ctx), contributions.columns);
}

/** The rollup statement's parameters: one row per entity an observation counts for, in columns. */
class Contributions {
  readonly columns: unknown[][] = Array.from({ length: 8 }, () => []);

  /**
   * An inserted row counts its value once; a successor's change (`inserted` false) changes sums
   * only, and is counted for the entities of the new snapshot before it: one series, one set.
   */
  add(o: Observation, change: { amount: number; at: Date; inserted: boolean }): void {
    const [workspaces, types, ids, metrics, times, values, amounts, counts] = this.columns;
    for (const entity of [{ entityType: o.entityType, entityId: o.entityId }, ...o.targets]) {
      workspaces.push(o.workspaceId);
      types.push(entity.entityType);
      ids.push(entity.entityId);
      metrics.push(o.metric);
      times.push(change.at.toISOString());
      values.push(change.inserted ? o.value : null);
      amounts.push(change.amount);
      counts.push(change.inserted ? 1 : 0);
    }
  }
}

const SERIES = ['workspace_id', 'entity_type', 'entity_id', 'metric', 'platform'] as const;

/** The chunk's observations, from the ten arrays of `rawParameters`. */
const RAW_INPUT = `SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::timestamptz[], $9::uuid[], $10::int[])
  AS i(workspace_id, entity_type, entity_id, metric, platform, kind, value, observed_at, event_id, item)`;

function sameSeries(a: string, b: string): string {
  return SERIES.map((column) => `${a}.${column} = ${b}.${column}`).join(' AND ');
}

/**
 * One chunk's raw rows. For the cumulative series the chunk touches, `known` fetches what the
 * table holds around its new snapshots (per series: every raw snapshot between the first and the
 * last new one, the one just before, the one just after, and the baseline), each on the series
 * index. In time order with the new snapshots, a new one right after a raw one at the same
 * instant is a repeat and goes (`marked`); then each row's predecessor is simply the row before
 * it (`merged`):
 * - a new snapshot's delta is its value minus its predecessor's (0 without one);
 * - a stored snapshot whose predecessor is now a new one gets `value - new predecessor`, and
 *   the difference from its old delta is reported for its buckets' sums.
 * Several new snapshots of a series in one chunk chain through each other the same way. One
 * INSERT, one UPDATE (successors only, usually none); every part sees the table as it was before
 * the statement. Ties at an instant sort raw, new, baseline: a raw row marks a repeat, and a
 * baseline precedes only what is strictly later (a rebuild replays the very snapshot it was
 * taken from, which must count as it did the first time).
 */
function rawStatement(ctx: ProjectionContext): string {
  const observations = ctx.table(METRIC_OBSERVATIONS);
  const baselines = qualified(ctx.schema, METRIC_BASELINES);
  const series = SERIES.join(', ');
  const around = (bound: string, order: string): string =>
    `SELECT o.observed_at, o.value, o.delta, 'raw' AS source FROM ${observations} o
     WHERE ${sameSeries('o', 's')} AND o.kind = 'cumulative' AND ${bound}${order}`;
  const inTimeOrder = `PARTITION BY ${series} ORDER BY observed_at, CASE source WHEN 'raw' THEN 0 WHEN 'new' THEN 1 ELSE 2 END`;
  return `
    WITH input AS (${RAW_INPUT}),
    series AS (
      SELECT ${series}, min(observed_at) AS first_at, max(observed_at) AS last_at
      FROM input WHERE kind = 'cumulative' GROUP BY ${series}
    ),
    known AS (
      SELECT ${SERIES.map((c) => `s.${c}`).join(', ')}, k.observed_at, k.value, k.delta, k.source
      FROM series s CROSS JOIN LATERAL (
        (${around('o.observed_at < s.first_at', ' ORDER BY o.observed_at DESC LIMIT 1')})
        UNION ALL
        (${around('o.observed_at BETWEEN s.first_at AND s.last_at', '')})
        UNION ALL
        (${around('o.observed_at > s.last_at', ' ORDER BY o.observed_at LIMIT 1')})
        UNION ALL
        (SELECT b.observed_at, b.value, NULL, 'baseline' FROM ${baselines} b WHERE ${sameSeries('b', 's')})
      ) k
    ),
    marked AS (
      SELECT m.*, source = 'new' AND lag(source) OVER w IS NOT DISTINCT FROM 'raw' AND lag(observed_at) OVER w IS NOT DISTINCT FROM observed_at AS repeat
      FROM (
        SELECT ${series}, observed_at, value, delta, source, NULL::uuid AS event_id, NULL::int AS item FROM known
        UNION ALL
        SELECT ${series}, observed_at, value, NULL, 'new', event_id, item FROM input WHERE kind = 'cumulative'
      ) m
      WINDOW w AS (${inTimeOrder})
    ),
    merged AS (
      SELECT m.*, lag(value) OVER w AS prev_value, lag(source) OVER w AS prev_source, lag(event_id) OVER w AS prev_event_id, lag(item) OVER w AS prev_item
      FROM marked m WHERE NOT repeat
      WINDOW w AS (${inTimeOrder})
    ),
    -- The series instant is the arbiter: the first snapshot recorded for it wins (merged already
    -- left out the repeats it could see; under the runner's checkpoint lock there are no others).
    inserted AS (
      INSERT INTO ${observations} AS o (${series}, kind, value, delta, observed_at, event_id, item)
      SELECT ${series}, 'cumulative', value, value - coalesce(prev_value, 0), observed_at, event_id, item FROM merged WHERE source = 'new'
      UNION ALL
      SELECT ${series}, 'increment', value, value, observed_at, event_id, item FROM input WHERE kind = 'increment'
      ON CONFLICT (${series}, observed_at) WHERE kind = 'cumulative' DO NOTHING
      RETURNING o.event_id, o.item, o.delta
    ),
    adjusted AS (
      SELECT ${series}, observed_at, prev_event_id, prev_item, (value - prev_value) - delta AS change
      FROM merged WHERE source = 'raw' AND prev_source = 'new' AND (value - prev_value) <> delta
    ),
    updated AS (
      UPDATE ${observations} AS o SET delta = o.delta + a.change
      FROM adjusted a
      WHERE ${sameSeries('o', 'a')} AND o.kind = 'cumulative' AND o.observed_at = a.observed_at
    )
    SELECT event_id::text, item, delta AS amount, NULL::timestamptz AS successor_at FROM inserted
    UNION ALL
    SELECT prev_event_id::text, prev_item, change, observed_at FROM adjusted`;
}

function rawParameters(rows: readonly Observation[]): unknown[] {
  return [
    rows.map((o) => o.workspaceId),
    rows.map((o) => o.entityType),
    rows.map((o) => o.entityId),
    rows.map((o) => o.metric),
    rows.map((o) => o.platform),
    rows.map((o) => o.kind),
    rows.map((o) => o.value),
    rows.map((o) => o.observedAt.toISOString()),
    rows.map((o) => o.eventId),
    rows.map((o) => o.item),
  ];
}

/**
 * Hourly and daily rollups from one chunk's contributions, one row per (entity, bucket) for
 * the primary entity and every target: sum += amount, count += n, min/max over values, last the
 * value observed latest (ties: the greater). A successor's change (n = 0, no value) carries the
 * identities of min, max and last, so it changes sums only. Days are grouped from the hour groups
 * (UTC hours nest in UTC days). The contributions are the eight arrays of `Contributions`, from
 * parameter `first`, after the common table expressions `before` (which end with a comma).
 */
function rollupStatement(ctx: ProjectionContext, first = 1, before = ''): string {
  const at = (n: number): string => `$${first + n}`;
  const columns = 'workspace_id, entity_type, entity_id, metric, bucket_start, sum, count, min, max, last, last_at';
  const upsert = `
    ON CONFLICT (workspace_id, entity_type, entity_id, metric, bucket_start) DO UPDATE SET
      sum = r.sum + excluded.sum,
      count = r.count + excluded.count,
      min = least(r.min, excluded.min),
      max = greatest(r.max, excluded.max),
      last = CASE WHEN (excluded.last_at, excluded.last) > (r.last_at, r.last) THEN excluded.last ELSE r.last END,
      last_at = greatest(r.last_at, excluded.last_at)`;
  return `
    WITH ${before}contributions AS (
      SELECT * FROM unnest(${at(0)}::uuid[], ${at(1)}::text[], ${at(2)}::text[], ${at(3)}::text[], ${at(4)}::timestamptz[], ${at(5)}::float8[], ${at(6)}::float8[], ${at(7)}::int[])
        AS c(workspace_id, entity_type, entity_id, metric, observed_at, value, amount, n)
    ),
    hours AS (
      SELECT workspace_id, entity_type, entity_id, metric, date_trunc('hour', observed_at, 'UTC') AS bucket_start,
        sum(amount) AS sum, sum(n) AS count, min(value) AS min, max(value) AS max,
        (array_agg(value ORDER BY observed_at DESC, value DESC) FILTER (WHERE n = 1))[1] AS last,
        max(observed_at) FILTER (WHERE n = 1) AS last_at
      FROM contributions GROUP BY 1, 2, 3, 4, 5
    ),
    hourly AS (
      INSERT INTO ${ctx.table(METRIC_ROLLUPS_HOURLY)} AS r (${columns})
      SELECT workspace_id, entity_type, entity_id, metric, bucket_start, sum, count,
        coalesce(min, 'Infinity'), coalesce(max, '-Infinity'), coalesce(last, 0), coalesce(last_at, '-infinity')
      FROM hours
      ${upsert}
    )
    INSERT INTO ${ctx.table(METRIC_ROLLUPS_DAILY)} AS r (${columns})
    SELECT workspace_id, entity_type, entity_id, metric, date_trunc('day', bucket_start, 'UTC'), sum(sum), sum(count)::int8,
      coalesce(min(min), 'Infinity'), coalesce(max(max), '-Infinity'),
      coalesce((array_agg(last ORDER BY last_at DESC, last DESC) FILTER (WHERE last_at IS NOT NULL))[1], 0),
      coalesce(max(last_at), '-infinity')
    FROM hours GROUP BY 1, 2, 3, 4, 5
    ${upsert}`;
}

/**
 * A chunk of increments in one statement: the raw rows (`rawParameters`, $1-$10; an increment's
 * delta is its value) beside their rollups (`Contributions`, from $11). Increments never conflict:
 * the series instant is unique for cumulative snapshots only.
 */
function incrementsStatement(ctx: ProjectionContext): string {
  const series = SERIES.join(', ');
  return rollupStatement(
    ctx,
    11,
    `raw AS (
      INSERT INTO ${ctx.table(METRIC_OBSERVATIONS)} (${series}, kind, value, delta, observed_at, event_id, item)
      SELECT ${series}, 'increment', value, value, observed_at, event_id, item FROM (${RAW_INPUT}) i
    ),
    `,
  );
}

function trackedEventsStatement(ctx: ProjectionContext): string {
  return `INSERT INTO ${ctx.table(TRACKED_EVENTS)} AS t (workspace_id, name, occurred_at, user_id, session_id, entity_type, entity_id, platform, properties, event_id, item)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::uuid[], $11::int[])`;
}

function trackedEventParameters(rows: readonly TrackedEventRow[]): unknown[] {
  return [
    rows.map((t) => t.workspaceId),
    rows.map((t) => t.name),
    rows.map((t) => t.occurredAt.toISOString()),
    rows.map((t) => t.userId),
    rows.map((t) => t.sessionId),
    rows.map((t) => t.entityType),
    rows.map((t) => t.entityId),
    rows.map((t) => t.platform),
    rows.map((t) => JSON.stringify(t.properties)),
    rows.map((t) => t.eventId),
    rows.map((t) => t.item),
  ];
}

/** PostgreSQL's answer to a row for which the partitioned table has no partition. */
function isMissingPartition(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23514' && /no partition of relation/.test(String((error as { message?: unknown }).message));
}
