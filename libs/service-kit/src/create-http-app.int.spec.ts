import 'reflect-metadata';
import { Body, Controller, Get, Injectable, Module, Patch, Post, Query, type INestApplication, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CurrentActor, mintDevToken, Permission, Public, type Actor, type Role } from '@lib/auth';
import { ConcurrencyError } from '@lib/event-store';
import { eventually, freePort, PrivateNatsServer, TEST_DATABASE_URL } from '@lib/testing';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { CorrelationId } from './http/correlation-id';
import { createHttpApp, SOCKET_IDLE_TIMEOUT_MS } from './http/create-http-app';
import { DomainRuleError, NotFoundError, PreconditionFailedError } from './http/errors';
import { IfMatchVersion } from './http/if-match';
import { decodeCursor, encodeCursor, PageOf, PageQuery, toPage, type Page } from './pagination/pagination';
import { ServiceConfig } from './config/service-config';
import { ServiceKitModule } from './service-kit.module';
import { IsIanaTimeZone, UuidParam } from './validation/validators';

const JWT_SECRET = 'int-test-secret-long-enough-for-hs256!';
const PERMISSIONS = { 'widget.read': 'viewer', 'widget.write': 'editor', 'widget.approve': 'admin' } as const;

class CreateWidgetDto {
  @ApiProperty() @IsString() @MaxLength(100) name!: string;
  @ApiProperty() @IsInt() @Min(0) count!: number;
  @ApiPropertyOptional() @IsOptional() @IsIanaTimeZone() timeZone?: string;
}

class WidgetRef {
  @ApiProperty() index!: number;
}

const isIndex = (value: unknown): value is number => Number.isInteger(value);

@Controller('widgets')
class WidgetsController {
  @Post()
  @Permission('widget.write')
  create(@Body() dto: CreateWidgetDto, @CurrentActor() actor: Actor, @CorrelationId() correlationId: string) {
    return { ...dto, isDto: dto instanceof CreateWidgetDto, createdBy: actor.userId, workspaceId: actor.workspaceId, correlationId };
  }

  @Get()
  @Permission('widget.read')
  @ApiOkResponse({ type: PageOf(WidgetRef) })
  list(@Query() query: PageQuery): Page<WidgetRef> {
    const start = query.cursor ? decodeCursor(query.cursor, isIndex) + 1 : 0;
    const rows = Array.from({ length: 5 }, (_, index) => ({ index })).slice(start, start + query.limit + 1);
    return toPage(rows, query.limit, (last) => last.index);
  }

  @Get(':id')
  @Permission('widget.read')
  get(@UuidParam('id') id: string): never {
    throw new NotFoundError(`Widget ${id} not found`);
  }

  @Patch(':id')
  @Permission('widget.write')
  update(@UuidParam('id') id: string, @IfMatchVersion() expected: number | undefined) {
    if (expected !== 3) throw new PreconditionFailedError(`Widget ${id} is at version 3`, { currentVersion: 3 });
    return { id, version: 4 };
  }

  @Post(':id/approve')
  @Permission('widget.approve')
  approve(): never {
    throw new DomainRuleError('A draft widget cannot be approved');
  }

  @Post(':id/race')
  @Permission('widget.write')
  race(): never {
    throw new ConcurrencyError('widget-1', 2, 3);
  }

  @Get('boom/now')
  @Public()
  boom(): never {
    throw new Error('connection string postgres://secret@db leaked?');
  }
}

function kitModule(env: Record<string, string>, controllers: Array<new () => unknown> = [WidgetsController]) {
  @Module({
    imports: [ServiceKitModule.forRoot({ serviceName: 'kit-test', permissions: PERMISSIONS, env: { LOG_LEVEL: 'silent', ...env } })],
    controllers,
  })
  class KitTestModule {}
  return KitTestModule;
}

