import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { PostgresEventStore, START, type GlobalCheckpoint } from '@lib/event-store';
import { EventHeaders, OutboxRelay, type OutboxRelayOptions } from '@lib/messaging';
import { eventually, testPool } from '@lib/testing';
import {
  appendPosts,
  killConnections,
  metadata,
  metricValue,
  readCheckpoint,
  RecordingLogger,
  startHarness,
  streamMessages,
  type Harness,
} from './support';

describe('OutboxRelay', () => {
  let h: Harness;
  const relays: OutboxRelay[] = [];

  beforeEach(async () => {
    h = await startHarness('relay');
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await h.dispose();
  });

  function relay(options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    const instance = new OutboxRelay({
      service: 'content',
      pool: h.pool,
      store: h.store,
      connection: h.connection,
      pollIntervalMs: 200,
      lockRetryMs: 100,
      retryBaseMs: 50,
      retryMaxMs: 500,
      logger: new RecordingLogger(),
      ...options,
    });
    relays.push(instance);
    instance.start();
    return instance;
  }

  async function storeOrder(): Promise<string[]> {
    const ids: string[] = [];
    let checkpoint: GlobalCheckpoint = START;
    for (;;) {
      const batch = await h.store.readAll(checkpoint, { limit: 1000 });
      if (batch.events.length === 0) return ids;
      ids.push(...batch.events.map((e) => e.id));
      checkpoint = batch.checkpoint;
    }
  }

  it('publishes an event held back by an older transaction as soon as that one ends, though no NOTIFY follows it (no polling)', async () => {
    relay({ pollIntervalMs: 60_000 });
    await appendPosts(h.store, 1);
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(1));
    // An older transaction that appends nothing (so its commit sends no NOTIFY) holds the horizon.
    const slow = await h.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      await appendPosts(h.store, 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(1);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    // Without looking again on its own, the relay would wait for the minute-long poll.
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(2), 5_000);
  });

  it('publishes every event once, in store order, with Nats-Msg-Id = event id and the event headers', async () => {
    // Concurrent appends commit out of position order: store order is (transaction id, position).
    await Promise.all([appendPosts(h.store, 10), appendPosts(h.store, 10, 'PostPublished', 100), appendPosts(h.store, 10, 'PostDrafted', 200)]);
    const registry = new Registry();
    relay({ batchSize: 7, registry });

    const messages = await eventually(async () => {
      const all = await streamMessages(h.jsm, 'CONTENT');
      expect(all).toHaveLength(30);
      return all;
    });
    const expected = await storeOrder();
    expect(messages.map((m) => m.header.get('Nats-Msg-Id'))).toEqual(expected);
    const envelope = messages[0].json<{ id: string; type: string; workspaceId: string; correlationId: string; position: number }>();
    expect(envelope.id).toBe(expected[0]);
    expect(messages[0].subject).toBe(envelope.type === 'PostPublished' ? 'content.post.published' : 'content.post.drafted');
    expect(messages[0].header.get(EventHeaders.type)).toBe(envelope.type);
    expect(messages[0].header.get(EventHeaders.schemaVersion)).toBe('1');
    expect(messages[0].header.get(EventHeaders.workspaceId)).toBe(envelope.workspaceId);
    expect(messages[0].header.get(EventHeaders.correlationId)).toBe(envelope.correlationId);

    const last = (await h.store.readAll(START, { limit: 1000 })).checkpoint;
    await eventually(async () => expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual(last));
    await eventually(async () => expect(await metricValue(registry, 'outbox_relay_lag_events')).toBe(0));
    expect(await metricValue(registry, 'outbox_relay_published_total', { relay: 'content-outbox' })).toBe(30);

    // A restarted relay resumes from its checkpoint and publishes nothing twice.
    await relays[0].stop();
    relay({ registry });
    await appendPosts(h.store, 1);
    await eventually(async () => expect(await metricValue(registry, 'outbox_relay_published_total')).toBe(31));
    expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(31);
  });

  it('moves the checkpoint only after the publish acks', async () => {
    await appendPosts(h.store, 12);
    const seen: { stored: number; publishedSoFar: number; checkpoint: GlobalCheckpoint | null; previous: GlobalCheckpoint }[] = [];
    let publishedSoFar = 0;
    let previous: GlobalCheckpoint = START;
    relay({
      batchSize: 5,
      onPublishedBeforeCheckpoint: async (published) => {
        publishedSoFar += published.length;
        const { state } = await h.jsm.streams.info('CONTENT');
        seen.push({ stored: state.messages, publishedSoFar, checkpoint: await readCheckpoint(h.pool, h.schema, 'content-outbox'), previous });
        const last = published[published.length - 1];
        previous = { transactionId: last.transactionId, position: last.position };
      },
    });
    await eventually(async () => {
      expect(seen).toHaveLength(3);
      expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual(previous);
    });
    for (const s of seen) {
      expect(s.stored).toBe(s.publishedSoFar); // acknowledged means stored
      expect(s.checkpoint).toEqual(s.previous); // and the checkpoint has not moved yet
    }
  });

  it('never moves its checkpoint past a publish that failed, even when later publishes of its batch were acknowledged', async () => {
    const before = await appendPosts(h.store, 2);
    // Over NATS's 1 MB max_payload: this publish fails every time, while the ones around it in the batch succeed.
    await h.store.appendToStream(`post-${randomUUID()}`, [{ type: 'PostDrafted', data: { n: 2, body: 'x'.repeat(2 * 1024 * 1024) } }], {
      streamType: 'post',
      expectedVersion: 'no_stream',
      metadata: metadata(),
    });
    await appendPosts(h.store, 2, 'PostDrafted', 3);
    const registry = new Registry();
    relay({ batchSize: 10, registry });

    await eventually(async () => expect(await metricValue(registry, 'outbox_relay_failures_total')).toBeGreaterThanOrEqual(2), 30_000);
    const visible = (await h.store.readAll(START, { limit: 10 })).events;
    const lastGood = visible[1];
    expect(lastGood.id).toBe(before[1]);
    expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual({ transactionId: lastGood.transactionId, position: lastGood.position });
    expect((await streamMessages(h.jsm, 'CONTENT')).map((m) => m.header.get('Nats-Msg-Id')).slice(0, 2)).toEqual(before);
  });

  it('passes over the events shouldPublish refuses, publishing none of them, and moves its checkpoint past them', async () => {
    // Events a service keeps for itself, as analytics keeps its copies of other services' events.
    const appendInternal = async (count: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let n = 0; n < count; n++) {
        const id = randomUUID();
        await h.store.appendToStream(`source-content-${randomUUID()}`, [{ id, type: 'SourceEventReceived', data: { n } }], {
          streamType: 'source',
          expectedVersion: 'no_stream',
          metadata: metadata(),
        });
        ids.push(id);
      }
      return ids;
    };
    const first = await appendPosts(h.store, 3);
    await appendInternal(3);
    const second = await appendPosts(h.store, 2);
    const asked: string[] = [];
    const hooked: string[] = [];
    const registry = new Registry();
    relay({
      batchSize: 4, // batches mixing both kinds
      registry,
      shouldPublish: (event) => {
        asked.push(event.id);
        return event.streamType !== 'source';
      },
      onPublishedBeforeCheckpoint: (published) => void hooked.push(...published.map((e) => e.id)),
    });

    // The store's head once all 8 events are visible (a transaction elsewhere on the server may hold them back a while).
    const visibleHead = async (count: number) => {
      const read = await h.store.readAll(START, { limit: 1000 });
      expect(read.events).toHaveLength(count);
      return read.checkpoint;
    };
    const head = await eventually(() => visibleHead(8));
    await eventually(async () => expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual(head));
    expect((await streamMessages(h.jsm, 'CONTENT')).map((m) => m.header.get('Nats-Msg-Id'))).toEqual([...first, ...second]);
    expect(asked).toEqual(await storeOrder());
    expect(hooked).toEqual([...first, ...second]);
    expect(await metricValue(registry, 'outbox_relay_published_total')).toBe(5);
    await eventually(async () => expect(await metricValue(registry, 'outbox_relay_lag_events')).toBe(0));

    // A batch of nothing but refused events moves the checkpoint too.
    await appendInternal(2);
    const after = await eventually(() => visibleHead(10));
    await eventually(async () => expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual(after));
    expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(5);
    expect(hooked).toHaveLength(5);
  });

  it('keeps its checkpoint while NATS is down and catches up, without duplicates, when it is back', async () => {
    const registry = new Registry();
    relay({ registry, publishTimeoutMs: 1000 });
    const before = await appendPosts(h.store, 5);
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(5));
    await eventually(async () => expect((await readCheckpoint(h.pool, h.schema, 'content-outbox'))?.position).toBeGreaterThan(0));
    const checkpoint = await readCheckpoint(h.pool, h.schema, 'content-outbox');

    await h.nats.stop();
    const during = await appendPosts(h.store, 5);
    await eventually(async () => expect(await metricValue(registry, 'outbox_relay_failures_total')).toBeGreaterThanOrEqual(2), 20_000);
    expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual(checkpoint);
    expect(await metricValue(registry, 'outbox_relay_lag_events')).toBeGreaterThan(0);

    await h.nats.restart();
    const after = await appendPosts(h.store, 5);
    const messages = await eventually(async () => {
      const all = await streamMessages(h.jsm, 'CONTENT');
      expect(all).toHaveLength(15);
      return all;
    }, 30_000);
    expect(new Set(messages.map((m) => m.header.get('Nats-Msg-Id')))).toEqual(new Set([...before, ...during, ...after]));
  });

  it('survives its database connections being killed', async () => {
    const first = relay();
    await appendPosts(h.store, 3);
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(3));
    expect(first.isLeader).toBe(true);

    expect(await killConnections(h)).toBeGreaterThan(0);
    // Appended from a pool of its own: the harness pool may still hold killed idle connections.
    const writerPool = testPool(2);
    try {
      await appendPosts(new PostgresEventStore(writerPool, { schema: h.schema }), 3);
    } finally {
      await writerPool.end();
    }
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(6), 20_000);
    await eventually(() => expect(first.isLeader).toBe(true));
  });

  it('runs one relay at a time per store; another takes over when the leader stops', async () => {
    const publishedBy = new Map<string, string[]>([
      ['a', []],
      ['b', []],
    ]);
    const track = (who: string) => ({ onPublishedBeforeCheckpoint: (events: readonly { id: string }[]) => void publishedBy.get(who)!.push(...events.map((e) => e.id)) });
    const a = relay(track('a'));
    await eventually(() => expect(a.isLeader).toBe(true));
    const b = relay(track('b'));

    const firstIds = await appendPosts(h.store, 10);
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(10));
    expect(publishedBy.get('a')).toEqual(firstIds);
    expect(publishedBy.get('b')).toEqual([]);
    expect(b.isLeader).toBe(false);

    await a.stop();
    await eventually(() => expect(b.isLeader).toBe(true));
    const secondIds = await appendPosts(h.store, 10);
    await eventually(async () => expect(await streamMessages(h.jsm, 'CONTENT')).toHaveLength(20));
    expect(publishedBy.get('b')).toEqual(secondIds);
    expect(publishedBy.get('a')).toEqual(firstIds);
  });

  it('gives relays of different names their own lock and checkpoint', async () => {
    const other = relay({ name: `other-${randomUUID().slice(0, 8)}` });
    const main = relay();
    await eventually(() => expect(other.isLeader && main.isLeader).toBe(true));
  });
});
