import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { connectNats, DEAD_LETTER_STREAM, ensureDurableConsumer, ensureJetStreamTopology } from '@lib/messaging';
import { PrivateNatsServer } from '@lib/testing';

describe('JetStream topology', () => {
  let nats: PrivateNatsServer;
  let connection: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    connection = await connectNats({ servers: nats.url, name: 'topology-test' });
    jsm = await jetstreamManager(connection);
  });
  afterAll(async () => {
    await connection.close();
    await nats.dispose();
  });

  async function streamNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    return names.sort();
  }

  it('creates one stream per service and the dead-letter stream, idempotently', async () => {
    await ensureJetStreamTopology(jsm, { streams: ['content', 'assets'], deadLetters: true });
    const first = await jsm.streams.info('CONTENT');
    await ensureJetStreamTopology(jsm, { streams: ['content', 'assets'], deadLetters: true });

    expect(await streamNames()).toEqual(['ASSETS', 'CONTENT', DEAD_LETTER_STREAM]);
    const again = await jsm.streams.info('CONTENT');
    expect(again.created).toEqual(first.created);
    expect(again.config).toEqual(first.config);
    expect(again.config).toMatchObject({
      subjects: ['content.>'],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: 0,
      duplicate_window: nanos(120_000),
    });
    expect((await jsm.streams.info(DEAD_LETTER_STREAM)).config.subjects).toEqual(['dead-letter.>']);
  });

  it('updates a stream whose configuration differs, keeping its messages', async () => {
    await ensureJetStreamTopology(jsm, { streams: ['campaigns'], deadLetters: false });
    await jetstream(connection).publish('campaigns.campaign.created', '{}');
    await ensureJetStreamTopology(jsm, { streams: ['campaigns'], deadLetters: false, maxAgeMs: 3_600_000 });
    const info = await jsm.streams.info('CAMPAIGNS');
    expect(info.config.max_age).toBe(nanos(3_600_000));
    expect(info.state.messages).toBe(1);
  });

  it('creates a durable pull consumer idempotently and updates its settings in place', async () => {
    await ensureJetStreamTopology(jsm, { streams: ['content'], deadLetters: true });
    const options = { durable: 'analytics-metrics', filterSubject: 'content.post.published', ackWaitMs: 30_000 };
    await ensureDurableConsumer(jsm, 'CONTENT', options);
    const first = await jsm.consumers.info('CONTENT', 'analytics-metrics');
    await ensureDurableConsumer(jsm, 'CONTENT', options);
    expect((await jsm.consumers.info('CONTENT', 'analytics-metrics')).created).toEqual(first.created);
    expect(first.config).toMatchObject({ durable_name: 'analytics-metrics', filter_subject: 'content.post.published', ack_policy: 'explicit', max_deliver: -1 });

    await ensureDurableConsumer(jsm, 'CONTENT', { ...options, ackWaitMs: 60_000 });
    const updated = await jsm.consumers.info('CONTENT', 'analytics-metrics');
    expect(updated.config.ack_wait).toBe(nanos(60_000));
    expect(updated.created).toEqual(first.created);

    await expect(ensureDurableConsumer(jsm, 'CONTENT', { ...options, filterSubject: 'content.>' })).rejects.toThrow(/filters content.post.published/);
  });
});
