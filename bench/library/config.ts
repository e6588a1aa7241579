/**
 * Settings of `npm run bench:library`. The defaults are the workload; the environment may
 * override them (BENCH_DATABASE_URL for the server; the others to try things at a smaller scale).
 */
import { tmpdir } from 'node:os';
import { intFromEnv } from '../shared/env';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The scale: a run at another one says so. */
export const FULL_SCALE = { items: 100_000, users: 200, collections: 1_000, uploadMiB: 200 } as const;

export interface BenchConfig {
  databaseUrl: string;
  items: number;
  users: number;
  collections: number;
  /** Users are spread over this many workspaces (every view filters by workspace and user). */
  workspaces: number;
  /** Seed of the generated data: the same seed gives the same library, ids included. */
  seed: number;
  /** Concurrent transactions appending the events while loading. */
  loadWriters: number;
  /** Library items whose events (and blob ledger rows) one load transaction appends. */
  loadBatchItems: number;
  /** Events per projection transaction while catching up. */
  projectionBatchEvents: number;
  /** Measured calls of each query, after `warmup` unmeasured ones. */
  iterations: number;
  warmup: number;
  /** The deep page: the page reached after following this many cursors, plus one. */
  deepPage: number;
  /** Distinct (user, filter) pairs deep enough for the deep page, taken at random, that the deep measurements rotate over. */
  deepTargets: number;
  uploadMiB: number;
  uploadRounds: number;
  /** Where the upload's blob storage, the source video and the copies go (one disk for all of them). */
  dataDir: string;
}


export function loadConfig(): BenchConfig {
  const users = intFromEnv('BENCH_USERS', FULL_SCALE.users);
  const config: BenchConfig = {
    databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
    items: intFromEnv('BENCH_ITEMS', FULL_SCALE.items),
    users,
    collections: intFromEnv('BENCH_COLLECTIONS', FULL_SCALE.collections),
    workspaces: intFromEnv('BENCH_WORKSPACES', Math.max(1, Math.round(users / 20))),
    seed: intFromEnv('BENCH_SEED', 20_261_122),
    loadWriters: intFromEnv('BENCH_LOAD_WRITERS', 4),
    loadBatchItems: intFromEnv('BENCH_LOAD_BATCH', 100),
    projectionBatchEvents: intFromEnv('BENCH_PROJECTION_BATCH', 5_000),
    iterations: intFromEnv('BENCH_ITERATIONS', 300),
    warmup: intFromEnv('BENCH_WARMUP', 50),
    deepPage: intFromEnv('BENCH_DEEP_PAGE', 20),
    deepTargets: intFromEnv('BENCH_DEEP_TARGETS', 30),
    uploadMiB: intFromEnv('BENCH_UPLOAD_MB', FULL_SCALE.uploadMiB),
    uploadRounds: intFromEnv('BENCH_UPLOAD_ROUNDS', 3),
    dataDir: process.env.BENCH_DATA_DIR || tmpdir(),
  };
  if (config.workspaces > config.users) throw new Error('BENCH_WORKSPACES must be at most BENCH_USERS');
  if (config.items < config.users) throw new Error('BENCH_ITEMS must be at least BENCH_USERS: every user has an item');
  if (config.deepPage < 2) throw new Error('BENCH_DEEP_PAGE must be at least 2');
  return config;
}

export function isFullScale(config: BenchConfig): boolean {
  return (
    config.items === FULL_SCALE.items &&
    config.users === FULL_SCALE.users &&
    config.collections === FULL_SCALE.collections &&
    config.uploadMiB === FULL_SCALE.uploadMiB
  );
}

/** The target: p95 of every view's query (first page and deep page alike). */
export const TARGETS = { viewP95Ms: 10 } as const;
