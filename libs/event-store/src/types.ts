/** Metadata every event carries; `workspaceId` is the tenant and is never optional. */
export interface EventMetadata {
  workspaceId: string;
  actorId: string | null;
  correlationId: string;
  causationId: string | null;
}

/** An event as a decider produces it: a discriminated union member. */
export interface DomainEvent<TType extends string = string, TData extends object = object> {
  type: TType;
  data: TData;
}

export interface NewEvent<E extends DomainEvent = DomainEvent> {
  type: E['type'];
  data: E['data'];
  /** Defaults to the store's current schema version for the type (see UpcasterRegistry). */
  schemaVersion?: number;
  /** Defaults to a fresh UUID. */
  id?: string;
  /** Overrides the append's metadata for this event (e.g. a causation id); the workspace is the stream's. */
  metadata?: Partial<Omit<EventMetadata, 'workspaceId'>>;
}

export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  id: string;
  type: E['type'];
  data: E['data'];
  schemaVersion: number;
  streamId: string;
  streamType: string;
  /** 1-based version within the stream. */
  version: number;
  /** Global position in this service's store (from a sequence: unique, gaps allowed, not commit order). */
  position: number;
  /** The committing transaction id (`pg_current_xact_id()`), as text: xid8 overflows a JS number. */
  transactionId: string;
  occurredAt: Date;
  metadata: EventMetadata;
}

/**
 * `number`: the stream must be exactly at this version (0 is the same as `no_stream`);
 * `no_stream`: it must not exist; `stream_exists`: it must exist; `any`: no check.
 */
export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

export interface AppendOptions {
  streamType: string;
  expectedVersion: ExpectedVersion;
  metadata: EventMetadata;
  /**
   * Wake the store's readers once the append returns (default). Pass false for an append in a
   * caller's transaction whose caller calls `store.announce()` after its commit: readers woken
   * before the commit find nothing and wait for the next wake-up.
   */
  announce?: boolean;
}

/** One stream's part of `appendToStreams`: its events go after whatever the stream holds (expected version: any). */
export interface StreamAppend<E extends DomainEvent = DomainEvent> {
  streamId: string;
  streamType: string;
  events: readonly NewEvent<E>[];
  metadata: EventMetadata;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as the next expected version. */
  nextExpectedVersion: number;
  /** Global positions of the appended events, in order. */
  positions: number[];
  transactionId: string;
}

/**
 * Where a reader of the whole store stands. Ordered by (transactionId, position): with only
 * transactions older than every in-flight one visible, no row can later appear behind it.
 */
export interface GlobalCheckpoint {
  transactionId: string;
  position: number;
}

export const START: GlobalCheckpoint = Object.freeze({ transactionId: '0', position: 0 });

export function compareCheckpoints(a: GlobalCheckpoint, b: GlobalCheckpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position - b.position;
}

export interface ReadStreamOptions {
  /** Inclusive, 1-based. */
  fromVersion?: number;
  /** Inclusive. */
  toVersion?: number;
  /**
   * Only events recorded at or before this instant (the stream as it was then), compared to
   * the millisecond: the precision of a JS Date and of the `occurredAt` clients are shown.
   */
  asOf?: Date;
}

export interface ReadStreamResult<E extends DomainEvent = DomainEvent> {
  events: RecordedEvent<E>[];
  /** The stream's current version (0 when it does not exist), regardless of the filters. */
  currentVersion: number;
  streamExists: boolean;
  /** The tenant that owns the stream; null when it does not exist. */
  workspaceId: string | null;
}

export interface ReadAllOptions {
  /** At most this many events (default 500). */
  limit?: number;
  /** Stop at this checkpoint (inclusive): bounds a catch-up to what another reader has seen. */
  until?: GlobalCheckpoint;
}

export interface ReadAllResult {
  events: RecordedEvent[];
  /** Advance to this after handling `events`; equal to the input when nothing new is visible. */
  checkpoint: GlobalCheckpoint;
  /**
   * Committed events wait for an older transaction still in flight before the read rule returns
   * them. Their NOTIFY came already: a reader should look again soon rather than wait for the next.
   */
  held: boolean;
}

/** A reader's checkpoint row for PostgresEventStore.readAllAfterLocked. */
export interface CheckpointRowLock {
  /** A table of the store's schema with the columns name, transaction_id (xid8) and position. */
  table: string;
  name: string;
  /** Answer null at once when another transaction holds the row, rather than wait for it. */
  skipLocked: boolean;
}

export interface LockedReadResult extends ReadAllResult {
  /** The checkpoint as the row held it. */
  from: GlobalCheckpoint;
}
