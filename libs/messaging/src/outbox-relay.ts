import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Pool, PoolClient } from 'pg';
import { Registry, type Counter, type Gauge } from 'prom-client';
import { subjectFor, type ServiceName } from '@lib/contracts';
import {
  HELD_RECHECK_MS,
  LagReporter,
  listenForAppends,
  qualified,
  toEnvelope,
  type GlobalCheckpoint,
  type PostgresEventStore,
  type RecordedEvent,
} from '@lib/event-store';
import { exponentialDelay, sleep } from './backoff';
import { errorMessage, type MessagingLogger } from './logger';
import { sharedCounter, sharedGauge } from '@lib/event-store';

/** Headers the relay puts on every event message, beside `Nats-Msg-Id` (the event id). */
export const EventHeaders = {
  type: 'Event-Type',
  schemaVersion: 'Event-Schema-Version',
  workspaceId: 'Workspace-Id',
  correlationId: 'Correlation-Id',
} as const;

export interface OutboxRelayOptions {
  /** The service whose store this is: events go to `<service>.<stream-type>.<event>`. */
  service: ServiceName;
  pool: Pool;
  store: Pick<PostgresEventStore, 'schema' | 'readAll' | 'countAfter'>;
  connection: NatsConnection;
  /** Checkpoint row and lock name; `<service>-outbox` by default. Instances sharing it take turns. */
  name?: string;
  batchSize?: number;
  /** Polling fallback beside the store's NOTIFY wake-ups. */
  pollIntervalMs?: number;
  /** How often an instance that does not hold the lock tries to take it. */
  lockRetryMs?: number;
  /** Backoff after a failure (NATS or PostgreSQL): base doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long to wait for one publish ack. */
  publishTimeoutMs?: number;
  registry?: Registry;
  logger?: MessagingLogger;
  /**
   * Which events leave the service (default: every one). The relay passes over the others: they
   * are never published, and the checkpoint moves past them like the rest. For events a service
   * keeps for itself, such as analytics' copies of other services' events (stream type `source`).
   */
  shouldPublish?: (event: RecordedEvent) => boolean;
  /**
   * For crash tests only: runs after every event of `published` has its publish ack and before
   * the checkpoint moves past them (and the events passed over with them).
   */
  onPublishedBeforeCheckpoint?: (published: readonly RecordedEvent[]) => void | Promise<void>;
}

/**
 * Publishes a service's events from its store to its JetStream stream, in store order, each
 * with `Nats-Msg-Id` = event id. The checkpoint moves only after the publish acks, so a crash
 * republishes (JetStream drops the duplicates within its window; consumers' inboxes drop the
 * rest) and never skips.
 *
 * One instance at a time leads: it holds a session-level advisory lock on a connection of its
 * own, and does all its reads and checkpoint writes on that same connection, so a leader whose
 * connection (and lock) is gone cannot write anything. The others retry the lock.
 */
