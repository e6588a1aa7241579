/**
 * Settings of `npm run bench:timeseries`. The defaults are the workload; the environment
 * may override them (BENCH_DATABASE_URL for the server; the others to try things at a smaller scale).
 */
import { intFromEnv } from '../shared/env';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchConfig {
  databaseUrl: string;
  /** Observations loaded before the queries are measured. */
  observations: number;
  entities: number;
  workspaces: number;
  /** The loaded observations cover this many days, ending now. */
  days: number;
  /** Concurrent appends of MetricBatchRecorded events while loading. */
  loadWriters: number;
  /** Events (each one batch of observations) per projection transaction while loading. */
  projectionBatchEvents: number;
  /** Measured runs of each rollup query, after `queryWarmup` unmeasured ones. */
  queryIterations: number;
  queryWarmup: number;
  /** Measured runs of each raw query: at most this many, and no more than fit in `rawBudgetMs`. */
  rawIterations: number;
  rawBudgetMs: number;
  /** Entities the single-entity queries rotate over. */
  queryEntities: number;
  ingestSeconds: number;
  ingestClients: number;
  /** Observations per POST /v1/metrics batch. */
  ingestBatch: number;
  lagRatePerSecond: number;
  lagSeconds: number;
  /** How often the lag probe looks for newly queryable events. */
  lagPollMs: number;
}


export function loadConfig(): BenchConfig {
  const config: BenchConfig = {
    databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
    observations: intFromEnv('BENCH_OBSERVATIONS', 10_000_000),
    entities: intFromEnv('BENCH_ENTITIES', 10_000),
    workspaces: intFromEnv('BENCH_WORKSPACES', 4),
    days: intFromEnv('BENCH_DAYS', 90),
    loadWriters: intFromEnv('BENCH_LOAD_WRITERS', 4),
    projectionBatchEvents: intFromEnv('BENCH_PROJECTION_BATCH', 10),
    queryIterations: intFromEnv('BENCH_QUERY_ITERATIONS', 200),
    queryWarmup: intFromEnv('BENCH_QUERY_WARMUP', 20),
    rawIterations: intFromEnv('BENCH_RAW_ITERATIONS', 200),
    rawBudgetMs: intFromEnv('BENCH_RAW_BUDGET_MS', 60_000),
    queryEntities: intFromEnv('BENCH_QUERY_ENTITIES', 50),
    ingestSeconds: intFromEnv('BENCH_INGEST_SECONDS', 15),
    ingestClients: intFromEnv('BENCH_INGEST_CLIENTS', 4),
    ingestBatch: intFromEnv('BENCH_INGEST_BATCH', 1000),
    lagRatePerSecond: intFromEnv('BENCH_LAG_RATE', 500),
    lagSeconds: intFromEnv('BENCH_LAG_SECONDS', 20),
    lagPollMs: intFromEnv('BENCH_LAG_POLL_MS', 2),
  };
  if (config.entities < config.workspaces) throw new Error('BENCH_ENTITIES must be at least BENCH_WORKSPACES');
  if (config.days < 31) throw new Error('BENCH_DAYS must be at least 31: the queries cover the last 30 days');
  return config;
}

/** The targets. */
export const TARGETS = {
  /** p95 of every rollup query. */
  rollupP95Ms: 20,
  /** Median of the raw query over median of the rollup query, for every query. */
  speedup: 50,
  /** p99 from a content event's commit to its metric being queryable, at `lagRatePerSecond`. */
  lagP99Ms: 100,
} as const;
