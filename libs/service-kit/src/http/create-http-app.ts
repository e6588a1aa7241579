import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AUTH_PERMISSIONS, BEARER_AUTH, MINIMUM_ROLE_EXTENSION, minimumRole, PERMISSION_EXTENSION, type PermissionMap } from '@lib/auth';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError, ServiceConfig } from '../config/service-config';
import { HttpMetrics } from '../metrics/metrics';
import { MESSAGE_TRANSPORTS } from '../service-kit.module';
import { correlationIdMiddleware } from './correlation-id';
import { HttpErrorFilter } from './http-error.filter';
import { storableTextMiddleware } from './storable-text';
import { StrictValidationPipe } from './validation.pipe';
import { UndeclaredQueryInterceptor } from './undeclared-query.interceptor';

export interface HttpAppOptions {
  /** OpenAPI title; default `<service> service`. */
  readonly title?: string;
  readonly description?: string;
  /** OpenAPI document version; default `1`. */
  readonly version?: string;
}

export const API_PREFIX = 'v1';
/** A socket that sends or receives nothing this long is closed. */
export const SOCKET_IDLE_TIMEOUT_MS = 120_000;
/**
 * Operational endpoints stay outside /v1: probes and scrapers do not follow API versions. By
 * method, so that an API route of the same name (analytics' POST /v1/metrics) keeps its prefix.
 */
const UNPREFIXED = [
  { path: 'health', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

/**
 * Creates and initialises (but does not start) a service's HTTP app from a root module that
 * imports ServiceKitModule.forRoot(...). Initialising runs the route audit, so an endpoint with
 * no declared access fails here. Tests call this and then `app.listen(port, '127.0.0.1')`.
 * The module's message transports (ServiceKitOptions.transports) are started here, after the
 * bootstrap hooks, so their consumers find the service's tables and streams in place; closing
 * the app stops them right after the HTTP server, before the shutdown hooks.
 */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: HttpAppOptions = {}): Promise<NestExpressApplication> {
  // No default body parsers: configureHttpApp installs the JSON one with the configured limit.
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, abortOnError: false, bodyParser: false });
  try {
    configureHttpApp(app, options);
    await app.init();
    for (const strategy of app.get<CustomTransportStrategy[]>(MESSAGE_TRANSPORTS)) app.connectMicroservice({ strategy });
    await app.startAllMicroservices();
  } catch (error) {
    // Release the pool and the NATS connection the failed app already opened.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/**
 * The app-level half of the setup (the module-level half is ServiceKitModule), in order:
 * correlation id and metrics first so they see every request, then the JSON body parser with its
 * limit and the refusal of text PostgreSQL cannot store, the /v1 prefix, validation, error mapping and the OpenAPI document at /docs.
 */
function configureHttpApp(app: NestExpressApplication, options: HttpAppOptions = {}): void {
  const config = app.get(ServiceConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  const server = app.getHttpServer() as Server;
  // A 1 GiB upload on an ordinary link outlasts Node's 5-minute limit on a whole request; a
  // stalled client is still cut, by the idle limit on its socket.
  server.requestTimeout = 0;
  server.timeout = SOCKET_IDLE_TIMEOUT_MS;
  app.use(correlationIdMiddleware);
  app.use(app.get(HttpMetrics).middleware);
  app.useBodyParser('json', { limit: config.HTTP_BODY_LIMIT });
  app.use(storableTextMiddleware);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  app.useGlobalPipes(new StrictValidationPipe());
  app.useGlobalInterceptors(new UndeclaredQueryInterceptor());
  app.useGlobalFilters(new HttpErrorFilter(config.HTTP_BODY_LIMIT));
  setUpOpenApi(app, config, options);
}

function setUpOpenApi(app: NestExpressApplication, config: ServiceConfig, options: HttpAppOptions): void {
  const builder = new DocumentBuilder()
    .setTitle(options.title ?? `${config.SERVICE_NAME} service`)
    .setVersion(options.version ?? '1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Claims: sub (user), ws (workspace), role' },
      BEARER_AUTH,
    );
  if (options.description) builder.setDescription(options.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  annotateMinimumRoles(document, app.get<PermissionMap>(AUTH_PERMISSIONS));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: `${config.SERVICE_NAME} API` });
}

/** Puts each operation's minimum role next to its permission, where API clients look. */
function annotateMinimumRoles(document: OpenAPIObject, permissions: PermissionMap): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (typeof operation !== 'object' || operation === null) continue;
      const permission: unknown = Reflect.get(operation, PERMISSION_EXTENSION);
      const role = typeof permission === 'string' ? minimumRole(permissions, permission) : undefined;
      if (!role) continue;
      Reflect.set(operation, MINIMUM_ROLE_EXTENSION, role);
      const description: unknown = Reflect.get(operation, 'description');
      const requirement = `Requires permission \`${permission}\`: role ${role} or higher.`;
      Reflect.set(operation, 'description', typeof description === 'string' ? `${description}\n\n${requirement}` : requirement);
    }
  }
}

/**
 * The one way a service starts: create, listen on HOST:PORT, stop cleanly on SIGTERM/SIGINT.
 * A service that cannot start (bad configuration, NATS unreachable, port taken, a route with no
 * declared access) says why on stderr and exits 1.
 */
export async function bootstrapService(module: Type<unknown> | DynamicModule, options: HttpAppOptions = {}): Promise<NestExpressApplication> {
  try {
    const app = await createHttpApp(module, options);
    app.enableShutdownHooks();
    const { HOST, PORT, SERVICE_NAME } = app.get(ServiceConfig);
    await app.listen(PORT, HOST);
    app.get(Logger).log(`${SERVICE_NAME} listening on http://${HOST}:${PORT} (API /${API_PREFIX}, docs /docs, health, metrics)`);
    return app;
  } catch (error) {
    process.stderr.write(`Service failed to start: ${describeBootFailure(error)}\n`);
    process.exit(1);
  }
}

function describeBootFailure(error: unknown): string {
  // A configuration error's message is the whole story; anything else may need its stack.
  if (error instanceof ConfigValidationError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
