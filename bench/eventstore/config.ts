/**
 * Settings of `npm run bench:eventstore`. The defaults are the workload; the environment
 * may override them (BENCH_DATABASE_URL for the server; the others only to try things quickly).
 */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type ScenarioName = 'single' | 'batch';
export type ContenderName = 'ours' | 'emmett' | 'ceiling';

export const CONTENDERS: readonly ContenderName[] = ['ours', 'emmett', 'ceiling'];
export const SCENARIOS: readonly ScenarioName[] = ['single', 'batch'];

export interface BenchConfig {
  databaseUrl: string;
  /** Events written by one measured run of one scenario. */
  events: number;
  /** Concurrent writers (each holds at most one pool connection at a time). */
  writers: number;
  /** Events per append in the batch scenario. */
  batchSize: number;
  /** pg.Pool `max` for every contender: the writers plus two spare slots (our store's NOTIFY uses one). */
  poolSize: number;
  /** Measured rounds; each round runs every contender on every scenario, in a rotated order. */
  rounds: number;
  /** Events appended (same shape) inside each worker process before its timed run, to warm the JIT and the connections. */
  warmupEvents: number;
  /** Whether round 0 (a full, unreported warm-up round) runs first. */
  warmupRound: boolean;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}

export function loadConfig(): BenchConfig {
  const events = intFromEnv('BENCH_EVENTS', 20_000);
  const writers = intFromEnv('BENCH_WRITERS', 8);
  const batchSize = intFromEnv('BENCH_BATCH_SIZE', 100);
  if (events === 0 || writers === 0 || batchSize === 0 || events % batchSize !== 0) {
    throw new Error('BENCH_EVENTS, BENCH_WRITERS and BENCH_BATCH_SIZE must be positive, with BENCH_EVENTS a multiple of BENCH_BATCH_SIZE');
  }
  return {
    databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
    events,
    writers,
    batchSize,
    poolSize: intFromEnv('BENCH_POOL_SIZE', writers + 2),
    rounds: Math.max(1, intFromEnv('BENCH_ROUNDS', 3)),
    warmupEvents: intFromEnv('BENCH_WARMUP_EVENTS', Math.ceil(events / 10 / batchSize) * batchSize),
    warmupRound: process.env.BENCH_WARMUP_ROUND !== '0',
  };
}

/** The measured targets of the issue, for our store. */
export const TARGETS = {
  single: { vsEmmett: 2.0, ofCeiling: 0.7 },
  batch: { vsEmmett: 1.5, ofCeiling: 0.7 },
} as const satisfies Record<ScenarioName, { vsEmmett: number; ofCeiling: number }>;
