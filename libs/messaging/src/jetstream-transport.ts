import { EventEmitter } from 'node:events';
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { NatsConnection, Status } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import { SERVICES, type EventEnvelope, type ServiceName } from '@lib/contracts';
import { JetStreamConsumerRunner, type ConsumerDefinition } from './consumer-runner';
import type { JetStreamContext } from './jetstream-context';
import { errorMessage, type MessagingLogger } from './logger';
import { connectNats } from './nats-connection';

/** Pass as `@EventPattern(pattern, JETSTREAM_TRANSPORT, extras)` to bind a handler to this transport only. */
export const JETSTREAM_TRANSPORT = Symbol('JETSTREAM_TRANSPORT');

export interface JetStreamTransportOptions {
  /** The consuming service: every durable must be named `<service>-<purpose>`. */
  service: ServiceName;
  servers: string | string[];
  /** The service's pool and schema: handlers write their projections, and the inbox lives, there. */
  pool: Pool;
  schema: string;
  maxDeliver?: number;
  ackWaitMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Transactions of one durable at once (default 1); see JetStreamConsumerRunner for how messages are batched into them. */
  concurrency?: number;
  registry?: Registry;
  logger?: MessagingLogger;
}

/** The `extras` of `@EventPattern(pattern, { durable })`. */
export interface JetStreamHandlerExtras {
  /** `<consuming-service>-<purpose>`; handlers naming the same durable share one pull consumer. */
  durable: string;
}

export type JetStreamTransportStatus = 'connected' | 'disconnected' | 'reconnecting';

/** `transport.on('disconnect', (status) => ...)`: the NATS connection's status events. */
export type JetStreamTransportEvents = { [K in Status['type']]: (status: Extract<Status, { type: K }>) => void };

/**
 * Nest transport over durable JetStream pull consumers. Handlers are declared as
 *
 *   @EventPattern<string>('content.post.published', { durable: 'analytics-metrics' })
 *   async onPublished(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext) { ... ctx.client ... }
 *
 * (`<string>` picks Nest 12's untyped overload; its typed one rejects a typed `@Ctx()` parameter.)
 *
 * Handlers naming one durable share a pull consumer on their source service's stream, filtered
 * on the pattern if there is only one, else on `<service>.>`. Each message is applied once, in
 * a transaction with its inbox row (see JetStreamConsumerRunner).
 *
 * Nest's default exception filter turns a handler's error into "Internal server error", hiding
 * its class and message: register `JetStreamExceptionFilter` on consumer controllers so that
 * `PermanentMessageError` is recognised and dead letters carry the real reason.
 */
