import { performance } from 'node:perf_hooks';
import type { Metric } from '@lib/contracts';
import type { Pool } from 'pg';
import { TimeseriesQueries, type TimeseriesAnswer } from '../../apps/analytics/src/query';
import { round } from '../shared/stats';
import { latencyOf, type Latency } from '../shared/latency';
import type { BenchConfig } from './config';
import { log, ms } from '../shared/format';
import { rawRowCount, rawSeries, type BucketValue, type Interval, type SeriesKey } from './raw-baseline';
import type { Entity } from './workload';

/** Every post reports it, and every account as increments: a mix of both kinds in the totals. */
export const QUERY_METRIC: Metric = 'impressions';
const DAY_MS = 86_400_000;
const QUERY_DAYS = 30;

export type QueryName = 'entity-day' | 'entity-hour' | 'workspace-day' | 'workspace-hour';

export interface QueryFigure {
  name: QueryName;
  scope: 'entity' | 'workspace';
  interval: Interval;
  buckets: number;
  /** Series the iterations rotate over (entities, or workspaces). */
  series: number;
  /** Raw rows behind one answer, on average over the rotation. */
  rawRowsPerAnswer: number;
  /** Which table TimeseriesQueries read (it picks the coarsest rollup that fits). */
  source: TimeseriesAnswer['source'];
  rollupMs: Latency;
  rawMs: Latency;
  /** Raw over rollup, at the median and at p95. */
  speedupP50: number;
  speedupP95: number;
}

export interface QueriesResult {
  metric: string;
  from: string;
  to: string;
  figures: QueryFigure[];
  /** Every series of the rotation, both intervals: the rollup answer equals the raw one, bucket for bucket. */
  verifiedSeries: number;
}

interface QuerySpec {
  name: QueryName;
  interval: Interval;
  keys: SeriesKey[];
}

/**
 * Day and hour series of the last 30 whole UTC days (today's bucket included) through the
 * service's TimeseriesQueries, and the same answers from the raw observations in SQL: first
 * checked equal for every series of the rotation, then timed (warm-up, then the iterations).
 */
export async function measureQueries(pool: Pool, schema: string, config: BenchConfig, workspaceIds: readonly string[], entities: readonly Entity[]): Promise<QueriesResult> {
  const queries = new TimeseriesQueries(pool, schema);
  const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
  const from = new Date(to.getTime() - QUERY_DAYS * DAY_MS);
  const entityKeys = pickEntities(entities, config.queryEntities).map((e): SeriesKey => ({ workspaceId: e.workspaceId, entityType: e.entityType, entityId: e.entityId, metric: QUERY_METRIC }));
  const workspaceKeys = workspaceIds.map((id): SeriesKey => ({ workspaceId: id, entityType: 'workspace', entityId: id, metric: QUERY_METRIC }));
  const specs: QuerySpec[] = [
    { name: 'entity-day', interval: 'day', keys: entityKeys },
    { name: 'entity-hour', interval: 'hour', keys: entityKeys },
    { name: 'workspace-day', interval: 'day', keys: workspaceKeys },
    { name: 'workspace-hour', interval: 'hour', keys: workspaceKeys },
  ];

  const rollup = (key: SeriesKey, interval: Interval) =>
    queries.timeseries({
      workspaceId: key.workspaceId,
      metrics: [QUERY_METRIC],
      entityType: key.entityType,
      entityId: key.entityId,
      from,
      to,
      interval,
      tz: 'UTC',
      agg: 'sum',
      compare: null,
    });
  const raw = (key: SeriesKey, interval: Interval) => rawSeries(pool, schema, key, interval, from, to);

  const figures: QueryFigure[] = [];
  let verifiedSeries = 0;
  for (const spec of specs) {
    let source: TimeseriesAnswer['source'] | undefined;
    let rawRows = 0;
    for (const key of spec.keys) {
      const answer = await rollup(key, spec.interval);
      const expected = await raw(key, spec.interval);
      assertSameSeries(spec.name, key, answer, expected);
      source = answer.source;
      rawRows += await rawRowCount(pool, schema, key, from, to);
      verifiedSeries += 1;
    }
    const rollupMs = await timeRotation(spec.keys, config.queryWarmup, config.queryIterations, Number.POSITIVE_INFINITY, (key) => rollup(key, spec.interval));
    const rawMs = await timeRotation(spec.keys, Math.min(config.queryWarmup, 2), config.rawIterations, config.rawBudgetMs, (key) => raw(key, spec.interval));
    const figure: QueryFigure = {
      name: spec.name,
      scope: spec.name.startsWith('entity') ? 'entity' : 'workspace',
      interval: spec.interval,
      buckets: (to.getTime() - from.getTime()) / (spec.interval === 'day' ? DAY_MS : DAY_MS / 24),
      series: spec.keys.length,
      rawRowsPerAnswer: Math.round(rawRows / spec.keys.length),
      source: source!,
      rollupMs,
      rawMs,
      speedupP50: round(rawMs.p50 / rollupMs.p50, 1),
      speedupP95: round(rawMs.p95 / rollupMs.p95, 1),
    };
    figures.push(figure);
    log(
      `  ${spec.name.padEnd(14)} rollup (${figure.source}) p50 ${ms(rollupMs.p50)} p95 ${ms(rollupMs.p95)} ms x${rollupMs.iterations}; ` +
        `raw p50 ${ms(rawMs.p50)} p95 ${ms(rawMs.p95)} ms x${rawMs.iterations}; raw/rollup ${figure.speedupP50}x (p50)`,
    );
  }
  return { metric: QUERY_METRIC, from: from.toISOString(), to: to.toISOString(), figures, verifiedSeries };
}

/** Spread over the workspaces and both entity types, the same ones every run of a given size. */
function pickEntities(entities: readonly Entity[], count: number): Entity[] {
  const n = Math.min(count, entities.length);
  const step = entities.length / n;
  return Array.from({ length: n }, (_, i) => entities[Math.floor(i * step)]);
}

/** Fails the run: a rollup that disagrees with the raw rows makes its speed meaningless. */
function assertSameSeries(name: QueryName, key: SeriesKey, answer: TimeseriesAnswer, expected: readonly BucketValue[]): void {
  const got = answer.points.map((p) => ({ t: Date.parse(p.t), value: p.value }));
  const problem =
    got.length !== expected.length
      ? `${got.length} buckets from the rollups, ${expected.length} from the raw rows`
      : got.map((p, i) => (p.t !== expected[i].t || p.value !== expected[i].value ? i : -1)).filter((i) => i >= 0);
  if (typeof problem === 'string' || problem.length > 0) {
    const detail =
      typeof problem === 'string'
        ? problem
        : `${problem.length} buckets differ, first ${new Date(expected[problem[0]].t).toISOString()}: rollup ${got[problem[0]].value} (t ${new Date(got[problem[0]].t).toISOString()}), raw ${expected[problem[0]].value}`;
    throw new Error(`${name} ${key.entityType}/${key.entityId} (workspace ${key.workspaceId}): the rollup answer differs from the raw observations: ${detail}`);
  }
}

/** Runs `query` over the keys in turn: `warmup` times unmeasured, then up to `iterations` times or until `budgetMs` is spent. */
async function timeRotation(keys: readonly SeriesKey[], warmup: number, iterations: number, budgetMs: number, query: (key: SeriesKey) => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await query(keys[i % keys.length]);
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < iterations && (samples.length === 0 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await query(keys[samples.length % keys.length]);
    samples.push(performance.now() - t0);
  }
  return latencyOf(samples);
}
