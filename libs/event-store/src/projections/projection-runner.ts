import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import { Registry, type Counter, type Gauge } from 'prom-client';
import { sharedCounter, sharedGauge } from '../metrics';
import { LagReporter } from '../lag-reporter';
import { listenForAppends, type AppendListener } from '../notifications';
import { HELD_RECHECK_MS, type PostgresEventStore } from '../postgres-event-store';
import { assertIdentifier, qualified } from '../sql';
import { inTransaction } from '../transaction';
import { isTransientDatabaseError } from '../transient-errors';
import { compareCheckpoints, type GlobalCheckpoint, type RecordedEvent } from '../types';
import type { Projection, ProjectionContext } from './projection';

export interface ProjectionRunnerOptions {
  batchSize?: number;
  /** Fallback when a NOTIFY is missed. */
  pollIntervalMs?: number;
  /** Attempts at one event before it goes to `projection_dead_letters` and the projection moves on. */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  /** How long a rebuild's swap waits for the live tables before trying again (default 5 s). */
  swapLockTimeoutMs?: number;
  registry?: Registry;
  onError?: (projection: string, error: unknown) => void;
}

export interface ProjectionStatus {
  name: string;
  checkpoint: GlobalCheckpoint;
  lagEvents: number;
  lastError: string | null;
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`${projection} is being rebuilt already`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * The key of the session advisory lock a rebuild of `projection` holds (one rebuild at a time);
 * whatever must not change under a rebuild takes it too (`hashtext(key)`).
 */
export function rebuildLockKey(schema: string, projection: string): string {
  return `${schema}.${projection}${SHADOW}`;
}

export interface RebuildReport {
  name: string;
  events: number;
  durationMs: number;
  swapped: boolean;
}

const SHADOW = '__rebuild';
const CHECKPOINTS = 'projection_checkpoints';
/** How long a loop's wake-up waits when the NOTIFYs announce only types it does not read (see wakeAll). */
const OTHER_TYPES_WAKE_MS = 250;
const MAX_CATCH_UP_ROUNDS = 5;
/** Lag gauges are refreshed at most this often (each refresh is two queries). */
const LAG_REFRESH_MS = 1000;
const SWAP_ATTEMPTS = 5;
const RETIRED = '__retired';

interface LoopState {
  /** Consecutive failed batches, of any cause: sets the backoff. */
  failures: number;
  /** Consecutive failures of the one event being isolated: counts toward dead-lettering it. */
  eventFailures: number;
  isolate: boolean;
  /** The checkpoint as this loop last saw it (checkpoints only move forward); null before it looked. */
  known: GlobalCheckpoint | null;
  /** Why the loop last woke: a NOTIFY is checked against the visible head first, a poll never is. */
  notified: boolean;
  /** A NOTIFY came while the loop was working: it looks again before it waits. */
  missed: boolean;
  waiting: boolean;
  /** The last batch read events and applied none: the next is first read outside a transaction (see passOver). */
  passing: boolean;
  /** The last look found committed events held back by an older transaction (ReadAllResult.held). */
  held: boolean;
  /** How soon to look again while they are held: doubles from HELD_RECHECK_MS up to the poll interval. */
  recheckMs: number;
  lag: LagReporter;
  /** The event types the projection reads; undefined for every type. */
  reads: readonly string[] | undefined;
  /** A wake-up put off: NOTIFYs of other types only (see wakeAll). */
  later: NodeJS.Timeout | null;
  wake: (notified: boolean) => void;
}

/**
 * Runs a service's projections: one loop per projection, woken by NOTIFY and by polling. Each
 * batch locks the projection's checkpoint row (SKIP LOCKED, so several instances of a service
 * share the work without double-applying), applies the events and moves the checkpoint in the
 * same transaction. A failing batch is retried one event at a time, and an event that keeps
 * failing is dead-lettered so it cannot block the projection for ever.
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly checkpoints: string;
  private readonly deadLetters: string;
  private readonly loops = new Map<string, LoopState>();
  private readonly running: Promise<void>[] = [];
  private listener: AppendListener | null = null;
  /** The visible-head query in flight, and the NOTIFY it answers for (see nothingPast). */
  private head: { notice: number; visibility: Promise<{ head: GlobalCheckpoint; held: boolean }> } | null = null;
  /** NOTIFYs received so far. */
  private notices = 0;
  private stopped = true;
  private readonly metrics: { position: Gauge<'projection'>; lag: Gauge<'projection'>; applied: Counter<'projection'>; failures: Counter<'projection'>; deadLettered: Counter<'projection'> };

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    const names = new Set<string>();
    for (const projection of projections) {
      assertIdentifier(projection.name);
      projection.tables.forEach(assertIdentifier);
      if (names.has(projection.name)) throw new Error(`Duplicate projection ${projection.name}`);
      names.add(projection.name);
    }
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
    this.checkpoints = qualified(store.schema, CHECKPOINTS);
    this.deadLetters = qualified(store.schema, 'projection_dead_letters');
    const registry = options.registry ?? new Registry();
    this.metrics = {
      position: sharedGauge(registry, 'projection_checkpoint_position', 'Global position a projection has applied up to', ['projection']),
      lag: sharedGauge(registry, 'projection_lag_events', 'Committed events a projection has not applied yet (saturates at 100000)', ['projection']),
      applied: sharedCounter(registry, 'projection_events_applied_total', 'Events applied by a projection', ['projection']),
      failures: sharedCounter(registry, 'projection_failures_total', 'Failed projection batches', ['projection']),
      deadLettered: sharedCounter(registry, 'projection_dead_letters_total', 'Events a projection gave up on', ['projection']),
    };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.ensureCheckpoints();
    this.listener = await listenForAppends(this.pool, this.store.schema, (types) => this.wakeAll(types));
    for (const projection of this.projections) this.running.push(this.loop(projection));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Every loop, including one backing off after failures (its wait may be up to 30 s).
    for (const state of this.loops.values()) state.wake(false);
    await this.listener?.close();
    this.listener = null;
    await Promise.all(this.running.splice(0));
  }

  /** Applies everything visible now, for tests and for read-your-writes in scripts. */
  async catchUp(name?: string): Promise<void> {
    await this.ensureCheckpoints();
    for (const projection of this.select(name)) {
      // Waits for the checkpoint lock: skipping it would mistake another instance's batch for being caught up.
      while ((await this.runBatch(projection, projection.name, false, this.batchSize, undefined, true)).read > 0);
    }
  }

  async status(name?: string): Promise<ProjectionStatus[]> {
    const result = await this.pool.query<{ name: string; transaction_id: string; position: string; last_error: string | null }>(
      `SELECT name, transaction_id::text AS transaction_id, position, last_error FROM ${this.checkpoints} WHERE name = ANY($1) ORDER BY name`,
      [this.select(name).map((p) => p.name)],
    );
    return Promise.all(
      result.rows.map(async (row) => {
        const checkpoint = { transactionId: row.transaction_id, position: Number(row.position) };
        return { name: row.name, checkpoint, lagEvents: await this.store.countAfter(checkpoint), lastError: row.last_error };
      }),
    );
  }

  /**
   * Builds the projection again from position 0 into shadow tables beside the live ones (the
   * live projection keeps serving and updating meanwhile), then, holding the live checkpoint,
   * applies what arrived since and swaps the tables and checkpoints in one transaction.
   */
  async rebuild(name: string, options: { swap?: boolean } = {}): Promise<RebuildReport> {
    const [projection] = this.select(name);
    // One rebuild of a projection at a time across every instance: they would share shadow tables.
    const lock = await this.pool.connect();
    const key = rebuildLockKey(this.store.schema, projection.name);
    try {
      const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
      if (!rows[0].locked) throw new RebuildInProgressError(projection.name);
      try {
        return await this.rebuildLocked(projection, options.swap ?? true);
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      lock.release();
    }
  }

  private async rebuildLocked(projection: Projection, swap: boolean): Promise<RebuildReport> {
    const name = projection.name;
    await this.ensureCheckpoints();
    const started = Date.now();
    const shadowCheckpoint = `${projection.name}${SHADOW}`;
    await inTransaction(this.pool, async (client) => {
      for (const table of projection.tables) await this.createShadow(client, table);
      await client.query(
        `INSERT INTO ${this.checkpoints} (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET transaction_id = '0', position = 0, last_error = NULL, updated_at = now()`,
        [shadowCheckpoint],
      );
    });

    // Catch up beside the live projection (which keeps running) in rounds, each to a fixed
    // target: first what was visible when the rebuild started, then where the live projection
    // had got to. Each round ends even under a steady write load; the swap takes the rest.
    let events = 0;
    let target = await this.store.visibleHead();
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      for (;;) {
        const { read: n } = await this.runBatch(projection, shadowCheckpoint, true, this.batchSize, target);
        if (n === 0) break;
        events += n;
      }
      const [live] = await this.status(projection.name);
      if (compareCheckpoints(live.checkpoint, target) <= 0) break;
      target = live.checkpoint;
    }
    if (!swap) return { name, events, durationMs: Date.now() - started, swapped: false };

    // The swap waits for the live tables' locks at most swapLockTimeoutMs, so a long read cannot
    // queue every other reader behind it; the shadow stays current, so the swap is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        events += await this.swap(projection, shadowCheckpoint);
        break;
      } catch (error) {
        const lockTimeout = typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '55P03';
        if (!lockTimeout || attempt >= SWAP_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.swapLockTimeoutMs ?? 5000));
      }
    }
    return { name, events, durationMs: Date.now() - started, swapped: true };
  }

  /** Catches the shadow up to the live checkpoint and swaps tables and checkpoints; returns the events applied. */
  private async swap(projection: Projection, shadowCheckpoint: string): Promise<number> {
    let events = 0;
    await inTransaction(this.pool, async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.options.swapLockTimeoutMs ?? 5000))}`);
      // Holding the live checkpoint pauses the live projection; the shadow then only needs the
      // few events the live one applied since, so the swap is short and bounded.
      const live = await this.lockCheckpoint(tx, projection.name, false);
      let checkpoint = await this.lockCheckpoint(tx, shadowCheckpoint, false);
      if (!live || !checkpoint) throw new Error(`Checkpoints of ${projection.name} vanished during the rebuild`);
      for (;;) {
        const batch = await this.applyBatch(tx, projection, checkpoint, true, this.batchSize, live);
        if (batch.read === 0) break;
        events += batch.read;
        checkpoint = batch.checkpoint;
      }
      if (compareCheckpoints(live, checkpoint) > 0) checkpoint = live;
      for (const table of projection.tables) await this.swapTable(tx, table);
      await tx.query(
        `UPDATE ${this.checkpoints} SET transaction_id = $2::xid8, position = $3, last_error = NULL, updated_at = now() WHERE name = $1`,
        [projection.name, checkpoint.transactionId, checkpoint.position],
      );
      await tx.query(`DELETE FROM ${this.checkpoints} WHERE name = $1`, [shadowCheckpoint]);
    });
    return events;
  }

  /**
   * Creates the shadow of a live table: its columns, defaults, constraints and indexes, and, for
   * a partitioned table, its partitioning and a copy of each partition (LIKE alone would make a
   * plain table, and the swap would silently end the partitioning).
   */
  private async createShadow(tx: PoolClient, table: string): Promise<void> {
    const live = qualified(this.store.schema, table);
    const shadow = qualified(this.store.schema, table + SHADOW);
    await tx.query(`DROP TABLE IF EXISTS ${shadow}`);
    const key = await partitionKeyOf(tx, live);
    await tx.query(`CREATE TABLE ${shadow} (LIKE ${live} INCLUDING ALL)${key === null ? '' : ` PARTITION BY ${key}`}`);
    if (key !== null) await this.copyPartitions(tx, table, table);
  }

  /**
   * Gives the shadow of `parent` (the live table, or a partition of it that is partitioned
   * further) a copy of each partition of `parent` it lacks: same bound, same sub-partitioning,
   * named with the shadow's prefix. It lacks none the first time; at the swap, those the live
   * table gained during the rebuild (months created ahead), so the swap does not lose them.
   */
  private async copyPartitions(tx: PoolClient, table: string, parent: string): Promise<void> {
    const schema = this.store.schema;
    const { rows } = await tx.query<{ name: string; bound: string; key: string | null }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS key
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [qualified(schema, parent)],
    );
    for (const partition of rows) {
      const copy = shadowNameOf(table, partition.name);
      // A projection may have created it already, for rows it wrote there.
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${qualified(schema, copy)} PARTITION OF ${qualified(schema, shadowNameOf(table, parent))} ${partition.bound}${
          partition.key === null ? '' : ` PARTITION BY ${partition.key}`
        }`,
      );
      if (partition.key !== null) await this.copyPartitions(tx, table, partition.name);
    }
  }

  /** In the swap's transaction: the shadow (with its partitions) takes the live table's place and names. */
  private async swapTable(tx: PoolClient, table: string): Promise<void> {
    const schema = this.store.schema;
    const live = qualified(schema, table);
    const shadow = qualified(schema, table + SHADOW);
    await tx.query(`LOCK TABLE ${live} IN ACCESS EXCLUSIVE MODE`);
    if ((await partitionKeyOf(tx, live)) !== null) await this.copyPartitions(tx, table, table);
    const liveIndexes = await indexesByShape(tx, live);
    const shadowIndexes = await indexesByShape(tx, shadow);
    const shadowPartitions = await partitionsUnder(tx, shadow);
    await tx.query(`ALTER TABLE ${live} RENAME TO "${table}${RETIRED}"`);
    await tx.query(`ALTER TABLE ${shadow} RENAME TO "${table}"`);
    // Its partitions go with it, which frees their names for the shadow's.
    await tx.query(`DROP TABLE ${qualified(schema, table + RETIRED)}`);
    const prefix = table + SHADOW;
    for (const partition of shadowPartitions) {
      if (partition.startsWith(prefix)) await tx.query(`ALTER TABLE ${qualified(schema, partition)} RENAME TO "${liveNameOf(table, partition)}"`);
    }
    // The copies' indexes got generated names; give them the live ones back so migrations can
    // still name them. A partition new with the rebuild loses the shadow's prefix instead.
    for (const [relation, indexes] of shadowIndexes) {
      const originals = relation.startsWith(prefix) ? liveIndexes.get(liveNameOf(table, relation)) : undefined;
      for (const [shape, name] of indexes) {
        const original = originals?.get(shape) ?? (name.startsWith(prefix) ? liveNameOf(table, name) : name);
        if (original !== name) await tx.query(`ALTER INDEX ${qualified(schema, name)} RENAME TO "${original}"`);
      }
    }
  }

  private select(name?: string): readonly Projection[] {
    if (name === undefined) return this.projections;
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`Unknown projection ${name}; known: ${this.projections.map((p) => p.name).join(', ')}`);
    return [projection];
  }

  private async ensureCheckpoints(): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.checkpoints} (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, [
      this.projections.map((p) => p.name),
    ]);
  }

  private async loop(projection: Projection): Promise<void> {
    const lag = new LagReporter(() => this.reportLag(projection), LAG_REFRESH_MS);
    const state: LoopState = {
      failures: 0,
      eventFailures: 0,
      isolate: false,
      known: null,
      notified: false,
      missed: false,
      waiting: false,
      passing: false,
      held: false,
      recheckMs: HELD_RECHECK_MS,
      lag,
      reads: projection.eventTypes,
      later: null,
      wake: () => undefined,
    };
    this.loops.set(projection.name, state);
    let read = 0;
    while (!this.stopped) {
      const limit = state.isolate ? 1 : this.batchSize;
      state.missed = false;
      // This round reads whatever the put-off wake-up was for.
      if (state.later) clearTimeout(state.later);
      state.later = null;
      try {
        // A full batch leaves more behind; otherwise a NOTIFY is first checked against what is
        // visible, so that the wake-ups of every loop of a busy store do not each cost a
        // transaction that finds nothing (a poll always runs the batch).
        if (read < limit && state.notified && state.failures === 0 && (await this.nothingPast(state))) read = 0;
        else read = (state.passing && state.failures === 0 ? await this.passOver(projection, state, limit) : null) ?? (await this.runLoopBatch(projection, state, limit));
        state.failures = 0;
        state.eventFailures = 0;
        state.isolate = false;
      } catch (error) {
        read = 0;
        // Never lets the loop end: a rejected loop would stop the projection for good.
        await this.recordFailure(projection, state, error).catch((failure: unknown) => this.options.onError?.(projection.name, failure));
      }
      // Fewer than a batch: the loop has read all that was visible, and waits for the next NOTIFY
      // (or one that came meanwhile) rather than open another transaction at once to find out.
      const caughtUp = read < limit;
      await state.lag.update(caughtUp, read > 0).catch(() => undefined);
      if (this.stopped) break; // stop() may have come during the batch, after its wake-up call
      if (!caughtUp) continue;
      if (state.missed && state.failures === 0) {
        state.notified = true;
        continue;
      }
      // Held events were announced already: no NOTIFY will come for them, so the loop looks again
      // soon, first at the head as after a NOTIFY, backing off while they stay held.
      const recheck = state.held && state.failures === 0;
      const delay = state.failures > 0 ? Math.min(this.retryBaseDelayMs * 2 ** (state.failures - 1), 30_000) : recheck ? state.recheckMs : this.pollIntervalMs;
      state.recheckMs = recheck ? Math.min(state.recheckMs * 2, this.pollIntervalMs) : HELD_RECHECK_MS;
      state.waiting = true;
      state.notified = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(recheck), delay);
        state.wake = (notified) => {
          clearTimeout(timer);
          resolve(notified);
        };
      });
      state.waiting = false;
    }
    state.lag.cancel();
    if (state.later) clearTimeout(state.later);
    this.loops.delete(projection.name);
  }

  private async runLoopBatch(projection: Projection, state: LoopState, limit: number): Promise<number> {
    const batch = await this.runBatch(projection, projection.name, false, limit);
    if (batch.checkpoint) state.known = batch.checkpoint;
    state.passing = batch.read > 0 && batch.applied === 0;
    state.held = batch.held;
    return batch.read;
  }

  /**
   * For a projection whose last batch held none of its event types (the publishing process
   * manager while posts are drafted, say): reads the next events without a transaction and, if
   * it applies none of them either, moves the checkpoint past them with one statement, only if
   * it still stands where this loop saw it (another instance may have moved it). Two round trips
   * instead of a batch's six. Returns null when there is something to apply: the batch does it.
   */
  private async passOver(projection: Projection, state: LoopState, limit: number): Promise<number | null> {
    const types = projection.eventTypes;
    const from = state.known;
    if (!types || from === null) return null;
    const { events, checkpoint, held } = await this.store.readAll(from, { limit });
    state.held = held;
    if (events.length === 0) return 0;
    if (events.some((event) => types.includes(event.type))) {
      state.passing = false;
      return null;
    }
    const moved = await this.pool.query(
      `UPDATE ${this.checkpoints} SET transaction_id = $2::xid8, position = $3, last_error = NULL, updated_at = now()
       WHERE name = $1 AND transaction_id = $4::xid8 AND position = $5`,
      [projection.name, checkpoint.transactionId, checkpoint.position, from.transactionId, from.position],
    );
    // Not where this loop saw it: the next batch reads it under its lock.
    state.known = moved.rowCount === 1 ? checkpoint : null;
    state.passing = moved.rowCount === 1;
    return events.length;
  }

  /**
   * Whether nothing visible lies past the loop's checkpoint (and, in `state.held`, whether events
   * are held back). Loops woken by the same NOTIFY share one query; one asked after a later
   * NOTIFY is a new query, since it must see what that one announced.
   */
  private async nothingPast(state: LoopState): Promise<boolean> {
    const known = state.known;
    if (known === null) return false;
    if (this.head?.notice !== this.notices) {
      const head = { notice: this.notices, visibility: this.store.visibility() };
      this.head = head;
      void head.visibility.finally(() => {
        if (this.head === head) this.head = null;
      }).catch(() => undefined);
    }
    const { head, held } = await this.head.visibility;
    state.held = held;
    return compareCheckpoints(head, known) <= 0;
  }

  /**
   * A NOTIFY: wakes every loop, but one whose projection reads none of the announced types
   * (templates while posts are drafted) only OTHER_TYPES_WAKE_MS later, once for all that came
   * meanwhile: it would only move its checkpoint past them, and on a busy store that cost a read
   * and a write per NOTIFY for each such loop.
   */
  private wakeAll(types: readonly string[] | null): void {
    this.notices += 1;
    for (const state of this.loops.values()) {
      if (state.failures > 0) continue;
      const reads = state.reads;
      if (types !== null && reads !== undefined && !types.some((type) => reads.includes(type))) {
        state.later ??= setTimeout(() => {
          state.later = null;
          this.wakeOne(state);
        }, OTHER_TYPES_WAKE_MS);
        continue;
      }
      this.wakeOne(state);
    }
  }

  private wakeOne(state: LoopState): void {
    if (state.failures > 0) return;
    if (state.waiting) state.wake(true);
    else state.missed = true;
  }

  private async recordFailure(projection: Projection, state: LoopState, error: unknown): Promise<void> {
    this.metrics.failures.inc({ projection: projection.name });
    this.options.onError?.(projection.name, error);
    const message = error instanceof Error ? error.message : String(error);
    await this.pool.query(`UPDATE ${this.checkpoints} SET last_error = $2 WHERE name = $1`, [projection.name, message]).catch(() => undefined);
    state.failures += 1;
    // The database's fault, not the event's: back off and try again, however long it takes.
    if (isTransientDatabaseError(error)) return;
    if (!state.isolate) {
      // Find the culprit: retry the same range one event at a time.
      state.isolate = true;
      state.eventFailures = 0;
      return;
    }
    state.eventFailures += 1;
    if (state.eventFailures >= this.maxAttempts) {
      // If this fails too (the database went away meanwhile), the next failure tries again.
      await this.deadLetterNext(projection, message);
      state.failures = 0;
      state.eventFailures = 0;
      state.isolate = false;
    }
  }

  private async deadLetterNext(projection: Projection, reason: string): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      const batch = await this.store.readAllAfterLocked(tx, { table: CHECKPOINTS, name: projection.name, skipLocked: true }, { limit: 1 });
      if (!batch || batch.events.length === 0) return;
      const { events, checkpoint: next } = batch;
      const [event] = events;
      await tx.query(
        `INSERT INTO ${this.deadLetters} (projection, event_id, position, event_type, error) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (projection, event_id) DO NOTHING`,
        [projection.name, event.id, event.position, event.type, reason],
      );
      await this.saveCheckpoint(tx, projection.name, next);
      this.metrics.deadLettered.inc({ projection: projection.name });
    });
  }

  /**
   * One transaction: lock the checkpoint and read after it (one statement), apply, move the
   * checkpoint with the COMMIT (one round trip). Returns the events read and applied, and the
   * checkpoint after them (null when another instance held it).
   */
  private async runBatch(
    projection: Projection,
    checkpointName: string,
    rebuilding: boolean,
    limit = this.batchSize,
    until?: GlobalCheckpoint,
    waitForLock = false,
  ): Promise<{ read: number; applied: number; checkpoint: GlobalCheckpoint | null; held: boolean }> {
    // Not durable: the rows move with the checkpoint, so a batch a crash loses is applied again.
    return inTransaction(
      this.pool,
      async (tx) => {
        const batch = await this.store.readAllAfterLocked(tx, { table: CHECKPOINTS, name: checkpointName, skipLocked: !waitForLock }, { limit, until });
        if (!batch) return { read: 0, applied: 0, checkpoint: null, held: false };
        const applied = await this.applyEvents(tx, projection, batch.events, rebuilding);
        if (!rebuilding) this.metrics.applied.inc({ projection: projection.name }, applied);
        return { read: batch.events.length, applied, checkpoint: batch.checkpoint, held: batch.held };
      },
      { durable: false, commitWith: ({ read, checkpoint }) => (read > 0 && checkpoint ? this.saveCheckpointStatement(checkpointName, checkpoint) : null) },
    );
  }

  /** Reads after `from` in the caller's transaction and applies what it read. */
  private async applyBatch(
    tx: PoolClient,
    projection: Projection,
    from: GlobalCheckpoint,
    rebuilding: boolean,
    limit: number,
    until?: GlobalCheckpoint,
  ): Promise<{ read: number; applied: number; checkpoint: GlobalCheckpoint }> {
    const { events, checkpoint } = await this.store.readAll(from, { limit, until }, tx);
    return { read: events.length, applied: await this.applyEvents(tx, projection, events, rebuilding), checkpoint };
  }

  /** Applies the events of the projection's types; returns how many. */
  private async applyEvents(tx: PoolClient, projection: Projection, events: readonly RecordedEvent[], rebuilding: boolean): Promise<number> {
    const types = projection.eventTypes;
    const relevant = types ? events.filter((e) => types.includes(e.type)) : events;
    if (relevant.length > 0) await projection.apply(relevant, this.context(tx, projection, rebuilding));
    return relevant.length;
  }

  private context(client: PoolClient, projection: Projection, rebuilding: boolean): ProjectionContext {
    const schema = this.store.schema;
    const tableName = (name: string): string => {
      if (!projection.tables.includes(name)) throw new Error(`Projection ${projection.name} does not own table ${name}`);
      return rebuilding ? name + SHADOW : name;
    };
    return { client, schema, rebuilding, table: (name) => qualified(schema, tableName(name)), tableName };
  }

  private async lockCheckpoint(tx: PoolClient, name: string, skipLocked: boolean): Promise<GlobalCheckpoint | null> {
    const result = await tx.query<{ transaction_id: string; position: string }>(
      `SELECT transaction_id::text AS transaction_id, position FROM ${this.checkpoints} WHERE name = $1 FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}`,
      [name],
    );
    if (result.rows.length === 0) return null;
    return { transactionId: result.rows[0].transaction_id, position: Number(result.rows[0].position) };
  }

  private async saveCheckpoint(tx: PoolClient, name: string, checkpoint: GlobalCheckpoint): Promise<void> {
    await tx.query(
      `UPDATE ${this.checkpoints} SET transaction_id = $2::xid8, position = $3, last_error = NULL, updated_at = now() WHERE name = $1`,
      [name, checkpoint.transactionId, checkpoint.position],
    );
  }

  /** saveCheckpoint for the simple protocol (see inTransaction's commitWith): the values as literals. */
  private saveCheckpointStatement(name: string, checkpoint: GlobalCheckpoint): string {
    if (!/^[0-9]+$/.test(checkpoint.transactionId) || !Number.isSafeInteger(checkpoint.position)) throw new Error(`Not a checkpoint: ${JSON.stringify(checkpoint)}`);
    return `UPDATE ${this.checkpoints} SET transaction_id = '${checkpoint.transactionId}'::xid8, position = ${checkpoint.position}, last_error = NULL, updated_at = now()
      WHERE name = ${escapeLiteral(name)}`;
  }

  /** Sets the lag gauges (see LagReporter for when). */
  private async reportLag(projection: Projection): Promise<void> {
    const [status] = await this.status(projection.name);
    if (!status || this.stopped) return;
    this.metrics.position.set({ projection: projection.name }, status.checkpoint.position);
    this.metrics.lag.set({ projection: projection.name }, status.lagEvents);
  }
}

