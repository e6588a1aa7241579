import type { NestExpressApplication } from '@nestjs/platform-express';
import { mintDevToken, type Role } from '@lib/auth';
import { createHttpApp } from '@lib/service-kit';
import { dropSchema, freePort, PrivateNatsServer, TEST_DATABASE_URL, testPool, uniqueSchemaName } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ContentModule } from '../src/content.module';

export const JWT_SECRET = 'content-e2e-secret-long-enough-for-hs256';

/** A workspace and its members, one per role, with their tokens. */
export class Workspace {
  readonly id = randomUUID();
  private readonly users = new Map<Role, string>();

  userId(role: Role): string {
    let id = this.users.get(role);
    if (!id) this.users.set(role, (id = randomUUID()));
    return id;
  }

  token(role: Role): Promise<string> {
    return mintDevToken({ sub: this.userId(role), ws: this.id, role, secret: JWT_SECRET });
  }
}

export interface CallOptions {
  /** A role of `as` (default: the app's first workspace), or a raw Authorization header value. */
  role?: Role;
  as?: Workspace;
  authorization?: string;
  /** An object is sent as JSON; a string as it is, with content-type application/json. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON. */
  json: T;
}

/**
 * The content service built in this process, as main.ts builds it, on a fresh schema of the
 * test database, a private NATS server and a free port; talked to over HTTP.
 */
export class ContentApp {
  readonly workspace = new Workspace();

  private constructor(
    readonly app: NestExpressApplication,
    readonly base: string,
    readonly schema: string,
    readonly pool: Pool,
    readonly nats: PrivateNatsServer,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ContentApp> {
    const nats = await PrivateNatsServer.start();
    const schema = uniqueSchemaName('content_e2e');
    const pool = testPool(4);
    try {
      const app = await createHttpApp(
        ContentModule.forRoot({
          env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, NATS_URL: nats.url, JWT_SECRET, LOG_LEVEL: 'silent', ...env },
        }),
      );
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      return new ContentApp(app, `http://127.0.0.1:${port}`, schema, pool, nats);
    } catch (error) {
      await nats.dispose();
      await dropSchema(pool, schema);
      await pool.end();
      throw error;
    }
  }

  async call<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (options.role) headers.authorization = `Bearer ${await (options.as ?? this.workspace).token(options.role)}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(`${this.base}${path}`, { method, headers, body });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (undefined as T);
    return { status: response.status, headers: response.headers, text, json };
  }

  /** Rows of the schema's event store: what any write would add to. */
  async eventCount(): Promise<number> {
    const result = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${this.schema}".events`);
    return result.rows[0].n;
  }

  async dispose(): Promise<void> {
    await this.app.close();
    await this.nats.dispose();
    await dropSchema(this.pool, this.schema);
    await this.pool.end();
  }
}

export type RouteTarget = 'post' | 'template' | 'projection' | 'none';

/** One endpoint of the API, with what it takes when called well. */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** As OpenAPI writes it: `/v1/posts/{id}/media/{assetId}`. */
  path: string;
  permission: string;
  /** What `{id}` (or `{name}`) names. */
  target: RouteTarget;
  /** A body it accepts; routes without one take none, or `{}`. */
  body?: () => Record<string, unknown>;
  /** A query string it needs. */
  query?: string;
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Every route of the content API: the tests go over all of them. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/posts', permission: 'post.write', target: 'none', body: () => ({ title: 'A post' }) },
  { method: 'GET', path: '/v1/posts', permission: 'post.read', target: 'none' },
  { method: 'GET', path: '/v1/posts/{id}', permission: 'post.read', target: 'post' },
  { method: 'GET', path: '/v1/posts/{id}/history', permission: 'post.read', target: 'post' },
  { method: 'PATCH', path: '/v1/posts/{id}', permission: 'post.write', target: 'post', body: () => ({ title: 'Edited' }) },
  { method: 'POST', path: '/v1/posts/{id}/media', permission: 'post.write', target: 'post', body: () => ({ assetId: randomUUID() }) },
  { method: 'DELETE', path: '/v1/posts/{id}/media/{assetId}', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/submit', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/approve', permission: 'post.approve', target: 'post', body: () => ({ comment: 'Fine' }) },
  { method: 'POST', path: '/v1/posts/{id}/reject', permission: 'post.approve', target: 'post', body: () => ({ reason: 'Not yet' }) },
  {
    method: 'POST',
    path: '/v1/posts/{id}/schedule',
    permission: 'post.write',
    target: 'post',
    body: () => ({ scheduledAt: inAnHour(), timeZone: 'Europe/Paris' }),
  },
  { method: 'POST', path: '/v1/posts/{id}/unschedule', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/publish', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/archive', permission: 'post.write', target: 'post', body: () => ({ reason: 'Old' }) },
  { method: 'GET', path: '/v1/calendar', permission: 'post.read', target: 'none', query: 'from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z' },
  { method: 'POST', path: '/v1/templates', permission: 'template.write', target: 'none', body: () => ({ name: `T ${randomUUID()}`, body: 'Hi {{name}}' }) },
  { method: 'GET', path: '/v1/templates', permission: 'template.read', target: 'none' },
  { method: 'GET', path: '/v1/templates/{id}', permission: 'template.read', target: 'template' },
  { method: 'PATCH', path: '/v1/templates/{id}', permission: 'template.write', target: 'template', body: () => ({ category: 'greetings' }) },
  { method: 'DELETE', path: '/v1/templates/{id}', permission: 'template.write', target: 'template' },
  { method: 'GET', path: '/v1/admin/projections', permission: 'projection.read', target: 'none' },
  { method: 'POST', path: '/v1/admin/projections/{name}/rebuild', permission: 'projection.rebuild', target: 'projection' },
];

export interface RouteIds {
  post?: string;
  template?: string;
  asset?: string;
  projection?: string;
}

/** The route's URL with its parameters filled in (and its required query string). */
export function urlOf(route: Route, ids: RouteIds): string {
  const id = route.target === 'post' ? ids.post : route.target === 'template' ? ids.template : undefined;
  const path = route.path
    .replace('{id}', id ?? '')
    .replace('{assetId}', ids.asset ?? randomUUID())
    .replace('{name}', ids.projection ?? 'post_summaries');
  return route.query ? `${path}?${route.query}` : path;
}

export function describeRoute(route: Route): string {
  return `${route.method} ${route.path}`;
}
