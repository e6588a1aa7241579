import type { Pool } from 'pg';
import type { ContenderName } from '../config';
import type { BenchAppend } from '../workload';

export interface ContenderContext {
  /** Where this contender's objects live (our database, or Emmett's own one when it must be isolated). */
  databaseUrl: string;
  /** A fresh schema, created by `setup` and dropped by `teardown`. */
  schema: string;
  poolSize: number;
}

export interface RowCheck {
  events: number;
  streams: number;
  /** Streams whose version differs from the number of their events (must be 0). */
  inconsistentStreams: number;
}

/**
 * One way of writing the benchmark's rows. `prepare` turns the shared workload into the
 * contender's native input before the clock starts; `append` is the only timed call.
 */
export interface Contender<P = unknown> {
  readonly name: ContenderName;
  /** Creates the fresh schema and its objects, and opens the pool (its connections are checked separately). */
  setup(): Promise<void>;
  /** The pool the writers draw from, for the durability check of every connection. */
  readonly pool: Pool;
  prepare(appends: readonly BenchAppend[]): P[];
  append(input: P): Promise<void>;
  /** Empties the tables (after the in-process warm-up). */
  reset(): Promise<void>;
  check(): Promise<RowCheck>;
  /** Drops the schema and closes the pool. */
  teardown(): Promise<void>;
}
