import type { NatsConnection } from '@nats-io/transport-node';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { ANALYTICS_PUBLISHED_STREAM_TYPES } from '@lib/contracts';
import type { PostgresEventStore } from '@lib/event-store';
import { JetStreamTransport, OutboxRelay } from '@lib/messaging';
import { type Clock, METRICS_REGISTRY, NATS_CONNECTION, PG_POOL, PROJECTIONS_ADMIN, type ProjectionsAdmin, ProjectionsAdminController, ServiceKitModule, systemClock, type TransportInfrastructure } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createAnalyticsEventStore } from './analytics-event-store';
import { AnalyticsRuntime } from './analytics-runtime';
import { AnalyticsConfig } from './analytics.config';
import { ANALYTICS_PERMISSIONS } from './analytics.permissions';
import { ANALYTICS_EVENT_STORE, CLOCK } from './analytics.tokens';
import { IngestionController } from './http/ingestion/ingestion.controller';
import { QueriesController } from './http/queries/queries.controller';
import { IngestionService, ingestionLimitsFromConfig } from './ingestion/ingestion.service';
import { AnalyticsProjections } from './projections';
import { TimeseriesQueries } from './query';
import { SourceEventsConsumer } from './sources/source-events.consumer';
import { PartitionMaintainer } from './timeseries/partition-maintainer';

export interface AnalyticsModuleOptions {
  /** Read instead of process.env; tests give each app its own schema and NATS. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The service's time; tests move it to see what is late or in the future. Default the system's. */
  readonly clock?: Clock;
}

/** Only batches are integration events; a SourceEventReceived is another service's event again. */
const PUBLISHED_STREAM_TYPES = new Set<string>(ANALYTICS_PUBLISHED_STREAM_TYPES);

/** The analytics service: metric and event ingestion, the other services' activity, time-series queries. */
@Module({})
export class AnalyticsModule {
  static forRoot(options: AnalyticsModuleOptions = {}): DynamicModule {
    return {
      module: AnalyticsModule,
      imports: [
        ServiceKitModule.forRoot({
          serviceName: 'analytics',
          config: AnalyticsConfig,
          permissions: ANALYTICS_PERMISSIONS,
          env: options.env,
          transports: sourceEventTransports,
        }),
      ],
      controllers: [IngestionController, QueriesController, ProjectionsAdminController, SourceEventsConsumer],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: ANALYTICS_EVENT_STORE,
          useFactory: (pool: Pool, config: AnalyticsConfig) => createAnalyticsEventStore(pool, config.DATABASE_SCHEMA),
          inject: [PG_POOL, AnalyticsConfig],
        },
        {
          provide: IngestionService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock, config: AnalyticsConfig) =>
            new IngestionService(pool, store, clock, ingestionLimitsFromConfig(config)),
          inject: [PG_POOL, ANALYTICS_EVENT_STORE, CLOCK, AnalyticsConfig],
        },
        {
          provide: TimeseriesQueries,
          useFactory: (pool: Pool, clock: Clock, config: AnalyticsConfig) =>
            new TimeseriesQueries(pool, config.DATABASE_SCHEMA, { now: clock, rawRetentionDays: config.ANALYTICS_RAW_RETENTION_DAYS }),
          inject: [PG_POOL, CLOCK, AnalyticsConfig],
        },
        {
          provide: AnalyticsProjections,
          useFactory: (pool: Pool, store: PostgresEventStore, registry: Registry, maintainer: PartitionMaintainer) => {
            const logger = new Logger('Projections');
            // The runner retries, records the failure as lastError and dead-letters what keeps failing.
            return new AnalyticsProjections(pool, store, registry, maintainer, (projection, error) =>
              logger.warn(`${projection}: ${error instanceof Error ? error.message : String(error)}`),
            );
          },
          inject: [PG_POOL, ANALYTICS_EVENT_STORE, METRICS_REGISTRY, PartitionMaintainer],
        },
        { provide: PROJECTIONS_ADMIN, useFactory: (projections: AnalyticsProjections): ProjectionsAdmin => projections, inject: [AnalyticsProjections] },
        {
          provide: PartitionMaintainer,
          useFactory: (pool: Pool, clock: Clock, config: AnalyticsConfig) => {
            const logger = new Logger('Partitions');
            // Hourly (its default); a failed run is tried again at the next one.
            return new PartitionMaintainer({
              pool,
              schema: config.DATABASE_SCHEMA,
              rawRetentionDays: config.ANALYTICS_RAW_RETENTION_DAYS,
              partitionsAheadMonths: config.ANALYTICS_PARTITIONS_AHEAD_MONTHS,
              now: clock,
              onError: (error) => logger.warn(`Partition maintenance failed: ${error instanceof Error ? error.message : String(error)}`),
            });
          },
          inject: [PG_POOL, CLOCK, AnalyticsConfig],
        },
        {
          provide: OutboxRelay,
          useFactory: (pool: Pool, store: PostgresEventStore, connection: NatsConnection, registry: Registry) =>
            new OutboxRelay({
              service: 'analytics',
              pool,
              store,
              connection,
              registry,
              logger: new Logger('OutboxRelay'),
              shouldPublish: (event) => PUBLISHED_STREAM_TYPES.has(event.streamType),
            }),
          inject: [PG_POOL, ANALYTICS_EVENT_STORE, NATS_CONNECTION, METRICS_REGISTRY],
        },
        AnalyticsRuntime,
      ],
    };
  }
}

/**
 * The consumer of the other services' events (SourceEventsConsumer's handlers), on its own NATS
 * connection; service-kit starts it once AnalyticsRuntime has the inbox table and the streams.
 */
function sourceEventTransports({ config, pool, registry }: TransportInfrastructure<AnalyticsConfig>): CustomTransportStrategy[] {
  return [
    new JetStreamTransport({
      service: 'analytics',
      servers: config.NATS_URL.split(','),
      pool,
      schema: config.DATABASE_SCHEMA,
      registry,
      // Recording a source event is order-independent (any version; the projection's maths does not
      // depend on order), so two transactions run at once, each taking the messages that queued
      // meanwhile: more would mostly add open transactions holding back every reader by position.
      concurrency: 2,
      logger: new Logger('SourceEvents'),
    }),
  ];
}
