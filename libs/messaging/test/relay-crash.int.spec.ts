import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { START } from '@lib/event-store';
import { JetStreamConsumerRunner, OutboxRelay } from '@lib/messaging';
import { eventually, TEST_DATABASE_URL } from '@lib/testing';
import {
  appendPosts,
  appliedRows,
  createAppliedTable,
  inboxCount,
  metricValue,
  readCheckpoint,
  RecordingLogger,
  startHarness,
  streamMessages,
  type Harness,
} from './support';

const REGISTER = join(__dirname, 'fixtures', 'register.js');
const RELAY_CHILD = join(__dirname, 'fixtures', 'relay-child.ts');

describe('OutboxRelay killed between publish and checkpoint', () => {
  let h: Harness;
  let runner: JetStreamConsumerRunner;
  let relay: OutboxRelay | null = null;

  beforeAll(async () => {
    h = await startHarness('relay_crash');
    await createAppliedTable(h.pool, h.schema);
    runner = new JetStreamConsumerRunner({
      connection: h.connection,
      pool: h.pool,
      schema: h.schema,
      logger: new RecordingLogger(),
      consumers: [
        {
          durable: 'analytics-crash',
          source: 'content',
          filterSubject: 'content.>',
          handle: async (event, ctx) => {
            await ctx.client.query(`INSERT INTO "${h.schema}".applied (event_id, n, durable) VALUES ($1, $2, $3)`, [event.id, event.data.n, ctx.durable]);
          },
        },
      ],
    });
    await runner.start();
  });
  afterAll(async () => {
    await relay?.stop();
    await runner.close();
    await h.dispose();
  });

  it('republishes after a SIGKILL without duplicates, and the consumer applies every event once', async () => {
    await appendPosts(h.store, 20);
    // Visible once every older transaction on the server (other test files too) has ended.
    const events = await eventually(async () => {
      const visible = (await h.store.readAll(START, { limit: 100 })).events;
      expect(visible).toHaveLength(20);
      return visible;
    });

    // Batches of 5: events 1-10 are published and checkpointed, 11-15 published, then the kill.
    const child = spawn(process.execPath, ['--require', REGISTER, RELAY_CHILD], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, SCHEMA: h.schema, NATS_URL: h.nats.url, KILL_AFTER_EVENT_ID: events[11].id, BATCH_SIZE: '5' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect({ ...exit, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });

    expect((await streamMessages(h.jsm, 'CONTENT')).map((m) => m.header.get('Nats-Msg-Id'))).toEqual(events.slice(0, 15).map((e) => e.id));
    expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual({ transactionId: events[9].transactionId, position: events[9].position });

    // The dead child's session (and its advisory lock) is gone: a new relay takes over from the checkpoint.
    const registry = new Registry();
    relay = new OutboxRelay({ service: 'content', pool: h.pool, store: h.store, connection: h.connection, pollIntervalMs: 100, lockRetryMs: 100, registry, logger: new RecordingLogger() });
    relay.start();
    await eventually(async () =>
      expect(await readCheckpoint(h.pool, h.schema, 'content-outbox')).toEqual({ transactionId: events[19].transactionId, position: events[19].position }),
    );
    const ids = (await streamMessages(h.jsm, 'CONTENT')).map((m) => m.header.get('Nats-Msg-Id'));
    expect(ids).toEqual(events.map((e) => e.id));
    // 11-15 were published again (acknowledged as duplicates, JetStream kept one of each), then 16-20.
    expect(await metricValue(registry, 'outbox_relay_published_total')).toBe(10);

    await eventually(async () => expect(await appliedRows(h.pool, h.schema)).toHaveLength(20));
    expect((await appliedRows(h.pool, h.schema)).map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(await inboxCount(h.pool, h.schema, 'analytics-crash')).toBe(20);
  });
});