describe('createHttpApp', () => {
  let nats: PrivateNatsServer;
  let app: INestApplication;
  let base: string;
  const ws = randomUUID();
  const user = randomUUID();
  const token = (role: Role) => mintDevToken({ sub: user, ws, role, secret: JWT_SECRET });

  async function call(method: string, path: string, options: { role?: Role; body?: string | object; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.role) headers.authorization = `Bearer ${await token(options.role)}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: typeof options.body === 'string' ? options.body : options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, text, json: type.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    app = await createHttpApp(
      kitModule({ DATABASE_URL: TEST_DATABASE_URL, NATS_URL: nats.url, JWT_SECRET, HTTP_BODY_LIMIT: '1kb' }),
      { title: 'Kit test', description: 'A tiny service' },
    );
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    await nats?.dispose();
  });

  describe('bad input is refused whole', () => {
    const valid = { name: 'Spring launch', count: 2, timeZone: 'Europe/Paris' };

    it('accepts a valid body, transformed into the DTO, with the actor and correlation id', async () => {
      const { status, json, headers } = await call('POST', '/v1/widgets', { role: 'editor', body: valid, headers: { 'x-correlation-id': 'req-123' } });
      expect(status).toBe(201);
      expect(json).toEqual({ ...valid, isDto: true, createdBy: user, workspaceId: ws, correlationId: 'req-123' });
      expect(headers.get('x-correlation-id')).toBe('req-123');
    });

    it('generates a correlation id when none (or a bad one) is sent', async () => {
      const { headers, json } = await call('POST', '/v1/widgets', { role: 'editor', body: valid, headers: { 'x-correlation-id': 'bad id with spaces' } });
      expect(headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(json?.correlationId).toBe(headers.get('x-correlation-id'));
    });

    it('answers 400 naming an unknown field', async () => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body: { ...valid, ownerId: 'me' } });
      expect(status).toBe(400);
      expect(json).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['property ownerId should not exist'],
        details: { fields: { ownerId: ['property ownerId should not exist'] } },
      });
    });

    it('answers 400 for wrong types and missing fields, one message each', async () => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body: { count: '2', timeZone: '+01:00' } });
      expect(status).toBe(400);
      expect(json?.message).toEqual(
        expect.arrayContaining([
          'name must be a string',
          'count must be an integer number',
          'timeZone must be an IANA time zone such as Europe/Paris',
        ]),
      );
      expect(Object.keys((json?.details as { fields: object }).fields).sort()).toEqual(['count', 'name', 'timeZone']);
    });

    it('answers 400 for a body that is not a JSON object', async () => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body: '[1,2]' });
      expect(status).toBe(400);
      expect(json?.message).toBe('Request body must be a JSON object');
    });

    it('answers 400 with JSON for malformed JSON', async () => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body: '{"name": "x",' });
      expect(status).toBe(400);
      expect(json).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/^Request body is not valid JSON: /) });
    });

    it.each([
      ['a NUL in a value', '{"name":"a\\u0000b","count":1}', 'body.name'],
      ['a lone high surrogate in a value', '{"name":"x\\ud800","count":1}', 'body.name'],
      ['a lone low surrogate in a nested value', '{"name":"x","count":1,"tags":[{"a":"ok"},{"b":"\\udc00y"}]}', 'body.tags[1].b'],
      ['a NUL in a key', '{"name":"x","count":1,"meta":{"k\\u0000":1}}', 'body.meta["k\\u0000"]'],
      ['a lone surrogate in a key', '{"name":"x","count":1,"meta":{"\\ud800":1}}', 'body.meta["\\ud800"]'],
    ])('answers 400 for %s, naming where, in the error body shape', async (_name, body, path) => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body });
      expect(status).toBe(400);
      expect(json).toEqual({ statusCode: 400, error: 'Bad Request', message: `Request body contains a NUL character or an unpaired surrogate at ${path}` });
    });

    it('accepts paired surrogates (an emoji) and other control characters', async () => {
      const { status, json } = await call('POST', '/v1/widgets', { role: 'editor', body: '{"name":"\\ud83d\\ude80 \\u0001","count":1}' });
      expect(status).toBe(201);
      expect(json?.name).toBe('\u{1F680} \u0001');
    });

    it('answers 413 with JSON for a body over the limit', async () => {
      const { status, json, headers } = await call('POST', '/v1/widgets', { role: 'editor', body: { ...valid, name: 'x'.repeat(2048) } });
      expect(status).toBe(413);
      expect(json).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Request body is larger than the 1kb limit' });
      expect(headers.get('x-correlation-id')).toBeTruthy();
    });

    it('answers 400 for bad query parameters and a forged cursor', async () => {
      expect((await call('GET', '/v1/widgets?limit=0', { role: 'viewer' })).json?.message).toEqual(['limit must not be less than 1']);
      expect((await call('GET', '/v1/widgets?limit=ten', { role: 'viewer' })).status).toBe(400);
      expect((await call('GET', '/v1/widgets?sort=name', { role: 'viewer' })).json?.message).toEqual(['property sort should not exist']);
      const forged = await call('GET', `/v1/widgets?cursor=${encodeCursor('not-an-index')}`, { role: 'viewer' });
      expect(forged.status).toBe(400);
      expect(forged.json?.message).toBe('cursor is not a cursor returned by this API');
    });

    it('answers 400 for a path id that is not a UUID', async () => {
      const { status, json } = await call('GET', '/v1/widgets/42', { role: 'viewer' });
      expect(status).toBe(400);
      expect(json?.message).toBe('id must be a UUID');
    });
  });

  it('lets a long upload run past the default 5-minute request limit, cutting only sockets idle for 2 minutes', () => {
    const server = app.getHttpServer() as HttpServer;
    expect(server.requestTimeout).toBe(0);
    expect(server.timeout).toBe(SOCKET_IDLE_TIMEOUT_MS);
    expect(SOCKET_IDLE_TIMEOUT_MS).toBe(120_000);
  });

  it('provides the validated config, typed and through ConfigService', () => {
    expect(app.get(ServiceConfig)).toMatchObject({ SERVICE_NAME: 'kit-test', DATABASE_SCHEMA: 'kit_test', HTTP_BODY_LIMIT: '1kb', PORT: 3000 });
    expect(app.get(ConfigService).get('DATABASE_POOL_MAX')).toBe(10);
  });

  it('pages with cursors', async () => {
    const first = await call('GET', '/v1/widgets?limit=2', { role: 'viewer' });
    expect(first.json).toEqual({ items: [{ index: 0 }, { index: 1 }], nextCursor: expect.any(String) });
    const second = await call('GET', `/v1/widgets?limit=3&cursor=${first.json?.nextCursor as string}`, { role: 'viewer' });
    expect(second.json).toEqual({ items: [{ index: 2 }, { index: 3 }, { index: 4 }], nextCursor: null });
  });

  it('authenticates and authorises through the global guard', async () => {
    const none = await call('GET', '/v1/widgets');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.json).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('Missing bearer token') });
    const forbidden = await call('POST', '/v1/widgets', { role: 'viewer', body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json?.message).toBe('Role "viewer" may not "widget.write"; it needs "editor" or higher');
  });

  it('maps domain errors to statuses with { statusCode, error, message, details? }', async () => {
    const id = randomUUID();
    expect((await call('GET', `/v1/widgets/${id}`, { role: 'viewer' })).json).toEqual({ statusCode: 404, error: 'Not Found', message: `Widget ${id} not found` });
    expect((await call('POST', `/v1/widgets/${id}/approve`, { role: 'admin' })).json).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'A draft widget cannot be approved',
    });
    expect((await call('POST', `/v1/widgets/${id}/race`, { role: 'editor' })).json).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'The resource was changed by another request; reload it and retry',
      details: { currentVersion: 3 },
    });
    const stale = await call('PATCH', `/v1/widgets/${id}`, { role: 'editor', headers: { 'if-match': '"2"' } });
    expect(stale.json).toEqual({ statusCode: 412, error: 'Precondition Failed', message: `Widget ${id} is at version 3`, details: { currentVersion: 3 } });
    expect((await call('PATCH', `/v1/widgets/${id}`, { role: 'editor', headers: { 'if-match': '"3"' } })).status).toBe(200);
    expect((await call('PATCH', `/v1/widgets/${id}`, { role: 'editor', headers: { 'if-match': 'garbage' } })).status).toBe(400);
  });

  it('answers an unexpected error with a bare 500', async () => {
    const { status, text } = await call('GET', '/v1/widgets/boom/now');
    expect(status).toBe(500);
    expect(JSON.parse(text)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
  });

  it('serves /health, /metrics and /docs outside /v1', async () => {
    expect((await call('GET', '/v1/health')).status).toBe(404);
    expect((await call('GET', '/docs')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
  });

  it('exposes the HTTP duration histogram by route pattern, method and status', async () => {
    await call('GET', `/v1/widgets/${randomUUID()}`, { role: 'viewer' });
    await call('GET', '/no/such/route');
    const { text, headers } = await call('GET', '/metrics');
    expect(headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(/http_request_duration_seconds_count\{service="kit-test",route="\/v1\/widgets\/:id",method="GET",status="404"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",service="kit-test",route="\/v1\/widgets",method="POST",status="201"\}/);
    expect(text).toMatch(/route="<unmatched>",method="GET",status="404"/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toMatch(/route="\/v1\/widgets\/[0-9a-f]{8}-/);
    expect(text).not.toContain('*path');
  });

  it('documents the routes in /docs-json with bearer auth and minimum roles', async () => {
    const { json } = await call('GET', '/docs-json');
    const doc = json as { info: { title: string }; paths: Record<string, Record<string, Record<string, unknown>>>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.info.title).toBe('Kit test');
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
    const create = doc.paths['/v1/widgets']?.post;
    expect(create?.security).toEqual([{ bearer: [] }]);
    expect(create?.['x-permission']).toBe('widget.write');
    expect(create?.['x-minimum-role']).toBe('editor');
    expect(create?.description).toContain('role editor or higher');
    expect(doc.paths['/v1/widgets/{id}/approve']?.post?.['x-minimum-role']).toBe('admin');
    expect(doc.paths['/health']?.get?.security).toBeUndefined();
    const listSchema = (doc.paths['/v1/widgets']?.get?.responses as Record<string, { content: Record<string, { schema: { $ref: string } }> }>)['200'];
    expect(listSchema?.content['application/json']?.schema.$ref).toBe('#/components/schemas/PageOfWidgetRef');
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('reports /health 200 with PostgreSQL and NATS up, 503 naming NATS once it stops, 200 after it returns', async () => {
    const up = await call('GET', '/health');
    expect(up.status).toBe(200);
    expect(up.json).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, nats: { status: 'up' } } });

    await nats.stop();
    const down = await call('GET', '/health');
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ status: 'error', info: { database: { status: 'up' } }, error: { nats: { status: 'down' } } });

    await nats.restart();
    await eventually(async () => expect((await call('GET', '/health')).status).toBe(200), 15_000, 250);
  });
});

describe('/health with PostgreSQL unreachable', () => {
  it('answers 503 naming the database', async () => {
    const nats = await PrivateNatsServer.start();
    const deadPort = await freePort();
    const app = await createHttpApp(kitModule({ DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/test`, NATS_URL: nats.url, JWT_SECRET }));
    try {
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } }, info: { nats: { status: 'up' } } });
    } finally {
      await app.close();
      await nats.dispose();
    }
  });
});

