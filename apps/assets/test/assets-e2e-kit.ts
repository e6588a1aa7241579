import type { Role } from '@lib/auth';
import { eventually, HttpTestApp, TestWorkspace, type Answer } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Clock } from '@lib/service-kit';
import { AssetsModule } from '../src/assets.module';
import { pngBytes } from './fixtures/media-files';

export const JWT_SECRET = 'assets-e2e-secret-long-enough-for-hs256';

/**
 * How long a read model may take to show a write. Readers see only what committed before every
 * transaction in flight on the whole server started: while other work holds long transactions
 * on the shared test server, that takes seconds.
 */
export const SETTLE_TIMEOUT_MS = 60_000;
/** For a test that waits for the read models at several steps. */
export const STEPWISE_TEST_TIMEOUT_MS = 300_000;

/** Retries an assertion on the read models until it holds, for up to SETTLE_TIMEOUT_MS. */
export function settled<T>(assertion: () => Promise<T>): Promise<T> {
  return eventually(assertion, SETTLE_TIMEOUT_MS, 100);
}

/** A clock a test moves by hand, starting at the real time. */
export class MovableClock {
  private offsetMs = 0;

  readonly now: Clock = () => new Date(Date.now() + this.offsetMs);

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface AssetsAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
}

/**
 * The assets service built in this process, as main.ts builds it (see HttpTestApp), with its own
 * data directory for the local blob storage, removed again by dispose().
 */
export class AssetsApp {
  private constructor(
    readonly api: HttpTestApp,
    readonly dataDir: string,
  ) {}

