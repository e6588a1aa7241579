import { isSha256 } from '../domain';
import type { BlobDeletionReport, BlobReferences } from './blob-references';

/** One blob as the storage port lists it. */
export interface StoredBlob {
  sha256: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/** What the orphan sweep needs of the storage port (`src/storage`): every stored blob. */
export interface BlobLister {
  list(): AsyncIterable<StoredBlob>;
}

export interface OrphanSweepOptions {
  /** Bytes stored more recently than this may belong to an upload not registered yet. */
  graceMs: number;
  now: Date;
  /** Stored blobs looked up in the ledger per query (default 500). */
  batchSize?: number;
}

export interface OrphanSweepReport extends BlobDeletionReport {
  /** Stored blobs looked at. */
  scanned: number;
}

/**
 * Deletes stored bytes that no blob row holds and that are older than the grace period: left
 * by a crash between a release's commit and the deletion of its bytes, by a deletion that
 * failed, or by an upload that was never registered. Each deletion checks the ledger again
 * under the blob's lock (see BlobReferences.deleteReleased).
 */
export async function sweepOrphanBlobs(references: BlobReferences, storage: BlobLister, options: OrphanSweepOptions): Promise<OrphanSweepReport> {
  const before = options.now.getTime() - options.graceMs;
  const batchSize = options.batchSize ?? 500;
  const report: OrphanSweepReport = { scanned: 0, deleted: [], failed: [] };
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    const orphans = await references.unregistered(batch);
    batch = [];
    if (orphans.length === 0) return;
    const { deleted, failed } = await references.deleteReleased(orphans);
    report.deleted.push(...deleted);
    report.failed.push(...failed);
  };
  for await (const blob of storage.list()) {
    report.scanned += 1;
    // Only what this service stores under a content address: anything else is not its to delete.
    if (!isSha256(blob.sha256) || blob.modifiedAt.getTime() >= before) continue;
    batch.push(blob.sha256.toLowerCase());
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return report;
}
