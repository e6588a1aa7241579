import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ensureJetStreamTopology, OutboxRelay } from '@lib/messaging';
import { NATS_CONNECTION, runMigrations } from '@lib/service-kit';
import { AnalyticsConfig } from './analytics.config';
import { analyticsMigrations } from './migrations/analytics-migrations';
import { AnalyticsProjections } from './projections';
import { SOURCE_SERVICES } from './sources/source-events';
import { PartitionMaintainer } from './timeseries/partition-maintainer';

/**
 * Brings the service's background machinery up, in order, before the HTTP server listens: the
 * schema, the JetStream streams (its own, and those of the services it consumes, whichever
 * service starts first), the outbox relay, the projections, then the partition maintainer.
 * Takes it down in reverse once the server and the source consumers have stopped; the pool and
 * the NATS connection close after that (service-kit's module is global, and Nest shuts global
 * modules down last).
 */
@Injectable()
export class AnalyticsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AnalyticsRuntime.name);

  constructor(
    private readonly config: AnalyticsConfig,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly relay: OutboxRelay,
    private readonly projections: AnalyticsProjections,
    private readonly partitions: PartitionMaintainer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { DATABASE_URL, DATABASE_SCHEMA } = this.config;
    const applied = await runMigrations({ databaseUrl: DATABASE_URL, schema: DATABASE_SCHEMA, migrations: analyticsMigrations(DATABASE_SCHEMA) });
    if (applied.length > 0) this.logger.log(`Migrated schema ${DATABASE_SCHEMA}: ${applied.join(', ')}`);
    // Creates what is missing and updates what differs, so every start (and every instance) may run it.
    await ensureJetStreamTopology(await jetstreamManager(this.nats), { streams: [...SOURCE_SERVICES, 'analytics'], deadLetters: true });
    this.relay.start();
    await this.projections.start();
    await this.partitions.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.partitions.stop();
    await this.projections.stop();
    await this.relay.stop();
  }
}
