import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ensureJetStreamTopology, OutboxRelay } from '@lib/messaging';
import { NATS_CONNECTION, runMigrations } from '@lib/service-kit';
import { ContentConfig } from './content.config';
import { contentMigrations } from './migrations/content-migrations';
import { ContentProjections } from './projections/content-projections';
import { PublishingPipeline } from './publishing/publishing-pipeline';

/**
 * Brings the service's background machinery up, in order, before the HTTP server listens: the
 * schema, the JetStream streams, the outbox relay, the projections, then the scheduler and the
 * worker, which read what the projections write. Takes it down in reverse once the server has
 * stopped; the pool and the NATS connection close after that (service-kit's module is global,
 * and Nest shuts global modules down last).
 */
@Injectable()
export class ContentRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ContentRuntime.name);

  constructor(
    private readonly config: ContentConfig,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly relay: OutboxRelay,
    private readonly projections: ContentProjections,
    private readonly pipeline: PublishingPipeline,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { DATABASE_URL, DATABASE_SCHEMA } = this.config;
    const applied = await runMigrations({ databaseUrl: DATABASE_URL, schema: DATABASE_SCHEMA, migrations: contentMigrations(DATABASE_SCHEMA) });
    if (applied.length > 0) this.logger.log(`Migrated schema ${DATABASE_SCHEMA}: ${applied.join(', ')}`);
    // Creates what is missing and updates what differs, so every start (and every instance) may run it.
    await ensureJetStreamTopology(await jetstreamManager(this.nats), { streams: ['content'], deadLetters: true });
    this.relay.start();
    await this.projections.start();
    this.pipeline.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.stop();
    await this.projections.stop();
    await this.relay.stop();
  }
}
