import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule, JWT_VERIFIER_OPTIONS, type JwtVerifierOptions, type PermissionMap } from '@lib/auth';
import { LoggerModule } from 'nestjs-pino';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { loadServiceConfig, ServiceConfig, type ConfigClass } from './config/service-config';
import { DependencyHealth, HealthController } from './health/health.controller';
import { createPgPool, PG_POOL, PgPoolCloser } from './infra/database';
import { connectServiceNats, NATS_CONNECTION, NatsConnectionCloser } from './infra/nats';
import { loggerParams } from './logging';
import { createMetricsRegistry, HttpMetrics, METRICS_REGISTRY, MetricsController } from './metrics/metrics';

/** What a service's message transports are built from. */
export interface TransportInfrastructure<C extends ServiceConfig = ServiceConfig> {
  readonly config: C;
  readonly pool: Pool;
  readonly registry: Registry;
}

/** The transports of ServiceKitOptions.transports, built; createHttpApp connects and starts them. */
export const MESSAGE_TRANSPORTS = Symbol('MESSAGE_TRANSPORTS');

export interface ServiceKitOptions<C extends ServiceConfig = ServiceConfig> {
  /** e.g. `content`: the default of SERVICE_NAME and DATABASE_SCHEMA. */
  readonly serviceName: string;
  /** The service's permission table, enforced by the global AuthGuard. */
  readonly permissions: PermissionMap;
  /** The service's config class when it adds variables; injectable by that class. */
  readonly config?: ConfigClass<C>;
  /** Read instead of process.env; for tests that run several apps in one process. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Message transports to run beside HTTP (a hybrid app), e.g. a JetStreamTransport whose
   * `@EventPattern` handlers are in the service's controllers. Declared here, with the module,
   * so that every app built from it (main.ts and tests alike) consumes the same way.
   */
  readonly transports?: (infrastructure: TransportInfrastructure<C>) => CustomTransportStrategy[];
}

/**
 * Everything a service needs besides its own modules: validated config, pino logging, the
 * global AuthGuard, PostgreSQL pool and NATS connection (PG_POOL, NATS_CONNECTION), /health
 * and /metrics. Global: its providers are injectable everywhere. Import it once, in the root
 * module, and boot with createHttpApp/bootstrapService.
 */
@Module({})
export class ServiceKitModule {
  static forRoot<C extends ServiceConfig>(options: ServiceKitOptions<C>): DynamicModule {
    const schema: ConfigClass<ServiceConfig> = options.config ?? ServiceConfig;
    // Read at DI time, not here: this runs when the root module's file is imported.
    const load = (): ServiceConfig => loadServiceConfig(schema, options.serviceName, options.env ?? process.env);
    const configAlias: Provider[] = schema === ServiceConfig ? [] : [{ provide: schema, useExisting: ServiceConfig }];
    return {
      module: ServiceKitModule,
      global: true,
      imports: [
        // For code that prefers ConfigService.get('PORT'); the same validated values.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [load] }),
        LoggerModule.forRootAsync({ inject: [ServiceConfig], useFactory: loggerParams }),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        AuthModule.forRoot({ permissions: options.permissions }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ServiceConfig, useFactory: load },
        ...configAlias,
        { provide: JWT_VERIFIER_OPTIONS, useFactory: jwtOptions, inject: [ServiceConfig] },
        { provide: PG_POOL, useFactory: createPgPool, inject: [ServiceConfig] },
        PgPoolCloser,
        { provide: NATS_CONNECTION, useFactory: connectServiceNats, inject: [ServiceConfig] },
        NatsConnectionCloser,
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry, inject: [ServiceConfig] },
        HttpMetrics,
        DependencyHealth,
        {
          provide: MESSAGE_TRANSPORTS,
          useFactory: (config: C, pool: Pool, registry: Registry): CustomTransportStrategy[] => options.transports?.({ config, pool, registry }) ?? [],
          inject: [schema, PG_POOL, METRICS_REGISTRY],
        },
      ],
      exports: [ServiceConfig, ...(schema === ServiceConfig ? [] : [schema]), JWT_VERIFIER_OPTIONS, PG_POOL, NATS_CONNECTION, METRICS_REGISTRY, HttpMetrics],
    };
  }
}

function jwtOptions(config: ServiceConfig): JwtVerifierOptions {
  return {
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    requireExplicitKey: config.NODE_ENV === 'production',
  };
}
