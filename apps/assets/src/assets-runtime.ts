import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PostgresEventStore } from '@lib/event-store';
import { ensureJetStreamTopology, OutboxRelay } from '@lib/messaging';
import { BackgroundLoop, type Clock, NATS_CONNECTION, PG_POOL, runMigrations } from '@lib/service-kit';
import type { Pool } from 'pg';
import { AssetsConfig } from './assets.config';
import { ASSETS_EVENT_STORE, BLOB_STORAGE, CLOCK } from './assets.tokens';
import { assetsMigrations } from './migrations/assets-migrations';
import { AssetsProjections } from './projections/assets-projections';
import { BlobReferences } from './staging/blob-references';
import { ExpirySweep } from './staging/expiry-sweep';
import { sweepOrphanBlobs } from './staging/orphan-blob-sweep';
import type { BlobStorage } from './storage';
import { removeStaleTempFiles } from './upload';

/** Staged assets expired per sweep run; a full run is followed by another at once. */
const EXPIRY_BATCH_SIZE = 100;

/**
 * Brings the service's background machinery up, in order, before the HTTP server listens: the
 * schema, the JetStream streams (its own, and content's, whose media events it consumes,
 * whichever service starts first), the outbox relay, the projections, then the sweeps, which
 * read what the projections write. Takes it down in reverse once the server and the media-usage
 * consumer have stopped; the pool and the NATS connection close after that (service-kit's
 * module is global, and Nest shuts global modules down last).
 */
@Injectable()
export class AssetsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssetsRuntime.name);
  private readonly expiryLoop: BackgroundLoop;
  private readonly storageLoop: BackgroundLoop;

  constructor(
    private readonly config: AssetsConfig,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PG_POOL) pool: Pool,
    @Inject(ASSETS_EVENT_STORE) store: PostgresEventStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly blobs: BlobReferences,
    private readonly relay: OutboxRelay,
    private readonly projections: AssetsProjections,
  ) {
    const expiry = new ExpirySweep(pool, store, clock, blobs, {
      batchSize: EXPIRY_BATCH_SIZE,
      onError: (assetId, error) => this.logger.warn(`Expiring staged asset ${assetId} failed: ${describeError(error)}`),
    });
    this.expiryLoop = new BackgroundLoop(
      async () => (await expiry.runOnce()).expired.length >= EXPIRY_BATCH_SIZE,
      config.ASSETS_EXPIRY_SWEEP_INTERVAL_MS,
      (error) => this.logger.warn(`Expiry sweep failed: ${describeError(error)}`),
    );
    this.storageLoop = new BackgroundLoop(
      async () => (await this.sweepStorage(), false),
      config.ASSETS_ORPHAN_SWEEP_INTERVAL_MS,
      (error) => this.logger.warn(`Orphan sweep failed: ${describeError(error)}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { DATABASE_URL, DATABASE_SCHEMA } = this.config;
    const applied = await runMigrations({ databaseUrl: DATABASE_URL, schema: DATABASE_SCHEMA, migrations: assetsMigrations(DATABASE_SCHEMA) });
    if (applied.length > 0) this.logger.log(`Migrated schema ${DATABASE_SCHEMA}: ${applied.join(', ')}`);
    // Creates what is missing and updates what differs, so every start (and every instance) may run it.
    await ensureJetStreamTopology(await jetstreamManager(this.nats), { streams: ['content', 'assets'], deadLetters: true });
    this.relay.start();
    await this.projections.start();
    this.expiryLoop.start();
    this.storageLoop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storageLoop.stop();
    await this.expiryLoop.stop();
    await this.projections.stop();
    await this.relay.stop();
    this.storage.close();
  }

  /** Blobs nothing holds, and temp files of uploads cut off by a crash, past the grace period. */
  private async sweepStorage(): Promise<void> {
    // File times are the machine's (or the bucket's), so the grace is counted on the wall clock,
    // not on the service's CLOCK.
    const now = new Date();
    const graceMs = this.config.ASSETS_ORPHAN_GRACE_MS;
    const blobs = await sweepOrphanBlobs(this.blobs, this.storage, { graceMs, now });
    const tempFiles = await removeStaleTempFiles(this.storage.tempDir, new Date(now.getTime() - graceMs));
    if (blobs.deleted.length > 0 || tempFiles.length > 0) {
      this.logger.log(`Orphan sweep deleted ${blobs.deleted.length} unreferenced blobs and ${tempFiles.length} abandoned temp files`);
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
