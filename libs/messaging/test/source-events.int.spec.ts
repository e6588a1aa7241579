import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { SOURCE_EVENT_RECEIVED, SOURCE_STREAM_TYPE, sourceStreamId, type EventEnvelope } from '@lib/contracts';
import { JetStreamConsumerRunner, recordSourceEvent } from '@lib/messaging';
import { eventually } from '@lib/testing';
import { envelope, inboxCount, metricValue, publishEnvelope, RecordingLogger, startHarness, type Harness } from './support';

describe('recordSourceEvent', () => {
  let h: Harness;
  let registry: Registry;
  const closers: (() => Promise<void>)[] = [];
  const durable = 'analytics-sources';

  beforeEach(async () => {
    h = await startHarness('sources');
    registry = new Registry();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await h.dispose();
  });

  it('records the messages of one batch as SourceEventReceived events, one per message on its source stream, in the batch transaction', async () => {
    // The first message holds the only transaction until the others are delivered: they queue and form one batch.
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let held = false;
    const runner = new JetStreamConsumerRunner({
      connection: h.connection,
      pool: h.pool,
      schema: h.schema,
      consumers: [
        {
          durable,
          source: 'content',
          filterSubject: 'content.>',
          async handle(event, ctx) {
            if (!held) {
              held = true;
              await opened;
            }
            await recordSourceEvent(h.store, 'content', event, ctx);
          },
        },
      ],
      concurrency: 1,
      registry,
      logger: new RecordingLogger(),
    });
    await runner.start();
    closers.push(() => runner.close());

    const shared = `post-${randomUUID()}`;
    const events: EventEnvelope[] = [
      envelope(0),
      envelope(1),
      { ...envelope(2), streamId: shared, version: 1 },
      envelope(3),
      { ...envelope(4), streamId: shared, version: 2 },
      envelope(5),
    ];
    await publishEnvelope(h.connection, events[0]);
    await eventually(() => expect(held).toBe(true));
    for (const event of events.slice(1)) await publishEnvelope(h.connection, event);
    await eventually(async () => expect((await h.jsm.consumers.info('CONTENT', durable)).num_ack_pending).toBe(events.length));
    open();

    await eventually(async () => expect(await metricValue(registry, 'messaging_consumer_processed_total', { durable })).toBe(events.length));
    expect(await inboxCount(h.pool, h.schema, durable)).toBe(events.length);
    const { rows } = await h.pool.query<{
      stream_id: string;
      stream_type: string;
      stream_version: number;
      transaction_id: string;
      data: { source: { id: string } };
      metadata: Record<string, unknown>;
    }>(
      `SELECT stream_id, stream_type, stream_version::int AS stream_version, transaction_id::text AS transaction_id, data, metadata
       FROM "${h.schema}".events WHERE event_type = $1`,
      [SOURCE_EVENT_RECEIVED],
    );
    expect(rows).toHaveLength(events.length);
    const recorded = new Map(rows.map((row) => [row.data.source.id, row]));
    for (const event of events) {
      const { correlationId, causationId, ...source } = event;
      const row = recorded.get(event.id);
      expect(row).toMatchObject({
        stream_id: sourceStreamId('content', event.streamId),
        stream_type: SOURCE_STREAM_TYPE,
        data: { source: { service: 'content', ...source } },
        metadata: { workspaceId: event.workspaceId, actorId: event.actorId, correlationId, causationId },
      });
    }
    // The two events of one source stream, in one batch, take versions 1 and 2 in the order they came.
    const [first, second] = [recorded.get(events[2].id)!, recorded.get(events[4].id)!];
    expect([first.stream_version, second.stream_version]).toEqual([1, 2]);
    expect(second.transaction_id).toBe(first.transaction_id);
    const others = events.filter((e) => e.streamId !== shared).map((e) => recorded.get(e.id)!);
    expect(others.map((row) => row.stream_version)).toEqual(others.map(() => 1));
    // The messages queued behind the first were written by one transaction.
    expect(new Set(events.slice(1).map((e) => recorded.get(e.id)!.transaction_id)).size).toBe(1);
    expect(recorded.get(events[0].id)!.transaction_id).not.toBe(first.transaction_id);
    const streams = await h.pool.query<{ version: number }>(`SELECT version::int AS version FROM "${h.schema}".streams WHERE stream_id = $1`, [
      sourceStreamId('content', shared),
    ]);
    expect(streams.rows).toEqual([{ version: 2 }]);
  });
});
