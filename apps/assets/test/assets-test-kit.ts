import type { Role } from '@lib/auth';
import { ProjectionRunner, type PostgresEventStore } from '@lib/event-store';
import { type RequestContext, runMigrations } from '@lib/service-kit';
import { TEST_DATABASE_URL, dropSchema, eventually, testPool, uniqueSchemaName } from '@lib/testing';
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createAssetsEventStore } from '../src/assets-event-store';
import { CollectionsService } from '../src/collections/collections.service';
import { LibraryService } from '../src/library/library.service';
import { assetsMigrations } from '../src/migrations/assets-migrations';
import { assetsReadModels } from '../src/projections/assets-read-models';
import { BlobReferences, type LedgerStorage } from '../src/staging/blob-references';
import type { BlobLister, StoredBlob } from '../src/staging/orphan-blob-sweep';
import { StagingService, type RegisterStagedAssetInput } from '../src/staging/staging.service';

/**
 * A clock the test moves by hand; starts at the real time so recorded and domain times agree
 * roughly. Every reading is 1 ms after the last, so each command is strictly later than the one
 * before (the collection's cover is its item added last).
 */
export class TestClock {
  private current = new Date();

  readonly now = (): Date => {
    this.current = new Date(this.current.getTime() + 1);
    return new Date(this.current.getTime());
  };

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** The storage port as the ledger and the sweeps use it, in memory: what was put, what was deleted. */
export class MemoryBlobStorage implements LedgerStorage, BlobLister {
  readonly stored = new Map<string, StoredBlob>();
  readonly deleted: string[] = [];

  put(sha256: string, sizeBytes: number, modifiedAt = new Date()): void {
    this.stored.set(sha256, { sha256, sizeBytes, modifiedAt });
  }

  async stat(sha256: string): Promise<{ sizeBytes: number } | null> {
    const blob = this.stored.get(sha256);
    return blob === undefined ? null : { sizeBytes: blob.sizeBytes };
  }

  async delete(sha256: string): Promise<void> {
    this.stored.delete(sha256);
    this.deleted.push(sha256);
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const blob of [...this.stored.values()]) yield blob;
  }
}

export interface AssetsTestDatabase {
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
  /** The read models; driven with catchUp(), never started. */
  readModels: ProjectionRunner;
  storage: MemoryBlobStorage;
  blobs: BlobReferences;
  clock: TestClock;
  staging: StagingService;
  library: LibraryService;
  collections: CollectionsService;
  /**
   * Applies every event to every read model. Readers see only what committed before every
   * transaction still in flight started, on the whole server: while others' tests run long
   * transactions on the same server, that takes seconds, so catching up is retried until no lag
   * is left, for up to SETTLE_TIMEOUT_MS.
   */
  settle(): Promise<void>;
  /** Every row of a table in a stable order, for comparing read models. */
  rows(table: string, orderBy: string): Promise<unknown[]>;
  dispose(): Promise<void>;
}

export const SETTLE_TIMEOUT_MS = 60_000;
/** For a test that settles the read models at every step (see `settle`). */
export const STEPWISE_TEST_TIMEOUT_MS = 600_000;

/** A fresh schema migrated like the service's own, with its projections and services. */
export async function assetsTestDatabase(prefix: string): Promise<AssetsTestDatabase> {
  const pool = testPool(20);
  const schema = uniqueSchemaName(prefix);
  await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: assetsMigrations(schema) });
  const store = createAssetsEventStore(pool, schema);
  const storage = new MemoryBlobStorage();
  const blobs = new BlobReferences(pool, schema, storage);
  const clock = new TestClock();
  const library = new LibraryService(pool, store, clock.now, blobs);
  const readModels = new ProjectionRunner(pool, store, assetsReadModels);
  return {
    pool,
    schema,
    store,
    readModels,
    storage,
    blobs,
    clock,
    staging: new StagingService(pool, store, clock.now, blobs),
    library,
    collections: new CollectionsService(pool, store, clock.now, library),
    async settle() {
      await eventually(async () => {
        await readModels.catchUp();
        for (const status of await readModels.status()) expect(status.lagEvents).toBe(0);
      }, SETTLE_TIMEOUT_MS);
    },
    async rows(table, orderBy) {
      return (await pool.query(`SELECT * FROM "${schema}"."${table}" ORDER BY ${orderBy}`)).rows;
    },
    async dispose() {
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

export function requestContext(workspaceId: string, role: Role = 'editor', userId: string = randomUUID()): RequestContext {
  return { actor: { userId, workspaceId, role }, correlationId: randomUUID() };
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A generated image (or video) whose bytes are "in storage" already, as the upload leaves them. */
export function generatedAsset(
  db: Pick<AssetsTestDatabase, 'storage'>,
  over: { jobId?: string; assetIndex?: number; sha256?: string; video?: boolean; prompt?: string } = {},
): RegisterStagedAssetInput {
  const sha256 = over.sha256 ?? sha256Of(randomUUID());
  const sizeBytes = over.video ? 4_000_000 : 250_000;
  db.storage.put(sha256, sizeBytes);
  return {
    sha256,
    sizeBytes,
    mimeType: over.video ? 'video/mp4' : 'image/png',
    assetType: over.video ? 'video' : 'image',
    generation: {
      jobId: over.jobId ?? randomUUID(),
      assetIndex: over.assetIndex ?? 0,
      seed: 1234,
      prompt: over.prompt ?? 'a red fox in fresh snow',
      model: 'flux-1-dev',
      settings: { steps: 28, guidance: 3.5 },
      durationSeconds: over.video ? 5 : null,
    },
  };
}