describe('createHttpApp refuses to start', () => {
  let nats: PrivateNatsServer;
  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
  });
  afterAll(() => nats.dispose());

  it('with an invalid configuration, listing the variables', async () => {
    await expect(createHttpApp(kitModule({ PORT: 'x', NATS_URL: 'localhost' }))).rejects.toThrow(
      /Invalid configuration for service "kit-test":\n {2}- PORT .*\n {2}- NATS_URL/,
    );
  });

  it('when NATS does not answer, naming NATS_URL without its credentials', async () => {
    const deadPort = await freePort();
    await expect(
      createHttpApp(kitModule({ DATABASE_URL: TEST_DATABASE_URL, NATS_URL: `nats://user:pw@127.0.0.1:${deadPort}`, JWT_SECRET })),
    ).rejects.toThrow(`Cannot connect to NATS at nats://127.0.0.1:${deadPort} (NATS_URL)`);
  });

  it('in production without a token key', async () => {
    await expect(createHttpApp(kitModule({ NODE_ENV: 'production', DATABASE_URL: TEST_DATABASE_URL, NATS_URL: nats.url }))).rejects.toThrow(
      'JWT_SECRET or JWT_JWKS_URL must be set in production',
    );
  });

  it('with a route that declares no access', async () => {
    @Controller('leaky')
    class LeakyController {
      @Get() everything(): string[] {
        return [];
      }
    }
    await expect(createHttpApp(kitModule({ DATABASE_URL: TEST_DATABASE_URL, NATS_URL: nats.url, JWT_SECRET }, [LeakyController]))).rejects.toThrow(
      'GET /leaky (LeakyController.everything): declares neither @Permission() nor @Public()',
    );
  });
});

