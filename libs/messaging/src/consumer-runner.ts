import { jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Pool, PoolClient } from 'pg';
import { Registry, type Counter } from 'prom-client';
import { jetStreamName, type EventEnvelope, type ServiceName } from '@lib/contracts';
import { assertIdentifier, isTransientDatabaseError, qualified, sharedCounter } from '@lib/event-store';
import { exponentialDelay, sleep } from './backoff';
import { JetStreamContext, TransactionScope } from './jetstream-context';
import { errorMessage, type MessagingLogger } from './logger';
import { PermanentMessageError } from './permanent-message-error';
import { deadLetterSubject, ensureDurableConsumer } from './topology';

/** Headers of a message in `DEAD_LETTERS`; its body is the original message's body. */
export const DeadLetterHeaders = {
  subject: 'Dead-Letter-Original-Subject',
  stream: 'Dead-Letter-Original-Stream',
  streamSequence: 'Dead-Letter-Stream-Sequence',
  deliveryCount: 'Dead-Letter-Delivery-Count',
  consumer: 'Dead-Letter-Consumer',
  reason: 'Dead-Letter-Reason',
} as const;

export interface ConsumerDefinition {
  /** `<consuming-service>-<purpose>`; also the inbox's `consumer` column. */
  durable: string;
  /** The service whose stream is consumed. */
  source: ServiceName;
  filterSubject: string;
  /**
   * Applies one event. Runs inside the transaction that records the event in the inbox: write
   * with `context.client`. Throw to roll back; throw `PermanentMessageError` to dead-letter at once.
   */
  handle(event: EventEnvelope, context: JetStreamContext): Promise<void>;
}

export interface JetStreamConsumerRunnerOptions {
  connection: NatsConnection;
  /** The consuming service's pool and schema (where its `inbox` table is). */
  pool: Pool;
  schema: string;
  consumers: readonly ConsumerDefinition[];
  /** Deliveries of a failing message before it is dead-lettered. */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Redelivery delay after a failure: base doubling per delivery, up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Transactions of one consumer at once (default 1). Above 1, handlers must not depend on the
   * order of messages (they must not anyway: see the README).
   */
  concurrency?: number;
  registry?: Registry;
  logger?: MessagingLogger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PULL_BATCH = 32;
/**
 * Messages one transaction takes at most. A batch forms only from messages that arrived while
 * every transaction was busy, so a quiet consumer handles each at once, alone; a busy one pays
 * the transaction's round trips (BEGIN, inbox, COMMIT) once per batch rather than per message.
 * Kept small because an open transaction holds back every reader by position on the server.
 */
const MAX_BATCH = 16;

/**
 * Pulls from durable JetStream consumers and applies each message exactly once: the event id
 * goes into the inbox in the same transaction as the handler's writes, and the message is
 * acknowledged only after that commit. A redelivered message finds its inbox row and is just
 * acknowledged. A failing message is nak'ed with a growing delay (the messages behind it carry
 * on), and after `maxDeliver` deliveries, or at once for a `PermanentMessageError`, it is copied
 * to `DEAD_LETTERS` and terminated.
 *
 * Each consumer runs up to `concurrency` transactions at once (1 by default). Messages that
 * arrive while all of them are busy are taken together, up to MAX_BATCH, into the next one,
 * handled in the order they came; if any of them fails, the batch is rolled back and its
 * messages are handled again one transaction each, so a failure is the failing message's alone.
 * A handler may thus run more than once for one delivery, as for a redelivery: its writes go
 * through the transaction, and anything else it does must be safe to repeat.
 * Single use: `start()` once, `close()` once.
 */
export class JetStreamConsumerRunner {
  private readonly js: JetStreamClient;
  private readonly inbox: string;
  private readonly logger: MessagingLogger;
  private readonly maxDeliver: number;
  private readonly concurrency: number;
  private readonly metrics: { processed: Counter<'durable'>; failed: Counter<'durable'>; deadLettered: Counter<'durable'> };
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly active = new Set<ConsumerMessages>();

  constructor(private readonly options: JetStreamConsumerRunnerOptions) {
    const seen = new Set<string>();
    for (const consumer of options.consumers) {
      const key = `${consumer.source}/${consumer.durable}`;
      if (seen.has(key)) throw new Error(`Durable ${consumer.durable} is defined twice on ${jetStreamName(consumer.source)}`);
      seen.add(key);
    }
    this.js = jetstream(options.connection);
    this.inbox = qualified(assertIdentifier(options.schema), 'inbox');
    this.logger = options.logger ?? console;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.maxDeliver = options.maxDeliver ?? 5;
    const registry = options.registry ?? new Registry();
    this.metrics = {
      processed: sharedCounter(registry, 'messaging_consumer_processed_total', 'Messages applied (or found in the inbox) and acknowledged', ['durable']),
      failed: sharedCounter(registry, 'messaging_consumer_failed_total', 'Failed attempts at a message', ['durable']),
      deadLettered: sharedCounter(registry, 'messaging_consumer_dead_lettered_total', 'Messages moved to the dead-letter stream', ['durable']),
    };
  }

