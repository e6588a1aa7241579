import { jetstreamManager } from '@nats-io/jetstream';
import { mintDevToken } from '@lib/auth';
import { connectNats } from '@lib/messaging';
import { dropSchema, eventually, PrivateNatsServer, ServiceProcess, TEST_DATABASE_URL, testPool, uniqueSchemaName } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { LibraryItemSummaryView, LibraryItemView } from '../src/library/library-item.views';
import type { StagedAssetView } from '../src/staging/staged-asset.views';
import { generationFields, SETTLE_TIMEOUT_MS, uploadForm } from './assets-e2e-kit';

const JWT_SECRET = 'media-usage-e2e-secret-long-enough-for-hs256';

/**
 * Content and assets as separate processes (the build `npm start` runs), on a private NATS and
 * their own schemas of the test database: attaching a library item to a post through content's
 * API raises the item's usage in the assets service, detaching lowers it, carried by content's
 * events over JetStream to the `assets-media-usage` consumer.
 */
describe('media usage: content → NATS → assets', () => {
  let nats: PrivateNatsServer;
  let pool: Pool;
  let dataDir: string;
  let content: ServiceProcess | undefined;
  let assets: ServiceProcess | undefined;
  const schemas = { content: uniqueSchemaName('content_usage'), assets: uniqueSchemaName('assets_usage') };
  let token: string;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    pool = testPool(2);
    dataDir = await mkdtemp(join(tmpdir(), 'assets-usage-'));
    token = await mintDevToken({ sub: randomUUID(), ws: randomUUID(), role: 'editor', secret: JWT_SECRET, expiresIn: '1h' });
    const env = (schema: string): Record<string, string> => ({
      NODE_ENV: 'test',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      NATS_URL: nats.url,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
    [content, assets] = await Promise.all([
      ServiceProcess.start({ service: 'content', env: env(schemas.content) }),
      ServiceProcess.start({ service: 'assets', env: { ...env(schemas.assets), ASSETS_DATA_DIR: dataDir } }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([content?.stop(), assets?.stop()]);
    await nats?.dispose();
    for (const schema of Object.values(schemas)) await dropSchema(pool, schema);
    await pool?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function call<T>(service: ServiceProcess | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    if (!service) throw new Error('the service did not start');
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  const usageOf = async (itemId: string): Promise<Pick<LibraryItemSummaryView, 'usageCount' | 'lastUsedAt'>> => {
    const { json } = await call<LibraryItemSummaryView>(assets, 'GET', `/v1/library/${itemId}`);
    return { usageCount: json.usageCount, lastUsedAt: json.lastUsedAt };
  };

  it('counts the posts a library item is attached to, as content attaches and detaches it', async () => {
    try {
      await attachAndDetach();
    } catch (error) {
      // The services' own account of what went wrong is the first thing to read.
      if (error instanceof Error) error.message += `\n--- content log (tail) ---\n${content?.logTail()}\n--- assets log (tail) ---\n${assets?.logTail()}`;
      throw error;
    }
  }, 300_000);

  async function attachAndDetach(): Promise<void> {
    const upload = await fetch(`${assets?.url}/v1/workspace-assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: uploadForm(generationFields()).body() });
    expect(upload.status).toBe(201);
    const staged = (await upload.json()) as StagedAssetView;
    const saved = await call<LibraryItemView>(assets, 'POST', `/v1/workspace-assets/${staged.id}/save`, { title: 'Launch visual' });
    expect(saved.status).toBe(201);
    const itemId = saved.json.id;
    await eventually(async () => expect(await usageOf(itemId)).toEqual({ usageCount: 0, lastUsedAt: null }), SETTLE_TIMEOUT_MS, 200);

    const post = await call<{ id: string }>(content, 'POST', '/v1/posts', { title: 'Launch day', body: 'We are live' });
    expect(post.status).toBe(201);
    expect((await call(content, 'POST', `/v1/posts/${post.json.id}/media`, { assetId: itemId })).status).toBe(200);
    await eventually(async () => expect(await usageOf(itemId)).toEqual({ usageCount: 1, lastUsedAt: expect.any(String) }), SETTLE_TIMEOUT_MS, 200);

    // A second post, drafted with the item among its media.
    const second = await call<{ id: string }>(content, 'POST', '/v1/posts', { title: 'Recap', mediaAssetIds: [itemId] });
    expect(second.status).toBe(201);
    await eventually(async () => expect((await usageOf(itemId)).usageCount).toBe(2), SETTLE_TIMEOUT_MS, 200);

    expect((await call(content, 'DELETE', `/v1/posts/${post.json.id}/media/${itemId}`)).status).toBe(200);
    await eventually(async () => expect((await usageOf(itemId)).usageCount).toBe(1), SETTLE_TIMEOUT_MS, 200);
    expect((await call(content, 'DELETE', `/v1/posts/${second.json.id}/media/${itemId}`)).status).toBe(200);
    await eventually(async () => expect(await usageOf(itemId)).toEqual({ usageCount: 0, lastUsedAt: expect.any(String) }), SETTLE_TIMEOUT_MS, 200);

    // Recorded in the assets store as SourceEventReceived, through the durable's inbox, and kept
    // inside: the outbox relay publishes the service's own events only.
    const received = await pool.query<{ type: string }>(
      `SELECT e.data->'source'->>'type' AS type FROM "${schemas.assets}".events AS e WHERE e.stream_type = 'source' ORDER BY e.position`,
    );
    expect(received.rows.map((row) => row.type).sort()).toEqual(['PostMediaAttached', 'PostMediaAttached', 'PostMediaDetached', 'PostMediaDetached']);
    const inbox = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schemas.assets}".inbox WHERE consumer = 'assets-media-usage'`);
    expect(inbox.rows[0].n).toBeGreaterThanOrEqual(4);
    const own = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schemas.assets}".events WHERE stream_type <> 'source'`);
    const connection = await connectNats({ servers: nats.url, name: 'media-usage-e2e' });
    try {
      const manager = await jetstreamManager(connection);
      await eventually(async () => expect((await manager.streams.info('ASSETS')).state.messages).toBe(own.rows[0].n), SETTLE_TIMEOUT_MS, 200);
    } finally {
      await connection.close();
    }
  }
});
