import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Pool } from 'pg';
import type { Role } from '@lib/auth';
import { PrivateNatsServer } from './nats-server';
import { freePort } from './ports';
import { dropSchema, TEST_DATABASE_URL, testPool, uniqueSchemaName } from './postgres';

// @lib/auth and @lib/service-kit (Nest) are loaded on first use, not imported: every test file
// imports this library, most of them for a schema or a NATS server only, and loading Nest
// would add most of a second to each.

/** The app's JWT_SECRET and the workspaces' signing secret when a test names none. */
export const TEST_JWT_SECRET = 'http-test-app-secret-long-enough-for-hs256';

/** A workspace and its members, one per role, with their tokens. */
export class TestWorkspace {
  readonly id = randomUUID();
  private readonly users = new Map<Role, string>();

  /** `secret`: what the app under test verifies tokens with. */
  constructor(private readonly secret: string = TEST_JWT_SECRET) {}

  userId(role: Role): string {
    let id = this.users.get(role);
    if (!id) this.users.set(role, (id = randomUUID()));
    return id;
  }

  async token(role: Role): Promise<string> {
    const { mintDevToken } = await import('@lib/auth');
    return mintDevToken({ sub: this.userId(role), ws: this.id, role, secret: this.secret });
  }
}

export interface CallOptions {
  /** A role of `as` (default: the app's first workspace), or a raw Authorization header value. */
  role?: Role;
  as?: TestWorkspace;
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

export interface HttpTestAppOptions {
  /** The fresh schema is `<schemaPrefix>_<random>`. */
  schemaPrefix: string;
  /** Added to the environment the module gets (and overriding it). */
  env?: Record<string, string>;
  /** The app's JWT_SECRET and the one its workspaces sign with; default TEST_JWT_SECRET. */
  jwtSecret?: string;
}

/** Builds the service's root module from an environment, as `forRoot({ env })` does. */
export type HttpTestModuleFactory = (env: Readonly<Record<string, string>>) => DynamicModule;

/**
 * A service built in this process, as its main.ts builds it (`createHttpApp`), on a fresh schema
 * of the test database, a private NATS server and a free port; talked to over HTTP.
 */
export class HttpTestApp {
  readonly workspace: TestWorkspace;

  private constructor(
    readonly app: NestExpressApplication,
    readonly base: string,
    readonly schema: string,
    readonly pool: Pool,
    readonly nats: PrivateNatsServer,
    jwtSecret: string,
  ) {
    this.workspace = new TestWorkspace(jwtSecret);
  }

  /**
   * `env` of the module: DATABASE_URL (the test database), DATABASE_SCHEMA, NATS_URL, JWT_SECRET,
   * LOG_LEVEL=silent, then `options.env`.
   */
  static async start(moduleFactory: HttpTestModuleFactory, options: HttpTestAppOptions): Promise<HttpTestApp> {
    const { createHttpApp } = await import('@lib/service-kit');
    const jwtSecret = options.jwtSecret ?? TEST_JWT_SECRET;
    const nats = await PrivateNatsServer.start();
    const schema = uniqueSchemaName(options.schemaPrefix);
    const pool = testPool(4);
    let app: NestExpressApplication | undefined;
    try {
      app = await createHttpApp(
        moduleFactory({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, NATS_URL: nats.url, JWT_SECRET: jwtSecret, LOG_LEVEL: 'silent', ...options.env }),
      );
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      return new HttpTestApp(app, `http://127.0.0.1:${port}`, schema, pool, nats, jwtSecret);
    } catch (error) {
      await app?.close().catch(() => undefined);
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
