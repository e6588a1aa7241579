import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'pg';
import { mintDevToken } from '@lib/auth';
import { PrivateNatsServer, PrivatePostgresServer, ServiceProcess, eventually } from '@lib/testing';

/**
 * Guarantee 5: the content service runs as its own process (the build the start command runs)
 * under a steady load of post lifecycles, while the service, NATS and PostgreSQL are each killed
 * and restarted. Afterwards nothing acknowledged is lost, every read model equals a rebuild,
 * NATS holds each event exactly once, and no post was published twice to a platform.
 */
const SCHEMA = 'content';

describe('content service: crash anywhere, lose nothing', () => {
  let postgres: PrivatePostgresServer;
  let nats: PrivateNatsServer;
  let service: ServiceProcess;
  const workspace = randomUUID();
  let editor: string;
  let admin: string;
  let owner: string;

  beforeAll(async () => {
    [postgres, nats] = await Promise.all([PrivatePostgresServer.start(), PrivateNatsServer.start()]);
    [editor, admin, owner] = await Promise.all(
      (['editor', 'admin', 'owner'] as const).map((role) => mintDevToken({ sub: randomUUID(), ws: workspace, role, expiresIn: '1h' })),
    );
    service = await ServiceProcess.start({
      service: 'content',
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: postgres.url,
        DATABASE_SCHEMA: SCHEMA,
        NATS_URL: nats.url,
        LOG_LEVEL: 'warn',
        PUBLISHER: 'sandbox',
        SCHEDULER_INTERVAL_MS: '100',
        PUBLISH_WORKER_POLL_MS: '100',
        PUBLISH_RETRY_BASE_MS: '50',
        PUBLISH_RETRY_MAX_MS: '500',
        PUBLISH_LEASE_MS: '2000',
        PUBLISHER_WEBHOOK_TIMEOUT_MS: '1000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await service?.kill();
    await nats?.dispose();
    postgres?.dispose();
  });

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${service.url}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  it('ends with every acknowledged command kept, read models equal to a rebuild, and each event once on NATS', async () => {
    try {
      await crashAndRecover();
    } catch (error) {
      // The service's own account of what went wrong is the first thing to read.
      if (error instanceof Error) error.message += `\n--- service log (tail) ---\n${service.logTail()}`;
      throw error;
    }
  }, 180_000);

  async function crashAndRecover(): Promise<void> {
    const created = new Set<string>();
    const publishAcknowledged = new Set<string>();
    let running = true;

    // Each step is retried until acknowledged, as a client would; failures during outages are expected.
    const until2xx = async (step: () => Promise<{ status: number; json: Record<string, unknown> }>): Promise<Record<string, unknown> | null> => {
      while (running) {
        try {
          const { status, json } = await step();
          if (status >= 200 && status < 300) return json;
          if (status === 409) return null; // a retried step that had in fact succeeded before the crash
          if (status < 500 && status !== 404) throw new Error(`unexpected ${status}: ${JSON.stringify(json)}`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    };

    const lifecycle = async (): Promise<void> => {
      while (running) {
        const draft = await until2xx(() =>
          call('POST', '/posts', editor, { title: `post ${created.size}`, body: 'hello', variants: [{ platform: 'linkedin' }, { platform: 'x' }] }),
        );
        if (!draft) return;
        const id = String(draft.id);
        created.add(id);
        if (!(await until2xx(() => call('POST', `/posts/${id}/submit`, editor)))) continue;
        if (!(await until2xx(() => call('POST', `/posts/${id}/approve`, admin, {})))) continue;
        if (await until2xx(() => call('POST', `/posts/${id}/publish`, editor))) publishAcknowledged.add(id);
      }
    };

    const load = Promise.all(Array.from({ length: 3 }, lifecycle));
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(1500);
    await service.kill();
    await service.restart();
    await pause(1500);
    await nats.stop('SIGKILL');
    await pause(500);
    await nats.restart();
    await pause(1500);
    postgres.stop('immediate');
    await pause(500);
    await postgres.restart();
    await pause(1500);
    running = false;
    await load;

    expect(created.size).toBeGreaterThan(5);
    expect(publishAcknowledged.size).toBeGreaterThan(2);

    // Everything settles: every acknowledged publish is published, projections and relay have no lag.
    await eventually(
      async () => {
        for (const id of publishAcknowledged) expect((await call('GET', `/posts/${id}`, editor)).json.status).toBe('published');
        const { json } = await call('GET', '/admin/projections', owner);
        const projections = (json.items ?? json) as Array<{ lagEvents: number }>;
        expect(projections.length).toBeGreaterThan(0);
        for (const projection of projections) expect(projection.lagEvents).toBe(0);
        const metrics = await (await fetch(`${service.url}/metrics`)).text();
        expect(metrics).toMatch(/outbox_relay_lag_events\{[^}]*\} 0/);
      },
      60_000,
      250,
    );
    for (const id of created) expect((await call('GET', `/posts/${id}`, editor)).status).toBe(200);

    const pool = new Pool({ connectionString: postgres.url, max: 2 });
    try {
      // Each read model equals its rebuild from the events.
      const snapshot = async (table: string) => (await pool.query(`SELECT * FROM "${SCHEMA}".${table} ORDER BY 1`)).rows;
      for (const [projection, table] of [
        ['post_summaries', 'post_summaries'],
        ['templates', 'templates'],
      ]) {
        const live = await snapshot(table);
        expect((await call('POST', `/admin/projections/${projection}/rebuild`, owner)).status).toBeLessThan(300);
        expect(await snapshot(table)).toEqual(live);
      }

      // No post published twice to one platform.
      const twice = await pool.query(`SELECT idempotency_key, count(*) FROM "${SCHEMA}".sandbox_publications GROUP BY 1 HAVING count(*) > 1`);
      expect(twice.rows).toEqual([]);
      const published = await pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".sandbox_publications`);
      expect(published.rows[0].n).toBeGreaterThanOrEqual(publishAcknowledged.size * 2);

      // NATS holds every event of the store exactly once.
      const events = await pool.query<{ event_id: string }>(`SELECT event_id FROM "${SCHEMA}".events ORDER BY position`);
      const connection = await connect({ servers: nats.url });
      try {
        const info = await (await jetstreamManager(connection)).streams.info('CONTENT');
        expect(info.state.messages).toBe(events.rows.length);
        const consumer = await jetstream(connection).consumers.get('CONTENT', { deliver_policy: DeliverPolicy.All });
        const seen: string[] = [];
        const messages = await consumer.fetch({ max_messages: events.rows.length, expires: 5_000 });
        for await (const message of messages) {
          seen.push(message.headers?.get('Nats-Msg-Id') ?? '');
          if (seen.length === events.rows.length) break;
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(new Set(seen)).toEqual(new Set(events.rows.map((r) => r.event_id)));
      } finally {
        await connection.close();
      }
    } finally {
      await pool.end();
    }
  }
});