export class JetStreamTransport
  extends Server<JetStreamTransportEvents, JetStreamTransportStatus>
  implements CustomTransportStrategy
{
  override transportId = JETSTREAM_TRANSPORT;
  // The handler's outcome is awaited here (it decides commit and ack), so Nest need not report it.
  override readonly propagatesEventHandlerErrors = true;
  private readonly events = new EventEmitter();
  private connection: NatsConnection | null = null;
  private runner: JetStreamConsumerRunner | null = null;
  private warnedAboutFilter = false;

  constructor(private readonly options: JetStreamTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const consumers = this.consumerDefinitions();
      this.connection = await connectNats({ servers: this.options.servers, name: `${this.options.service}-consumers` });
      void this.watchStatus(this.connection);
      this.runner = new JetStreamConsumerRunner({
        connection: this.connection,
        pool: this.options.pool,
        schema: this.options.schema,
        consumers,
        maxDeliver: this.options.maxDeliver,
        ackWaitMs: this.options.ackWaitMs,
        retryBaseMs: this.options.retryBaseMs,
        retryMaxMs: this.options.retryMaxMs,
        concurrency: this.options.concurrency,
        registry: this.options.registry,
        logger: this.options.logger ?? this.logger,
      });
      await this.runner.start();
      this._status$.next('connected');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops pulling, lets the messages in hand finish, then drains the connection. */
  async close(): Promise<void> {
    await this.runner?.close();
    this.runner = null;
    await this.connection?.drain();
    this.connection = null;
    this.events.removeAllListeners();
    this._status$.next('disconnected');
  }

  on<K extends keyof JetStreamTransportEvents>(event: K, callback: JetStreamTransportEvents[K]): void {
    this.events.on(event, callback);
  }

  unwrap<T = NatsConnection>(): T {
    if (!this.connection) throw new Error('JetStreamTransport is not listening; call unwrap() after the microservice has started');
    return this.connection as T;
  }

  private consumerDefinitions(): ConsumerDefinition[] {
    const groups = new Map<string, { durable: string; source: ServiceName; patterns: string[] }>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) throw new Error(`JetStreamTransport carries events only; '${pattern}' is a @MessagePattern`);
      const durable = this.durableOf(pattern, handler);
      const source = pattern.split('.')[0] as ServiceName;
      if (!SERVICES.includes(source)) throw new Error(`Event pattern '${pattern}' must start with a service name (${SERVICES.join(', ')})`);
      const key = `${source}/${durable}`;
      const group = groups.get(key) ?? { durable, source, patterns: [] };
      group.patterns.push(pattern);
      groups.set(key, group);
    }
    return [...groups.values()].map(({ durable, source, patterns }) => ({
      durable,
      source,
      filterSubject: patterns.length === 1 ? patterns[0] : `${source}.>`,
      handle: (event: EventEnvelope, context: JetStreamContext) => this.dispatch(patterns, event, context),
    }));
  }

  private durableOf(pattern: string, handler: MessageHandler): string {
    const prefix = `${this.options.service}-`;
    const { durable } = (handler.extras ?? {}) as Partial<Record<keyof JetStreamHandlerExtras, unknown>>;
    if (typeof durable !== 'string' || !durable.startsWith(prefix) || durable.length === prefix.length) {
      throw new Error(`@EventPattern('${pattern}') needs extras { durable: '${prefix}<purpose>' }`);
    }
    // Nest chains the handlers of one pattern and runs them together, so they cannot be split across durables.
    for (let next = handler.next as MessageHandler | undefined; next; next = next.next as MessageHandler | undefined) {
      if (next.extras?.durable !== durable) {
        throw new Error(`Handlers of '${pattern}' name different durables (${durable}, ${String(next.extras?.durable)}); use one`);
      }
    }
    return durable;
  }

  /** Runs every handler of the durable whose pattern matches (its filter may be wider than one pattern). */
  private async dispatch(patterns: readonly string[], event: EventEnvelope, context: JetStreamContext): Promise<void> {
    for (const pattern of patterns) {
      if (!subjectMatches(pattern, context.subject)) continue;
      const handler = this.messageHandlers.get(pattern);
      if (!handler) continue;
      try {
        const result: unknown = await handler(event, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      } catch (error) {
        this.warnIfErrorWasMasked(error);
        throw error;
      }
    }
  }

  private warnIfErrorWasMasked(error: unknown): void {
    if (this.warnedAboutFilter || error instanceof Error) return;
    this.warnedAboutFilter = true;
    this.logger.warn(
      `A consumer handler failed with '${errorMessage(error)}' (Nest's default exception filter hides the original error): ` +
        'add @UseFilters(new JetStreamExceptionFilter()) to consumer controllers',
    );
  }

  private async watchStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this._status$.next('disconnected');
      else if (status.type === 'reconnecting') this._status$.next('reconnecting');
      else if (status.type === 'reconnect') this._status$.next('connected');
      this.events.emit(status.type, status);
    }
  }
}

/**
 * Passes a consumer handler's error through unchanged (Nest's default filter would replace it
 * with "Internal server error"), so the transport can tell a `PermanentMessageError` and record
 * the real reason in dead letters. Use it on consumer controllers: `@UseFilters(new JetStreamExceptionFilter())`.
 */
@Catch()
export class JetStreamExceptionFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** NATS subject matching: `*` is one token, a final `>` one or more. */
function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split('.');
  const actual = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '>') return actual.length > i;
    if (i >= actual.length || (wanted[i] !== '*' && wanted[i] !== actual[i])) return false;
  }
  return wanted.length === actual.length;
}
