import { Controller, Inject, Module, UseFilters, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import type { EventEnvelope } from '@lib/contracts';
import {
  DEAD_LETTER_STREAM,
  DeadLetterHeaders,
  JetStreamContext,
  JetStreamExceptionFilter,
  JetStreamTransport,
  OutboxRelay,
  PermanentMessageError,
  type JetStreamTransportOptions,
} from '@lib/messaging';
import { eventually } from '@lib/testing';
import {
  appendPosts,
  createAppliedTable,
  envelope,
  inboxCount,
  metricValue,
  publishEnvelope,
  RecordingLogger,
  startHarness,
  streamMessages,
  type Harness,
} from './support';

const SCHEMA = Symbol('SCHEMA');
/** Events whose handler throws, by event id: a PermanentMessageError or a plain Error. */
const failures = new Map<string, 'permanent' | 'transient'>();

@Controller()
@UseFilters(new JetStreamExceptionFilter())
class AnalyticsConsumer {
  constructor(@Inject(SCHEMA) private readonly schema: string) {}

  @EventPattern<string>('content.post.drafted', { durable: 'analytics-metrics' })
  async onDrafted(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext): Promise<void> {
    if (failures.get(event.id) === 'permanent') throw new PermanentMessageError(`post ${event.streamId} is unusable`);
    if (failures.get(event.id) === 'transient') throw new Error('projection store is confused');
    await this.apply(event, ctx);
  }

  @EventPattern<string>('content.post.published', { durable: 'analytics-metrics' })
  async onPublished(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext): Promise<void> {
    await this.apply(event, ctx);
  }

  @EventPattern<string>('content.post.*', { durable: 'analytics-audit' })
  async audit(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext): Promise<void> {
    await this.apply(event, ctx);
  }

  private async apply(event: EventEnvelope, ctx: JetStreamContext): Promise<void> {
    await ctx.client.query(`INSERT INTO "${this.schema}".applied (event_id, n, durable) VALUES ($1, $2, $3)`, [event.id, event.data.n, ctx.durable]);
  }
}

describe('JetStreamTransport', () => {
  let h: Harness;
  let registry: Registry;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    h = await startHarness('transport');
    await createAppliedTable(h.pool, h.schema);
    registry = new Registry();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await h.dispose();
  });

  async function startConsumerApp(options: Partial<JetStreamTransportOptions> = {}): Promise<INestMicroservice> {
    @Module({ controllers: [AnalyticsConsumer], providers: [{ provide: SCHEMA, useValue: h.schema }] })
    class AnalyticsModule {}
    const app = await NestFactory.createMicroservice(AnalyticsModule, {
      strategy: new JetStreamTransport({
        service: 'analytics',
        servers: h.nats.url,
        pool: h.pool,
        schema: h.schema,
        maxDeliver: 3,
        retryBaseMs: 50,
        retryMaxMs: 1000,
        registry,
        logger: new RecordingLogger(),
        ...options,
      }),
      logger: false,
    });
    await app.listen();
    closers.push(() => app.close());
    return app;
  }

  function startRelay(): OutboxRelay {
    const relay = new OutboxRelay({ service: 'content', pool: h.pool, store: h.store, connection: h.connection, pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 500, logger: new RecordingLogger() });
    relay.start();
    closers.push(() => relay.stop());
    return relay;
  }

  async function appliedBy(durable: string): Promise<number[]> {
    const result = await h.pool.query<{ n: number }>(`SELECT n FROM "${h.schema}".applied WHERE durable = $1 ORDER BY n`, [durable]);
    return result.rows.map((r) => r.n);
  }

  it('routes events to @EventPattern handlers, one pull consumer per durable, each event applied once per durable', async () => {
    await startConsumerApp();
    startRelay();
    await appendPosts(h.store, 3, 'PostDrafted', 0);
    await appendPosts(h.store, 2, 'PostPublished', 10);
    await appendPosts(h.store, 1, 'PostArchived', 20);

    await eventually(async () => expect(await appliedBy('analytics-metrics')).toEqual([0, 1, 2, 10, 11]));
    await eventually(async () => expect(await appliedBy('analytics-audit')).toEqual([0, 1, 2, 10, 11, 20]));
    expect(await inboxCount(h.pool, h.schema, 'analytics-metrics')).toBe(6); // PostArchived is seen (no handler) and acknowledged
    expect(await inboxCount(h.pool, h.schema, 'analytics-audit')).toBe(6);

    const consumers = new Map<string, string | undefined>();
    for await (const info of h.jsm.consumers.list('CONTENT')) consumers.set(info.name, info.config.filter_subject);
    expect(consumers).toEqual(new Map([['analytics-metrics', 'content.>'], ['analytics-audit', 'content.post.*']]));
  });

  it('dead-letters a PermanentMessageError at once, and a failing handler after maxDeliver, with the real reason', async () => {
    await startConsumerApp();
    const permanent = envelope(1);
    const transient = envelope(2);
    failures.set(permanent.id, 'permanent');
    failures.set(transient.id, 'transient');
    for (const event of [permanent, transient, envelope(3)]) await publishEnvelope(h.connection, event);

    const dead = await eventually(async () => {
      const messages = await streamMessages(h.jsm, DEAD_LETTER_STREAM);
      expect(messages).toHaveLength(2);
      return messages;
    });
    expect(dead.map((m) => [m.json<EventEnvelope>().id, m.header.get(DeadLetterHeaders.deliveryCount), m.header.get(DeadLetterHeaders.reason)])).toEqual([
      [permanent.id, '1', `post ${permanent.streamId} is unusable`],
      [transient.id, '3', 'failed 3 deliveries: projection store is confused'],
    ]);
    await eventually(async () => expect(await appliedBy('analytics-metrics')).toEqual([3]));
    expect(await metricValue(registry, 'messaging_consumer_dead_lettered_total', { durable: 'analytics-metrics' })).toBe(2);
  });

  it('applies every event exactly once when NATS restarts in the middle of a stream of appends', async () => {
    await startConsumerApp();
    startRelay();
    const total = 150;
    let appended = 0;
    const appending = (async () => {
      while (appended < total) {
        await appendPosts(h.store, 1, 'PostPublished', appended);
        appended += 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    await eventually(async () => expect((await appliedBy('analytics-metrics')).length).toBeGreaterThanOrEqual(30), 30_000);
    await h.nats.restart();
    await appending;

    await eventually(async () => expect(await appliedBy('analytics-metrics')).toHaveLength(total), 60_000);
    await eventually(async () => expect(await appliedBy('analytics-audit')).toHaveLength(total), 30_000);
    expect(await appliedBy('analytics-metrics')).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(await appliedBy('analytics-audit')).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(new Set((await streamMessages(h.jsm, 'CONTENT')).map((m) => m.header.get('Nats-Msg-Id'))).size).toBe(total);
  });

  it('refuses to start with a handler that names no durable of this service', async () => {
    @Controller()
    class Anonymous {
      @EventPattern<string>('content.post.drafted', { durable: 'content-metrics' })
      async handle(): Promise<void> {}
    }
    @Module({ controllers: [Anonymous] })
    class BadModule {}
    const app = await NestFactory.createMicroservice(BadModule, {
      strategy: new JetStreamTransport({ service: 'analytics', servers: h.nats.url, pool: h.pool, schema: h.schema }),
      logger: false,
    });
    closers.push(() => app.close());
    await expect(app.listen()).rejects.toThrow("@EventPattern('content.post.drafted') needs extras { durable: 'analytics-<purpose>' }");
  });

  it('exposes the NATS connection through unwrap()', async () => {
    const app = await startConsumerApp();
    const connection = app.unwrap<NatsConnection>();
    expect(connection.isClosed()).toBe(false);
    expect(connection.info?.port).toBe(h.nats.port);
  });
});
