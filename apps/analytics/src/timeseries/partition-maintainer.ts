import { inTransaction, qualified, rebuildLockKey } from '@lib/event-store';
import type { Pool, PoolClient } from 'pg';
import { addMonths, ensureMonthlyPartitions, monthOfPartition, monthStartOf, partitionCache } from './partitions';
import { METRIC_BASELINES, METRIC_OBSERVATIONS, METRIC_ROLLUPS_DAILY, METRIC_ROLLUPS_HOURLY, TIMESERIES, TRACKED_EVENTS } from './timeseries.projection';

export interface PartitionMaintainerOptions {
  pool: Pool;
  schema: string;
  /** Raw months wholly older than this many days are dropped (default 95). */
  rawRetentionDays?: number;
  /** Partitions exist from the current month to this many months ahead (default 3). */
  partitionsAheadMonths?: number;
  /** Between runs (default 1 h). */
  intervalMs?: number;
  now?: () => Date;
  /** A failed run; the next one tries again. */
  onError?: (error: unknown) => void;
}

export interface MaintenanceReport {
  /** False when another instance was at it: this one did nothing. */
  ran: boolean;
  /** The raw partitions dropped, oldest first. */
  dropped: string[];
}

const DAY_MS = 86_400_000;
/** Only the live tables: a rebuild's shadow (`*__rebuild`) is the runner's, never touched here. */
const ALL_TABLES = [METRIC_OBSERVATIONS, METRIC_ROLLUPS_HOURLY, METRIC_ROLLUPS_DAILY, TRACKED_EVENTS] as const;
/** Rollups are never dropped: they are the history past raw retention. */
const RAW_TABLES = [METRIC_OBSERVATIONS, TRACKED_EVENTS] as const;
/**
 * Creating or dropping a partition locks its parent ACCESS EXCLUSIVE; waiting for it longer would
 * queue every reader of the table behind the maintainer. The next run tries again.
 */
const LOCK_TIMEOUT_MS = 5_000;

/**
 * Keeps the month partitions of the time-series tables: creates them ahead of time, so the
 * projection seldom creates one itself (it would lock the parent for the rest of its batch), and
 * drops raw months past retention, keeping the last snapshot of each cumulative series they held
 * as its baseline first, so a later snapshot still finds its predecessor. One instance at a time:
 * every step takes the same transaction-level advisory lock, and a run stops at the first step it
 * cannot take it for. Nothing is dropped while `timeseries` is being rebuilt: the rebuild reads the
 * live baselines, which a drop moves.
 */
export class PartitionMaintainer {
  private readonly rawRetentionDays: number;
  private readonly partitionsAheadMonths: number;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private readonly lockKey: string;
  private readonly rebuildKey: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  constructor(private readonly options: PartitionMaintainerOptions) {
    this.rawRetentionDays = options.rawRetentionDays ?? 95;
    this.partitionsAheadMonths = options.partitionsAheadMonths ?? 3;
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? (() => new Date());
    this.lockKey = `partition-maintainer:${options.schema}`;
    this.rebuildKey = rebuildLockKey(options.schema, TIMESERIES);
  }

  /** Runs once now (so the months ahead exist before traffic), then every interval. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.tick();
  }

  /** Resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  async runOnce(): Promise<MaintenanceReport> {
    const current = monthStartOf(this.now());
    const months = Array.from({ length: this.partitionsAheadMonths + 1 }, (_, ahead) => addMonths(current, ahead));
    const created = await this.step(async (client) => {
      for (const table of ALL_TABLES) await ensureMonthlyPartitions(client, this.options.schema, table, months);
      return true;
    });
    if (created === null) return { ran: false, dropped: [] };
    // The months ahead are done: this run did its part even if the drops were left to another.
    return { ...(await this.dropExpired()), ran: true };
  }

  /**
   * Drops the raw months past retention (after a rebuild, which brings them back). Stops, leaving
   * the rest for the next run, when another instance holds the maintainer's lock or `timeseries`
   * is being rebuilt.
   */
  async dropExpired(): Promise<MaintenanceReport> {
    const cutoff = this.now().getTime() - this.rawRetentionDays * DAY_MS;
    const dropped: string[] = [];
    let stepped = false;
    for (const table of RAW_TABLES) {
      for (const { name, month } of await this.partitionsOf(table)) {
        if (addMonths(month, 1).getTime() > cutoff) continue;
        const gone = await this.step(async (client) => {
          // Held to the end of this transaction, so no rebuild starts mid-drop either.
          const rebuild = await client.query<{ free: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS free', [this.rebuildKey]);
          if (!rebuild.rows[0].free) return 'rebuilding' as const;
          // Listed before the lock was taken: another instance may have dropped it since.
          const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [qualified(this.options.schema, name)]);
          if (!rows[0].exists) return false;
          if (table === METRIC_OBSERVATIONS) await this.keepBaselines(client, name);
          await client.query(`DROP TABLE ${qualified(this.options.schema, name)}`);
          return true;
        });
        if (gone === null) return { ran: stepped, dropped };
        stepped = true;
        if (gone === 'rebuilding') return { ran: true, dropped };
        if (!gone) continue;
        partitionCache.forgetMonth(this.options.schema, table, month);
        dropped.push(name);
      }
    }
    return { ran: true, dropped };
  }

  private async tick(): Promise<void> {
    const run = this.runOnce().catch((error: unknown) => this.options.onError?.(error));
    this.running = run;
    await run;
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  /** One transaction holding the maintainer's lock: what `work` returns, or null (nothing done) when another instance holds it. */
  private async step<T>(work: (client: PoolClient) => Promise<T>): Promise<T | null> {
    return inTransaction(this.options.pool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [this.lockKey]);
      if (!rows[0].locked) return null;
      await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      return work(client);
    });
  }

  /** The month partitions of a live table, oldest first. */
  private async partitionsOf(table: string): Promise<{ name: string; month: Date }[]> {
    const { rows } = await this.options.pool.query<{ name: string }>(
      'SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass',
      [qualified(this.options.schema, table)],
    );
    return rows
      .flatMap((row) => {
        const month = monthOfPartition(row.name);
        return month ? [{ name: row.name, month }] : [];
      })
      .sort((a, b) => a.month.getTime() - b.month.getTime());
  }

  /**
   * The latest snapshot of each cumulative series in the partition becomes its baseline, unless
   * the baseline already kept is newer. One pass over the partition (it goes whole, so no index
   * helps), sorted by series and time.
   */
  private async keepBaselines(client: PoolClient, partition: string): Promise<void> {
    const series = 'workspace_id, entity_type, entity_id, metric, platform';
    await client.query(
      `INSERT INTO ${qualified(this.options.schema, METRIC_BASELINES)} AS b (${series}, value, observed_at)
       SELECT DISTINCT ON (${series}) ${series}, value, observed_at
       FROM ${qualified(this.options.schema, partition)} WHERE kind = 'cumulative'
       ORDER BY ${series}, observed_at DESC
       ON CONFLICT (${series}) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at
       WHERE excluded.observed_at > b.observed_at`,
    );
  }
}
