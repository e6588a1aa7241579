import type { NatsConnection } from '@nats-io/transport-node';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { SOURCE_STREAM_TYPE } from '@lib/contracts';
import type { PostgresEventStore } from '@lib/event-store';
import { JetStreamTransport, OutboxRelay } from '@lib/messaging';
import { type Clock, HEALTH_CHECKS, METRICS_REGISTRY, NATS_CONNECTION, PG_POOL, PROJECTIONS_ADMIN, type ProjectionsAdmin, ProjectionsAdminController, type ServiceHealthCheck, ServiceKitModule, systemClock, type TransportInfrastructure } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createAssetsEventStore } from './assets-event-store';
import { AssetsRuntime } from './assets-runtime';
import { AssetsConfig } from './assets.config';
import { ASSETS_PERMISSIONS } from './assets.permissions';
import { ASSETS_EVENT_STORE, BLOB_STORAGE, CLOCK } from './assets.tokens';
import { CollectionsService } from './collections/collections.service';
import { CollectionsController } from './http/collections/collections.controller';
import { LibraryController } from './http/library/library.controller';
import { StagedAssetUploads } from './http/workspace-assets/staged-asset-uploads';
import { WorkspaceAssetsController } from './http/workspace-assets/workspace-assets.controller';
import { LibraryService } from './library/library.service';
import { AssetsProjections } from './projections/assets-projections';
import { MediaUsageConsumer } from './sources/media-usage.consumer';
import { BlobReferences } from './staging/blob-references';
import { StagingService } from './staging/staging.service';
import { openBlobStorage, type BlobStorage } from './storage';

export interface AssetsModuleOptions {
  /** Read instead of process.env; tests give each app its own schema, NATS and data directory. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The time the use cases and the expiry sweep see; tests move it to make staged assets due. */
  readonly clock?: Clock;
}

/** The assets service: generated-asset staging, the library, collections, and their blobs. */
@Module({})
export class AssetsModule {
  static forRoot(options: AssetsModuleOptions = {}): DynamicModule {
    return {
      module: AssetsModule,
      imports: [
        ServiceKitModule.forRoot({
          serviceName: 'assets',
          config: AssetsConfig,
          permissions: ASSETS_PERMISSIONS,
          env: options.env,
          transports: mediaUsageTransports,
        }),
      ],
      controllers: [WorkspaceAssetsController, LibraryController, CollectionsController, ProjectionsAdminController, MediaUsageConsumer],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: ASSETS_EVENT_STORE,
          useFactory: (pool: Pool, config: AssetsConfig) => createAssetsEventStore(pool, config.DATABASE_SCHEMA),
          inject: [PG_POOL, AssetsConfig],
        },
        { provide: BLOB_STORAGE, useFactory: openBlobStorage, inject: [AssetsConfig] },
        {
          provide: HEALTH_CHECKS,
          useFactory: (storage: BlobStorage): ServiceHealthCheck[] => [{ name: 'storage', check: () => storage.health() }],
          inject: [BLOB_STORAGE],
        },
        {
          provide: BlobReferences,
          useFactory: (pool: Pool, config: AssetsConfig, storage: BlobStorage) => {
            const logger = new Logger('Blobs');
            // Left for the orphan sweep, which deletes it later.
            return new BlobReferences(pool, config.DATABASE_SCHEMA, storage, (sha256, error) =>
              logger.warn(`Deleting released blob ${sha256} failed: ${error instanceof Error ? error.message : String(error)}`),
            );
          },
          inject: [PG_POOL, AssetsConfig, BLOB_STORAGE],
        },
        {
          provide: StagingService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock, blobs: BlobReferences) => new StagingService(pool, store, clock, blobs),
          inject: [PG_POOL, ASSETS_EVENT_STORE, CLOCK, BlobReferences],
        },
        {
          provide: LibraryService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock, blobs: BlobReferences) => new LibraryService(pool, store, clock, blobs),
          inject: [PG_POOL, ASSETS_EVENT_STORE, CLOCK, BlobReferences],
        },
        {
          provide: CollectionsService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock, library: LibraryService) => new CollectionsService(pool, store, clock, library),
          inject: [PG_POOL, ASSETS_EVENT_STORE, CLOCK, LibraryService],
        },
        StagedAssetUploads,
        {
          provide: AssetsProjections,
          useFactory: (pool: Pool, store: PostgresEventStore, registry: Registry) => {
            const logger = new Logger('Projections');
            // The runner retries, records the failure as lastError and dead-letters what keeps failing.
            return new AssetsProjections(pool, store, registry, (projection, error) =>
              logger.warn(`${projection}: ${error instanceof Error ? error.message : String(error)}`),
            );
          },
          inject: [PG_POOL, ASSETS_EVENT_STORE, METRICS_REGISTRY],
        },
        { provide: PROJECTIONS_ADMIN, useFactory: (projections: AssetsProjections): ProjectionsAdmin => projections, inject: [AssetsProjections] },
        {
          provide: OutboxRelay,
          useFactory: (pool: Pool, store: PostgresEventStore, connection: NatsConnection, registry: Registry) =>
            new OutboxRelay({
              service: 'assets',
              pool,
              store,
              connection,
              registry,
              logger: new Logger('OutboxRelay'),
              // Its copies of content's events stay inside: they are content's to publish.
              shouldPublish: (event) => event.streamType !== SOURCE_STREAM_TYPE,
            }),
          inject: [PG_POOL, ASSETS_EVENT_STORE, NATS_CONNECTION, METRICS_REGISTRY],
        },
        AssetsRuntime,
      ],
    };
  }
}

/**
 * The consumer of content's media events (MediaUsageConsumer's handler), on its own NATS
 * connection; service-kit starts it once AssetsRuntime has the inbox table and the streams.
 */
function mediaUsageTransports({ config, pool, registry }: TransportInfrastructure<AssetsConfig>): CustomTransportStrategy[] {
  return [
    new JetStreamTransport({
      service: 'assets',
      servers: config.NATS_URL.split(','),
      pool,
      schema: config.DATABASE_SCHEMA,
      registry,
      // Usage is applied with a version check per (post, item), so order does not matter.
      concurrency: 4,
      logger: new Logger('MediaUsage'),
    }),
  ];
}
