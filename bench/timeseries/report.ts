import { formatTable } from '../shared/table';
import { TARGETS } from './config';
import { fmt, ms } from '../shared/format';
import type { IngestionResult } from './ingestion';
import type { LagResult } from './lag';
import type { LoadResult } from './load';
import type { QueriesResult } from './queries';

export interface TargetCheck {
  name: string;
  target: string;
  actual: number;
  pass: boolean;
}

export interface Results {
  load: LoadResult;
  queries: QueriesResult;
  ingestion: IngestionResult;
  lag: LagResult;
}

/** Every target of the issue, checked: per query the rollup's p95 and its speed-up over raw; the lag's p99. */
export function checkTargets(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const f of results.queries.figures) {
    checks.push({ name: `${f.name} rollup p95 ms`, target: `< ${TARGETS.rollupP95Ms}`, actual: f.rollupMs.p95, pass: f.rollupMs.p95 < TARGETS.rollupP95Ms });
    checks.push({ name: `${f.name} raw/rollup (p50)`, target: `>= ${TARGETS.speedup}`, actual: f.speedupP50, pass: f.speedupP50 >= TARGETS.speedup });
  }
  const lag = results.lag.lagMs.p99;
  checks.push({ name: `lag p99 ms at ${results.lag.targetRatePerSecond} events/s`, target: `< ${TARGETS.lagP99Ms}`, actual: lag, pass: lag < TARGETS.lagP99Ms });
  return checks;
}

const met = (pass: boolean) => (pass ? 'met' : 'NOT MET');

export function renderQueries(queries: QueriesResult): string {
  const header = ['query (30 days)', 'read from', 'buckets', 'raw rows', 'rollup p50 / p95 ms', 'raw p50 / p95 ms', 'raw/rollup p50', 'raw/rollup p95', 'p95 < 20 ms', 'raw/rollup >= 50x'];
  const rows = queries.figures.map((f) => [
    `${f.scope === 'entity' ? 'one entity' : 'workspace total'}, by ${f.interval}`,
    `${f.source} rollups`,
    fmt(f.buckets),
    fmt(f.rawRowsPerAnswer),
    `${ms(f.rollupMs.p50)} / ${ms(f.rollupMs.p95)}`,
    `${ms(f.rawMs.p50)} / ${ms(f.rawMs.p95)}`,
    `${f.speedupP50.toFixed(1)}x`,
    `${f.speedupP95.toFixed(1)}x`,
    met(f.rollupMs.p95 < TARGETS.rollupP95Ms),
    met(f.speedupP50 >= TARGETS.speedup),
  ]);
  return formatTable(header, rows, (i) => i >= 2 && i <= 7);
}

export function renderFigures(results: Results): string {
  const { load, ingestion, lag } = results;
  const header = ['figure', 'value', 'target', 'result'];
  const rows: string[][] = [
    ['load: append MetricBatchRecorded (obs/s)', fmt(load.append.observationsPerSecond), '-', '-'],
    ['load: timeseries projection catch-up (obs/s)', fmt(load.projection.observationsPerSecond), '-', '-'],
    ['load: end to end (obs/s)', fmt(load.observationsPerSecond), '-', '-'],
    [`POST /v1/metrics, ${ingestion.clients} clients x ${fmt(ingestion.observationsPerBatch)} obs (obs/s accepted)`, fmt(ingestion.observationsPerSecond), '-', '-'],
    ['POST /v1/metrics request p50 / p95 / p99 (ms)', `${ms(ingestion.requestMs.p50)} / ${ms(ingestion.requestMs.p95)} / ${ms(ingestion.requestMs.p99)}`, '-', '-'],
    ['projection applied all after the last answer (ms)', fmt(ingestion.projection.drainMs), '-', '-'],
    ['ingestion to queryable, end to end (obs/s)', fmt(ingestion.projection.observationsPerSecond), '-', '-'],
    [
      `lag commit -> queryable at ${fmt(lag.achievedRatePerSecond)} events/s, p50 / p95 / p99 (ms)`,
      `${ms(lag.lagMs.p50)} / ${ms(lag.lagMs.p95)} / ${ms(lag.lagMs.p99)}`,
      `p99 < ${TARGETS.lagP99Ms}`,
      met(lag.lagMs.p99 < TARGETS.lagP99Ms),
    ],
    ['  of which commit -> recorded by the consumer, p50 / p95 / p99 (ms)', `${ms(lag.committedToRecordedMs.p50)} / ${ms(lag.committedToRecordedMs.p95)} / ${ms(lag.committedToRecordedMs.p99)}`, '-', '-'],
  ];
  return formatTable(header, rows, (i) => i === 1);
}