  /** Creates or updates the durable consumers (failing fast if NATS refuses), then starts pulling. */
  async start(): Promise<void> {
    for (const consumer of this.options.consumers) await this.ensureConsumer(consumer);
    for (const consumer of this.options.consumers) this.loops.push(this.consume(consumer));
  }

  /** Stops pulling and waits for the messages in hand to be settled. Unhandled buffered ones are redelivered later. */
  async close(): Promise<void> {
    this.abort.abort();
    for (const messages of this.active) messages.stop();
    await Promise.all(this.loops.splice(0));
  }

  private async ensureConsumer(consumer: ConsumerDefinition): Promise<void> {
    await ensureDurableConsumer(await jetstreamManager(this.options.connection), jetStreamName(consumer.source), {
      durable: consumer.durable,
      filterSubject: consumer.filterSubject,
      ackWaitMs: this.options.ackWaitMs ?? 30_000,
    });
  }

  private async consume(consumer: ConsumerDefinition): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (failures > 0) await this.ensureConsumer(consumer);
        const messages = await (await this.js.consumers.get(jetStreamName(consumer.source), consumer.durable)).consume({ max_messages: PULL_BATCH });
        this.active.add(messages);
        try {
          if (signal.aborted) break;
          const waiting: JsMsg[] = [];
          const workers = new Set<Promise<void>>();
          let taken: (() => void) | null = null;
          const work = async (): Promise<void> => {
            while (waiting.length > 0) {
              const batch = waiting.splice(0, MAX_BATCH);
              taken?.();
              await this.processBatch(consumer, batch);
            }
          };
          const startWorker = (): void => {
            const worker: Promise<void> = work()
              .catch((error: unknown) => this.logger.warn(`Consumer ${consumer.durable}: ${errorMessage(error)}`))
              .finally(() => {
                workers.delete(worker);
                // A message pushed after this worker found the queue empty, but before it left the
                // set, started no worker of its own: take it now rather than at its redelivery.
                if (waiting.length > 0 && !signal.aborted && workers.size < this.concurrency) startWorker();
              });
            workers.add(worker);
          };
          try {
            for await (const message of messages) {
              failures = 0;
              waiting.push(message);
              if (workers.size < this.concurrency) startWorker();
              // Pulls no further ahead than one more batch per transaction: waits for a worker to take one.
              while (waiting.length >= MAX_BATCH * this.concurrency && workers.size > 0) {
                await Promise.race([new Promise<void>((resolve) => (taken = resolve)), ...workers]);
              }
              if (signal.aborted) break;
            }
          } finally {
            // Pulled and not started: handed back at once, for this or another instance to take.
            if (signal.aborted) for (const message of waiting.splice(0)) message.nak();
            await Promise.all(workers);
          }
        } finally {
          messages.stop();
          this.active.delete(messages);
        }
        if (signal.aborted) break;
        throw new Error('message iterator ended');
      } catch (error) {
        failures += 1;
        this.logger.warn(`Consumer ${consumer.durable}: ${errorMessage(error)}; resuming`);
      }
      await sleep(exponentialDelay(failures, 250, 10_000), signal);
    }
  }

  /**
   * One transaction for the batch: its inbox rows in one statement, then the handler for each
   * message not seen before, in order. Any failure rolls it all back and hands each message to
   * `process`, which decides for it alone (retry, dead letter).
   */
  private async processBatch(consumer: ConsumerDefinition, messages: readonly JsMsg[]): Promise<void> {
    if (messages.length === 1) return this.process(consumer, messages[0]);
    const { durable } = consumer;
    const parsed: { message: JsMsg; event: EventEnvelope }[] = [];
    const singles: JsMsg[] = [];
    for (const message of messages) {
      try {
        parsed.push({ message, event: parseEnvelope(message) });
      } catch {
        singles.push(message); // dead-lettered there, with its reason
      }
    }
    let committed = false;
    const scope = new TransactionScope();
    if (parsed.length > 0) {
      let client: PoolClient | null = null;
      let broken = false;
      try {
        client = await this.options.pool.connect();
        client.on('error', ignoreError);
        await client.query('BEGIN');
        const { rows } = await client.query<{ event_id: string }>(
          `INSERT INTO ${this.inbox} (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id`,
          [durable, parsed.map(({ event }) => event.id)],
        );
        // A copy delivered beside its original is in the batch twice; it is handled once.
        const fresh = new Set(rows.map((row) => row.event_id));
        for (const { message, event } of parsed) {
          if (fresh.delete(event.id.toLowerCase())) await consumer.handle(event, new JetStreamContext(message, client, durable, scope));
        }
        await scope.flush();
        committed = (await client.query('COMMIT')).command === 'COMMIT';
      } catch {
        await client?.query('ROLLBACK').catch(() => (broken = true));
      } finally {
        client?.removeListener('error', ignoreError);
        client?.release(broken);
      }
    }
    if (committed) {
      scope.runAfterCommit((error) => this.logger.warn(`Consumer ${durable}: an after-commit callback failed: ${errorMessage(error)}`));
      for (const { message } of parsed) message.ack();
      this.metrics.processed.inc({ durable }, parsed.length);
    } else {
      singles.unshift(...parsed.map(({ message }) => message));
    }
    for (const message of singles) await this.process(consumer, message);
  }

  private async process(consumer: ConsumerDefinition, message: JsMsg): Promise<void> {
    const { durable } = consumer;
    let event: EventEnvelope;
    try {
      event = parseEnvelope(message);
    } catch (error) {
      await this.deadLetter(durable, message, `malformed event envelope: ${errorMessage(error)}`);
      return;
    }

    let client: PoolClient;
    try {
      client = await this.options.pool.connect();
    } catch (error) {
      this.retryLater(durable, message, `database unavailable: ${errorMessage(error)}`);
      return;
    }
    client.on('error', ignoreError);
    let handlerError: { error: unknown } | null = null;
    let broken = false;
    const scope = new TransactionScope();
    try {
      await client.query('BEGIN');
      const inserted = await client.query(`INSERT INTO ${this.inbox} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [durable, event.id]);
      if (inserted.rowCount === 1) {
        try {
          await consumer.handle(event, new JetStreamContext(message, client, durable, scope));
          await scope.flush();
        } catch (error) {
          handlerError = { error };
        }
      }
      if (handlerError) {
        await client.query('ROLLBACK');
      } else if ((await client.query('COMMIT')).command === 'ROLLBACK') {
        // PostgreSQL answers COMMIT with ROLLBACK when a statement failed and the handler swallowed the error.
        handlerError = { error: new Error('a statement in the handler failed and its transaction was rolled back') };
      }
    } catch (error) {
      // BEGIN, the inbox insert, COMMIT or ROLLBACK failed: the database, not the message, is at fault.
      broken = true;
      this.retryLater(durable, message, `database error: ${errorMessage(error)}`);
      return;
    } finally {
      client.removeListener('error', ignoreError);
      client.release(broken);
    }

    if (handlerError) {
      const { error } = handlerError;
      if (error instanceof PermanentMessageError) {
        await this.deadLetter(durable, message, errorMessage(error));
      } else if (isTransientDatabaseError(error)) {
        // The database failed the handler, not the message: never a reason to dead-letter it.
        this.retryLater(durable, message, `database error: ${errorMessage(error)}`);
      } else if (message.info.deliveryCount >= this.maxDeliver) {
        await this.deadLetter(durable, message, `failed ${message.info.deliveryCount} deliveries: ${errorMessage(error)}`);
      } else {
        this.retryLater(durable, message, errorMessage(error));
      }
      return;
    }
    scope.runAfterCommit((error) => this.logger.warn(`Consumer ${durable}: an after-commit callback failed: ${errorMessage(error)}`));
    message.ack();
    this.metrics.processed.inc({ durable });
  }

  private retryLater(durable: string, message: JsMsg, reason: string): void {
    const delay = exponentialDelay(message.info.deliveryCount, this.options.retryBaseMs ?? 1000, this.options.retryMaxMs ?? 60_000);
    this.metrics.failed.inc({ durable });
    this.logger.warn(`Consumer ${durable}: ${message.subject} #${message.info.streamSequence} failed (delivery ${message.info.deliveryCount}): ${reason}; retrying in ${delay} ms`);
    message.nak(delay);
  }

  /** Copies the message to `dead-letter.<durable>`, then terminates it; if that publish fails, it is retried later. */
  private async deadLetter(durable: string, message: JsMsg, reason: string): Promise<void> {
    const { stream, streamSequence, deliveryCount } = message.info;
    const h = headers();
    h.set(DeadLetterHeaders.subject, message.subject);
    h.set(DeadLetterHeaders.stream, stream);
    h.set(DeadLetterHeaders.streamSequence, String(streamSequence));
    h.set(DeadLetterHeaders.deliveryCount, String(deliveryCount));
    h.set(DeadLetterHeaders.consumer, durable);
    h.set(DeadLetterHeaders.reason, headerValue(reason));
    try {
      // The msg id makes a repeated dead-lettering of the same message (after a lost term) a no-op.
      await this.js.publish(deadLetterSubject(durable), message.data, { headers: h, msgID: `${durable}:${stream}:${streamSequence}` });
    } catch (error) {
      this.retryLater(durable, message, `${reason}; and dead-lettering failed: ${errorMessage(error)}`);
      return;
    }
    message.term();
    this.metrics.failed.inc({ durable });
    this.metrics.deadLettered.inc({ durable });
    this.logger.error(`Consumer ${durable}: ${message.subject} #${streamSequence} dead-lettered after ${deliveryCount} deliveries: ${reason}`);
  }
}

function parseEnvelope(message: JsMsg): EventEnvelope {
  const value = message.json<unknown>();
  if (typeof value !== 'object' || value === null) throw new Error('not an object');
  const { id, type } = value as Partial<EventEnvelope>;
  if (typeof id !== 'string' || !UUID.test(id)) throw new Error('id is not a UUID');
  if (typeof type !== 'string') throw new Error('type is missing');
  return value as EventEnvelope;
}

/** Header values are single-line and kept short. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1000);
}

function ignoreError(): void {}