describe('createHttpApp with message transports', () => {
  const steps: string[] = [];

  /** Records when service-kit starts and stops it, against the app's own lifecycle hooks. */
  class RecordingTransport extends Server implements CustomTransportStrategy {
    constructor(readonly schema: string) {
      super();
    }

    listen(callback: () => void): void {
      steps.push(`transport listens (schema ${this.schema})`);
      callback();
    }

    close(): void {
      steps.push('transport closes');
    }

    on(): void {}

    unwrap<T>(): T {
      throw new Error('nothing to unwrap');
    }
  }

  @Injectable()
  class Runtime implements OnApplicationBootstrap, OnApplicationShutdown {
    onApplicationBootstrap(): void {
      steps.push('bootstrap');
    }

    onApplicationShutdown(): void {
      steps.push('shutdown');
    }
  }

  /** An API route named like the Prometheus endpoint: it keeps its /v1 prefix. */
  @Controller('metrics')
  class ReportsController {
    @Post()
    @Permission('widget.write')
    report(): { recorded: boolean } {
      return { recorded: true };
    }
  }

  it('starts them after the bootstrap hooks, and stops them after the HTTP server, before the shutdown hooks', async () => {
    const nats = await PrivateNatsServer.start();
    @Module({
      imports: [
        ServiceKitModule.forRoot({
          serviceName: 'kit-test',
          permissions: PERMISSIONS,
          env: { LOG_LEVEL: 'silent', DATABASE_URL: TEST_DATABASE_URL, NATS_URL: nats.url, JWT_SECRET },
          transports: ({ config }) => [new RecordingTransport(config.DATABASE_SCHEMA)],
        }),
      ],
      controllers: [ReportsController],
      providers: [Runtime],
    })
    class HybridModule {}
    const app = await createHttpApp(HybridModule);
    try {
      expect(steps).toEqual(['bootstrap', 'transport listens (schema kit_test)']);
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      const token = await mintDevToken({ sub: randomUUID(), ws: randomUUID(), role: 'editor', secret: JWT_SECRET });
      const posted = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(posted.status).toBe(201);
      expect(await posted.json()).toEqual({ recorded: true });
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(await scraped.text()).toContain('# TYPE http_request_duration_seconds histogram');
    } finally {
      await app.close();
      await nats.dispose();
    }
    expect(steps).toEqual(['bootstrap', 'transport listens (schema kit_test)', 'transport closes', 'shutdown']);
  });
});