  static async start(options: AssetsAppOptions = {}): Promise<AssetsApp> {
    const dataDir = await mkdtemp(join(tmpdir(), 'assets-e2e-'));
    try {
      const api = await HttpTestApp.start((env) => AssetsModule.forRoot({ env, clock: options.clock }), {
        schemaPrefix: 'assets_e2e',
        env: { ASSETS_DATA_DIR: dataDir, ...options.env },
        jwtSecret: JWT_SECRET,
      });
      return new AssetsApp(api, dataDir);
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get workspace(): TestWorkspace {
    return this.api.workspace;
  }

  call<T = Record<string, unknown>>(method: string, path: string, options: Parameters<HttpTestApp['call']>[2] = {}): Promise<Answer<T>> {
    return this.api.call<T>(method, path, options);
  }

  /** POSTs a multipart upload to /v1/workspace-assets. */
  async upload<T = Record<string, unknown>>(form: UploadForm, as: { role?: Role; workspace?: TestWorkspace } = {}): Promise<Answer<T>> {
    const token = await (as.workspace ?? this.workspace).token(as.role ?? 'editor');
    const response = await fetch(`${this.api.base}/v1/workspace-assets${form.query ?? ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...form.headers },
      body: form.body(),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (undefined as T);
    return { status: response.status, headers: response.headers, text, json };
  }

  /** GETs a file route, as bytes; by default as the editor, who uploads and saves in these tests. */
  async download(path: string, headers: Record<string, string> = {}, role: Role = 'editor', as: TestWorkspace = this.workspace): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const response = await fetch(`${this.api.base}${path}`, { headers: { authorization: `Bearer ${await as.token(role)}`, ...headers } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  eventCount(): Promise<number> {
    return this.api.eventCount();
  }

  /** Rows of one of the service's tables. */
  async rows(table: string, orderBy = '1'): Promise<Record<string, unknown>[]> {
    return (await this.api.pool.query(`SELECT * FROM "${this.api.schema}"."${table}" ORDER BY ${orderBy}`)).rows;
  }

  /** Every file under the data directory (blobs and temp files), relative to it, sorted. */
  async files(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else found.push(relative(this.dataDir, path));
      }
    };
    await walk(this.dataDir);
    return found.sort();
  }

  async dispose(): Promise<void> {
    await this.api.dispose();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export interface FilePart {
  bytes: Buffer;
  /** The part's declared Content-Type. */
  type: string;
  filename?: string;
}

/** A multipart/form-data body, built fresh for each send (fetch consumes it). */
export interface UploadForm {
  body(): FormData;
  headers?: Record<string, string>;
  query?: string;
}

/** The text fields of a valid upload of the job's first asset. */
export function generationFields(over: Record<string, string> = {}): Record<string, string> {
  return {
    jobId: randomUUID(),
    assetIndex: '0',
    generationSeed: '421337',
    prompt: 'a red fox in fresh snow, golden hour',
    model: 'flux-1-dev',
    settings: JSON.stringify({ steps: 28, guidance: 3.5 }),
    ...over,
  };
}

export function uploadForm(fields: Record<string, string>, files: FilePart[] = [{ bytes: pngBytes({ width: 8, height: 8 }), type: 'image/png', filename: 'fox.png' }]): UploadForm {
  return {
    body: () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      for (const { bytes, type, filename } of files) form.append('file', new Blob([bytes], { type }), filename ?? 'asset');
      return form;
    },
  };
}

export type RouteTarget = 'workspace-asset' | 'library-item' | 'collection' | 'projection' | 'none';

/** One endpoint of the API, with what it takes when called well. */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** As OpenAPI writes it. */
  path: string;
  permission: string;
  /** What `{id}` (or `{name}`) names. */
  target: RouteTarget;
  /** A JSON body it accepts; routes without one take none, or `{}`. */
  body?: () => Record<string, unknown>;
  /** A multipart upload, not JSON. */
  multipart?: boolean;
}

/** Every route of the assets API: the tests go over all of them. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/workspace-assets', permission: 'workspace-asset.write', target: 'none', multipart: true },
  { method: 'GET', path: '/v1/workspace-assets', permission: 'workspace-asset.read', target: 'none' },
  { method: 'GET', path: '/v1/workspace-assets/{id}', permission: 'workspace-asset.read', target: 'workspace-asset' },
  { method: 'GET', path: '/v1/workspace-assets/{id}/file', permission: 'workspace-asset.read', target: 'workspace-asset' },
  { method: 'POST', path: '/v1/workspace-assets/{id}/save', permission: 'library.write', target: 'workspace-asset', body: () => ({ title: 'Saved' }) },
  { method: 'DELETE', path: '/v1/workspace-assets/{id}', permission: 'workspace-asset.write', target: 'workspace-asset' },
  { method: 'GET', path: '/v1/library', permission: 'library.read', target: 'none' },
  { method: 'GET', path: '/v1/library/{id}', permission: 'library.read', target: 'library-item' },
  { method: 'GET', path: '/v1/library/{id}/file', permission: 'library.read', target: 'library-item' },
  { method: 'PATCH', path: '/v1/library/{id}', permission: 'library.write', target: 'library-item', body: () => ({ favorite: true }) },
  { method: 'POST', path: '/v1/library/{id}/move', permission: 'library.write', target: 'library-item', body: () => ({ collectionId: null }) },
  { method: 'DELETE', path: '/v1/library/{id}', permission: 'library.write', target: 'library-item' },
  { method: 'POST', path: '/v1/collections', permission: 'collection.write', target: 'none', body: () => ({ name: `C ${randomUUID()}` }) },
  { method: 'GET', path: '/v1/collections', permission: 'collection.read', target: 'none' },
  { method: 'GET', path: '/v1/collections/{id}', permission: 'collection.read', target: 'collection' },
  { method: 'PATCH', path: '/v1/collections/{id}', permission: 'collection.write', target: 'collection', body: () => ({ name: 'Renamed' }) },
  { method: 'DELETE', path: '/v1/collections/{id}', permission: 'collection.write', target: 'collection' },
  { method: 'PUT', path: '/v1/collections/{id}/items', permission: 'collection.write', target: 'collection', body: () => ({ ids: [randomUUID()] }) },
  { method: 'GET', path: '/v1/admin/projections', permission: 'projection.read', target: 'none' },
  { method: 'POST', path: '/v1/admin/projections/{name}/rebuild', permission: 'projection.rebuild', target: 'projection' },
];

export type RouteIds = Partial<Record<Exclude<RouteTarget, 'none'>, string>>;

/** The route's URL with its parameter filled in. */
export function urlOf(route: Route, ids: RouteIds): string {
  return route.path.replace('{id}', route.target === 'none' || route.target === 'projection' ? '' : (ids[route.target] ?? '')).replace('{name}', ids.projection ?? 'staging');
}

export function describeRoute(route: Route): string {
  return `${route.method} ${route.path}`;
}
