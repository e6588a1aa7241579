import type { NatsConnection } from '@nats-io/transport-node';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { PostgresEventStore } from '@lib/event-store';
import { OutboxRelay } from '@lib/messaging';
import { type Clock, METRICS_REGISTRY, NATS_CONNECTION, PG_POOL, PROJECTIONS_ADMIN, type ProjectionsAdmin, ProjectionsAdminController, ServiceKitModule, systemClock } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createContentEventStore } from './content-event-store';
import { ContentRuntime } from './content-runtime';
import { ContentConfig } from './content.config';
import { CONTENT_PERMISSIONS } from './content.permissions';
import { CLOCK, CONTENT_EVENT_STORE } from './content.tokens';
import { CalendarController } from './http/calendar/calendar.controller';
import { PostWorkflowController } from './http/posts/post-workflow.controller';
import { PostsController } from './http/posts/posts.controller';
import { TemplatesController } from './http/templates/templates.controller';
import { PostsService } from './posts/posts.service';
import { ContentProjections } from './projections/content-projections';
import { PublishingPipeline, publishingOptionsFromConfig } from './publishing/publishing-pipeline';
import { TemplatesService } from './templates/templates.service';

export interface ContentModuleOptions {
  /** Read instead of process.env; tests give each app its own schema, NATS and publisher. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The content service: posts, templates, approvals, scheduling and publishing. */
@Module({})
export class ContentModule {
  static forRoot(options: ContentModuleOptions = {}): DynamicModule {
    return {
      module: ContentModule,
      imports: [ServiceKitModule.forRoot({ serviceName: 'content', config: ContentConfig, permissions: CONTENT_PERMISSIONS, env: options.env })],
      controllers: [PostsController, PostWorkflowController, CalendarController, TemplatesController, ProjectionsAdminController],
      providers: [
        { provide: CLOCK, useValue: systemClock },
        {
          provide: CONTENT_EVENT_STORE,
          useFactory: (pool: Pool, config: ContentConfig) => createContentEventStore(pool, config.DATABASE_SCHEMA),
          inject: [PG_POOL, ContentConfig],
        },
        {
          provide: PostsService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock) => new PostsService(pool, store, clock),
          inject: [PG_POOL, CONTENT_EVENT_STORE, CLOCK],
        },
        {
          provide: TemplatesService,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock) => new TemplatesService(pool, store, clock),
          inject: [PG_POOL, CONTENT_EVENT_STORE, CLOCK],
        },
        {
          provide: ContentProjections,
          useFactory: (pool: Pool, store: PostgresEventStore, registry: Registry) => {
            const logger = new Logger('Projections');
            // The runner retries, records the failure as lastError and dead-letters what keeps failing.
            return new ContentProjections(pool, store, registry, (projection, error) =>
              logger.warn(`${projection}: ${error instanceof Error ? error.message : String(error)}`),
            );
          },
          inject: [PG_POOL, CONTENT_EVENT_STORE, METRICS_REGISTRY],
        },
        { provide: PROJECTIONS_ADMIN, useFactory: (projections: ContentProjections): ProjectionsAdmin => projections, inject: [ContentProjections] },
        {
          provide: PublishingPipeline,
          useFactory: (pool: Pool, store: PostgresEventStore, clock: Clock, config: ContentConfig) => {
            const logger = new Logger('Publishing');
            return new PublishingPipeline(pool, store, clock, publishingOptionsFromConfig(config, pool, clock, (error) => logger.error(describeError(error))));
          },
          inject: [PG_POOL, CONTENT_EVENT_STORE, CLOCK, ContentConfig],
        },
        {
          provide: OutboxRelay,
          useFactory: (pool: Pool, store: PostgresEventStore, connection: NatsConnection, registry: Registry) =>
            new OutboxRelay({ service: 'content', pool, store, connection, registry, logger: new Logger('OutboxRelay') }),
          inject: [PG_POOL, CONTENT_EVENT_STORE, NATS_CONNECTION, METRICS_REGISTRY],
        },
        ContentRuntime,
      ],
    };
  }
}

/** With the stack: a worker's failure may be a bug as well as an outage. */
function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