export class OutboxRelay {
  readonly name: string;
  private readonly js: JetStreamClient;
  private readonly checkpointTable: string;
  private readonly lockKey: string;
  private readonly logger: MessagingLogger;
  private readonly shouldPublish: (event: RecordedEvent) => boolean;
  private readonly metrics: { lag: Gauge<'relay'>; published: Counter<'relay'>; failures: Counter<'relay'> };
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  private leading = false;
  private appended = false;
  private wake: (() => void) | null = null;
  /** Consecutive failures of the outer loop (lock, PostgreSQL); reset once a read succeeds. */
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.name = options.name ?? `${options.service}-outbox`;
    this.js = jetstream(options.connection, { timeout: options.publishTimeoutMs ?? 5000 });
    this.checkpointTable = qualified(options.store.schema, 'outbox_checkpoint');
    this.lockKey = `${options.store.schema}.outbox_checkpoint.${this.name}`;
    this.logger = options.logger ?? console;
    this.shouldPublish = options.shouldPublish ?? (() => true);
    const registry = options.registry ?? new Registry();
    this.metrics = {
      lag: sharedGauge(registry, 'outbox_relay_lag_events', 'Committed events not yet published (saturates at 100000)', ['relay']),
      published: sharedCounter(registry, 'outbox_relay_published_total', 'Events published and acknowledged by JetStream', ['relay']),
      failures: sharedCounter(registry, 'outbox_relay_failures_total', 'Failed publishes and PostgreSQL errors of the relay', ['relay']),
    };
  }

  /** Whether this instance holds the lock and is the one publishing. */
  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running) return;
    this.abort = new AbortController();
    this.running = this.run(this.abort.signal);
  }

  /** Finishes the event in flight, saves the checkpoint for what was acknowledged, releases the lock. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.running = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let client: PoolClient | null = null;
      let locked = false;
      let delay = this.options.lockRetryMs ?? 2000;
      try {
        client = await this.options.pool.connect();
        // An idle connection that drops emits 'error'; unheard, that would crash the process.
        // The next query on it fails instead, which ends the leadership below.
        client.on('error', ignoreError);
        locked = await this.tryLock(client);
        if (locked) {
          this.leading = true;
          await this.lead(client, signal);
        }
      } catch (error) {
        this.failures += 1;
        delay = exponentialDelay(this.failures, this.options.retryBaseMs ?? 250, this.options.retryMaxMs ?? 10_000);
        this.metrics.failures.inc({ relay: this.name });
        this.logger.error(`Outbox relay ${this.name}: ${errorMessage(error)}; retrying in ${delay} ms`);
      } finally {
        this.leading = false;
        // Only the leader knows the lag; a former leader must not keep reporting a stale value.
        if (locked) this.metrics.lag.remove({ relay: this.name });
        client?.removeListener('error', ignoreError);
        // Destroying the leader's connection ends its session, which releases the lock even
        // when an explicit unlock could not be sent.
        client?.release(locked);
      }
      await sleep(delay, signal);
    }
  }

  private async tryLock(client: PoolClient): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.lockKey]);
    return result.rows[0].locked;
  }

  private async lead(client: PoolClient, signal: AbortSignal): Promise<void> {
    await client.query(`INSERT INTO ${this.checkpointTable} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [this.name]);
    // Checkpoint saves need not wait for the disk: one a crash loses only republishes what JetStream
    // and the consumers' inboxes drop as duplicates. The connection is closed, not pooled, after leading.
    await client.query('SET synchronous_commit = off');
    let checkpoint = await this.loadCheckpoint(client);
    const listener = await listenForAppends(this.options.pool, this.options.store.schema, () => this.onAppend()).catch((error: unknown) => {
      this.logger.warn(`Outbox relay ${this.name}: LISTEN failed (${errorMessage(error)}); polling only`);
      return null;
    });
    // Counted on the leader's connection, from where the relay stands when the count is made.
    const lag = new LagReporter(() => this.reportLag(client, checkpoint), LAG_REFRESH_MS);
    try {
      let publishFailures = 0;
      const limit = this.options.batchSize ?? 100;
      let recheckMs = HELD_RECHECK_MS;
      while (!signal.aborted) {
        this.appended = false;
        const batch = await this.options.store.readAll(checkpoint, { limit }, client);
        // Fewer than a batch: all that was visible is read, and the relay waits for the next NOTIFY
        // (or one that came meanwhile) rather than read again at once to find out.
        const caughtUp = batch.events.length < limit;
        // While publishes fail, every attempt reports.
        await lag.update(caughtUp, batch.events.length > 0, publishFailures > 0);
        this.failures = 0;
        // Held events were announced already: no NOTIFY will come for them, so the relay looks
        // again soon, backing off while they stay held.
        const wait = batch.held ? recheckMs : (this.options.pollIntervalMs ?? 1000);
        recheckMs = batch.held ? Math.min(recheckMs * 2, this.options.pollIntervalMs ?? 1000) : HELD_RECHECK_MS;
        if (batch.events.length === 0) {
          await this.idle(wait, signal);
          continue;
        }
        const { done, published } = await this.publish(batch.events, signal);
        if (done > 0) {
          if (published.length > 0) await this.options.onPublishedBeforeCheckpoint?.(published);
          const last = batch.events[done - 1];
          checkpoint = { transactionId: last.transactionId, position: last.position };
          await this.saveCheckpoint(client, checkpoint);
        }
        if (done < batch.events.length && !signal.aborted) {
          publishFailures += 1;
          await sleep(exponentialDelay(publishFailures, this.options.retryBaseMs ?? 250, this.options.retryMaxMs ?? 10_000), signal);
        } else {
          publishFailures = 0;
          if (caughtUp) await this.idle(wait, signal);
        }
      }
    } finally {
      lag.cancel();
      await listener?.close();
    }
  }

  /**
   * Publishes the batch in order, passing over the events `shouldPublish` refuses. Every publish
   * is in flight at once (one connection keeps them in order, and one ack per round trip would
   * cap the relay at a few hundred events a second); the acks are then taken in order, so
   * `done`: how many events, from the first, were acknowledged or passed over before a failure
   * or stop; `published`: those of them that were published. What was stored past a failure is
   * published again on the retry, and JetStream drops it as a duplicate of its Nats-Msg-Id.
   */
  private async publish(events: readonly RecordedEvent[], signal: AbortSignal): Promise<{ done: number; published: RecordedEvent[] }> {
    const acks = new Map<number, Promise<unknown>>();
    let sent = 0;
    for (; sent < events.length && !signal.aborted; sent++) {
      const event = events[sent];
      if (!this.shouldPublish(event)) continue;
      const envelope = toEnvelope(event);
      const h = headers();
      h.set(EventHeaders.type, envelope.type);
      h.set(EventHeaders.schemaVersion, String(envelope.schemaVersion));
      h.set(EventHeaders.workspaceId, envelope.workspaceId);
      if (envelope.correlationId) h.set(EventHeaders.correlationId, envelope.correlationId);
      acks.set(sent, this.js.publish(subjectFor(this.options.service, event.streamType, event.type), JSON.stringify(envelope), { msgID: event.id, headers: h }));
    }
    const outcomes = new Map<number, PromiseSettledResult<unknown>>();
    const settled = await Promise.allSettled(acks.values());
    [...acks.keys()].forEach((index, n) => outcomes.set(index, settled[n]));
    const published: RecordedEvent[] = [];
    for (let i = 0; i < sent; i++) {
      const outcome = outcomes.get(i);
      if (!outcome) continue;
      const event = events[i];
      if (outcome.status === 'rejected') {
        this.metrics.failures.inc({ relay: this.name });
        this.logger.warn(`Outbox relay ${this.name}: publishing ${event.type} ${event.id} failed: ${errorMessage(outcome.reason)}`);
        return { done: i, published };
      }
      published.push(event);
      this.metrics.published.inc({ relay: this.name });
    }
    return { done: sent, published };
  }

  private async loadCheckpoint(client: PoolClient): Promise<GlobalCheckpoint> {
    const result = await client.query<{ transaction_id: string; position: string }>(
      `SELECT transaction_id::text AS transaction_id, position FROM ${this.checkpointTable} WHERE name = $1`,
      [this.name],
    );
    return { transactionId: result.rows[0].transaction_id, position: Number(result.rows[0].position) };
  }

  private async saveCheckpoint(client: PoolClient, checkpoint: GlobalCheckpoint): Promise<void> {
    await client.query(`UPDATE ${this.checkpointTable} SET transaction_id = $2::xid8, position = $3, updated_at = now() WHERE name = $1`, [
      this.name,
      checkpoint.transactionId,
      checkpoint.position,
    ]);
  }

  /** Sets the lag gauge (see LagReporter for when), unless leadership ended meanwhile. */
  private async reportLag(client: PoolClient, checkpoint: GlobalCheckpoint): Promise<void> {
    const events = await this.options.store.countAfter(checkpoint, undefined, client);
    if (this.leading) this.metrics.lag.set({ relay: this.name }, events);
  }

  private onAppend(): void {
    this.appended = true;
    this.wake?.();
  }

  /** Waits for an append notification, the poll interval or stop, whichever comes first. */
  private idle(ms: number, signal: AbortSignal): Promise<void> {
    if (this.appended || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}

const LAG_REFRESH_MS = 1000;

function ignoreError(): void {}
