import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { subjectFor, type EventEnvelope } from '@lib/contracts';
import { eventStoreSchemaSql, PostgresEventStore, type EventMetadata } from '@lib/event-store';
import { connectNats, ensureJetStreamTopology, messagingSchemaSql, type MessagingLogger } from '@lib/messaging';
import { dropSchema, PrivateNatsServer, TEST_DATABASE_URL, uniqueSchemaName } from '@lib/testing';

/** A throw-away schema with an event store and the messaging tables, and a private NATS with the topology. */
export interface Harness {
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
  nats: PrivateNatsServer;
  connection: NatsConnection;
  jsm: JetStreamManager;
  dispose(): Promise<void>;
}

export async function startHarness(prefix: string): Promise<Harness> {
  const schema = uniqueSchemaName(prefix);
  // Named after the schema, so a test can kill exactly its own connections.
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 20, application_name: schema });
  pool.on('error', () => undefined); // idle connections killed on purpose by some tests
  for (const statement of [...eventStoreSchemaSql(schema), ...messagingSchemaSql(schema)]) await pool.query(statement);
  const nats = await PrivateNatsServer.start();
  const connection = await connectNats({ servers: nats.url, name: `test-${prefix}` });
  const jsm = await jetstreamManager(connection);
  await ensureJetStreamTopology(jsm, { streams: ['content'], deadLetters: true });
  return {
    pool,
    schema,
    store: new PostgresEventStore(pool, { schema }),
    nats,
    connection,
    jsm,
    async dispose() {
      await connection.close();
      await nats.dispose();
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

export const workspaceId = randomUUID();

export function metadata(): EventMetadata {
  return { workspaceId, actorId: null, correlationId: randomUUID(), causationId: null };
}

/** Appends `count` events, one stream each, `PostDrafted` with `{ n }`; returns their ids in append order. */
export async function appendPosts(store: PostgresEventStore, count: number, type = 'PostDrafted', offset = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let n = offset; n < offset + count; n++) {
    const id = randomUUID();
    await store.appendToStream(`post-${randomUUID()}`, [{ id, type, data: { n } }], { streamType: 'post', expectedVersion: 'no_stream', metadata: metadata() });
    ids.push(id);
  }
  return ids;
}

/** Every message of a stream, in stream order. */
export async function streamMessages(jsm: JetStreamManager, stream: string): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(stream);
  const messages: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message) messages.push(message);
  }
  return messages;
}

/** Keeps what was logged, for assertions, without flooding the test output. */
export class RecordingLogger implements MessagingLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
  }
  error(message: string): void {
    this.lines.push(message);
  }
}

/** Sum of a counter's or gauge's values matching `labels`. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/** Terminates every connection this harness's pool opened (its application_name is the schema). */
export async function killConnections(harness: Harness): Promise<number> {
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    const result = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [harness.schema]);
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

export async function readCheckpoint(pool: Pool, schema: string, name: string): Promise<{ transactionId: string; position: number } | null> {
  const result = await pool.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text AS transaction_id, position FROM "${schema}".outbox_checkpoint WHERE name = $1`,
    [name],
  );
  return result.rows[0] ? { transactionId: result.rows[0].transaction_id, position: Number(result.rows[0].position) } : null;
}

/** An envelope as the relay would publish it, for consumer tests that publish by hand. */
export function envelope(n: number, type = 'PostDrafted'): EventEnvelope {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    streamType: 'post',
    streamId: `post-${randomUUID()}`,
    version: 1,
    position: n,
    occurredAt: new Date().toISOString(),
    ...metadata(),
    data: { n },
  };
}

/** Publishes an envelope to `content.post.<event>`; without `msgID` nothing stops a second copy. */
export async function publishEnvelope(connection: NatsConnection, event: EventEnvelope, msgID?: string): Promise<void> {
  await jetstream(connection).publish(subjectFor('content', event.streamType, event.type), JSON.stringify(event), msgID ? { msgID } : undefined);
}

/** A projection table for consumer tests: one row per application, deliberately without a key. */
export async function createAppliedTable(pool: Pool, schema: string): Promise<void> {
  await pool.query(`CREATE TABLE "${schema}".applied (event_id uuid NOT NULL, n int NOT NULL, durable text NOT NULL)`);
}

export async function appliedRows(pool: Pool, schema: string): Promise<{ event_id: string; n: number }[]> {
  return (await pool.query<{ event_id: string; n: number }>(`SELECT event_id, n FROM "${schema}".applied ORDER BY n`)).rows;
}

export async function inboxCount(pool: Pool, schema: string, consumer: string): Promise<number> {
  return Number((await pool.query<{ count: string }>(`SELECT count(*) FROM "${schema}".inbox WHERE consumer = $1`, [consumer])).rows[0].count);
}