/** The partition key (`RANGE (bucket_start)`) of a partitioned table; null for a plain one. */
async function partitionKeyOf(tx: PoolClient, table: string): Promise<string | null> {
  const { rows } = await tx.query<{ key: string | null }>(
    `SELECT CASE WHEN relkind = 'p' THEN pg_get_partkeydef(oid) END AS key FROM pg_class WHERE oid = $1::regclass`,
    [table],
  );
  return rows[0].key;
}

/** `<table><rest>` (the live table or one of its partitions) -> `<table>__rebuild<rest>`. */
function shadowNameOf(table: string, name: string): string {
  // Any other name would not survive the swap's renaming back.
  if (!name.startsWith(table)) throw new Error(`Partition ${name} of ${table} cannot be rebuilt: partitions must be named ${table}<suffix>`);
  return assertIdentifier(table + SHADOW + name.slice(table.length));
}

/** `<table>__rebuild<rest>` (a shadow partition or one of its indexes) -> `<table><rest>`. */
function liveNameOf(table: string, name: string): string {
  return table + name.slice(table.length + SHADOW.length);
}

/** Every partition under a table, at any depth; none for a plain table. */
async function partitionsUnder(tx: PoolClient, table: string): Promise<string[]> {
  const { rows } = await tx.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_partition_tree($1::regclass) tree JOIN pg_class c ON c.oid = tree.relid WHERE tree.level > 0`,
    [table],
  );
  return rows.map((row) => row.name);
}

/**
 * Index names of a table and of every partition under it, by relation, then by definition
 * with the index and table names taken out (`ON ONLY` is how a partitioned table's own
 * indexes are defined).
 */
async function indexesByShape(tx: PoolClient, table: string): Promise<Map<string, Map<string, string>>> {
  const result = await tx.query<{ relation: string; name: string; shape: string }>(
    `SELECT t.relname AS relation, i.relname AS name,
            regexp_replace(pg_get_indexdef(i.oid), ' INDEX \\S+ ON (ONLY )?\\S+ ', ' INDEX ON ') AS shape
     FROM (SELECT $1::regclass AS relid UNION SELECT relid FROM pg_partition_tree($1::regclass)) tree
     JOIN pg_class t ON t.oid = tree.relid
     JOIN pg_index x ON x.indrelid = tree.relid
     JOIN pg_class i ON i.oid = x.indexrelid`,
    [table],
  );
  const byRelation = new Map<string, Map<string, string>>();
  for (const row of result.rows) {
    const indexes = byRelation.get(row.relation) ?? new Map<string, string>();
    indexes.set(row.shape, row.name);
    byRelation.set(row.relation, indexes);
  }
  return byRelation;
}
