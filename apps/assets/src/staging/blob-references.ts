import { inTransaction, qualified } from '@lib/event-store';
import { ConflictError } from '@lib/service-kit';
import type { Pool, PoolClient } from 'pg';
import type { AssetsEvent } from '../domain';

export const BLOBS = 'blobs';
export const BLOB_REFERENCES = 'blob_references';

/** What the blob ledger needs of the storage port (`src/storage`): whether bytes are there, and deleting them. */
export interface LedgerStorage {
  /** null when no bytes are stored under this SHA-256. */
  stat(sha256: string): Promise<{ sizeBytes: number } | null>;
  /** Idempotent. */
  delete(sha256: string): Promise<void>;
}

export interface BlobDeletionReport {
  deleted: string[];
  /** Left for the orphan sweep: storage refused, or was unreachable. */
  failed: string[];
}

/**
 * The blob ledger: `blobs` (one row per stored content) and `blob_references` (who holds it: a
 * staged asset, a library item), changed in the transaction that appends the events adding or
 * dropping a holder, so the ledger is exactly what the committed events say. A blob whose last
 * reference goes loses its row in that transaction; its bytes are deleted after the commit.
 *
 * Every change to one blob's rows, and the deletion of its bytes, holds a transaction-scoped
 * advisory lock on its SHA-256, so they run one at a time: a save never adds a reference to a
 * blob that a concurrent discard has just released, bytes are never deleted once the same
 * content has been registered again, and a registration that creates a blob's row checks that
 * its bytes are stored (an upload of bytes stored already writes nothing, so a deletion after
 * its `put` and before its registration would otherwise leave a row without bytes).
 */
export class BlobReferences {
  private readonly blobs: string;
  private readonly references: string;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly storage: LedgerStorage,
    private readonly onDeleteError: (sha256: string, error: unknown) => void = () => undefined,
  ) {
    this.blobs = qualified(schema, BLOBS);
    this.references = qualified(schema, BLOB_REFERENCES);
  }

  /**
   * In the events' transaction: adds or drops the holders they name. Returns the SHA-256s whose
   * last reference went, to pass to `deleteReleased` once committed.
   * @throws ConflictError (409) when a new blob's bytes are not in storage (gone, or of another
   *   size), or a save's blob was released meanwhile
   */
  async record(client: PoolClient, workspaceId: string, events: readonly AssetsEvent[]): Promise<string[]> {
    const released: string[] = [];
    for (const event of events) {
      switch (event.type) {
        case 'WorkspaceAssetAdded': {
          const { blob, assetId } = event.data;
          await this.lock(client, blob.sha256);
          const created = await client.query(
            `INSERT INTO ${this.blobs} AS b (sha256, size_bytes, mime_type) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
            [blob.sha256, blob.sizeBytes, blob.mimeType],
          );
          // A row that exists already vouches for its bytes: they are only deleted once it is gone.
          if (created.rowCount === 1) await this.requireStored(blob.sha256, blob.sizeBytes);
          await this.hold(client, blob.sha256, assetId, 'workspace_asset', workspaceId);
          break;
        }
        case 'LibraryItemSaved': {
          const { blob, itemId, sourceAssetId } = event.data;
          await this.lock(client, blob.sha256);
          const found = await client.query(`SELECT 1 FROM ${this.blobs} AS b WHERE b.sha256 = $1`, [blob.sha256]);
          if (found.rowCount === 0) throw new ConflictError(`staged asset ${sourceAssetId} was discarded or expired meanwhile; its file is gone`);
          await this.hold(client, blob.sha256, itemId, 'library_item', workspaceId);
          break;
        }
        case 'WorkspaceAssetExpired':
        case 'WorkspaceAssetDiscarded':
          if (await this.release(client, event.data.sha256, event.data.assetId)) released.push(event.data.sha256);
          break;
        case 'LibraryItemRemoved':
          if (await this.release(client, event.data.sha256, event.data.itemId)) released.push(event.data.sha256);
          break;
        default:
          break;
      }
    }
    return released;
  }

  /**
   * After the commit that released them: deletes the bytes of these blobs, each unless the same
   * content was registered again meanwhile. A failure is reported and left to the orphan sweep.
   */
  async deleteReleased(sha256s: readonly string[]): Promise<BlobDeletionReport> {
    const report: BlobDeletionReport = { deleted: [], failed: [] };
    for (const sha256 of sha256s) {
      try {
        const deleted = await inTransaction(this.pool, async (client) => {
          await this.lock(client, sha256);
          const found = await client.query(`SELECT 1 FROM ${this.blobs} AS b WHERE b.sha256 = $1`, [sha256]);
          if (found.rowCount !== 0) return false;
          await this.storage.delete(sha256);
          return true;
        });
        if (deleted) report.deleted.push(sha256);
      } catch (error) {
        report.failed.push(sha256);
        this.onDeleteError(sha256, error);
      }
    }
    return report;
  }

  /** Those of `sha256s` the ledger has no row for: stored bytes nothing holds. */
  async unregistered(sha256s: readonly string[]): Promise<string[]> {
    const found = await this.pool.query<{ sha256: string }>(`SELECT b.sha256 FROM ${this.blobs} AS b WHERE b.sha256 = ANY($1::text[])`, [sha256s]);
    const registered = new Set(found.rows.map((row) => row.sha256));
    return sha256s.filter((sha256) => !registered.has(sha256));
  }

  private async requireStored(sha256: string, sizeBytes: number): Promise<void> {
    const stored = await this.storage.stat(sha256);
    if (stored === null) throw new ConflictError(`no stored bytes for ${sha256}: upload the file again`);
    if (stored.sizeBytes !== sizeBytes) throw new ConflictError(`the stored bytes of ${sha256} are ${stored.sizeBytes} bytes, not ${sizeBytes}`);
  }

  private async hold(client: PoolClient, sha256: string, holderId: string, kind: 'workspace_asset' | 'library_item', workspaceId: string): Promise<void> {
    await client.query(
      `INSERT INTO ${this.references} AS r (sha256, holder_id, holder_kind, workspace_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sha256, holder_id) DO NOTHING`,
      [sha256, holderId, kind, workspaceId],
    );
  }

  /** Drops one holder; true when it was the last, and the blob's row went with it. */
  private async release(client: PoolClient, sha256: string, holderId: string): Promise<boolean> {
    await this.lock(client, sha256);
    await client.query(`DELETE FROM ${this.references} AS r WHERE r.sha256 = $1 AND r.holder_id = $2`, [sha256, holderId]);
    const gone = await client.query(
      `DELETE FROM ${this.blobs} AS b WHERE b.sha256 = $1 AND NOT EXISTS (SELECT 1 FROM ${this.references} AS r WHERE r.sha256 = $1)`,
      [sha256],
    );
    return gone.rowCount === 1;
  }

  /** Until the transaction ends; the key is per schema, so test schemas never wait on each other. */
  private async lock(client: PoolClient, sha256: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.schema}.blob:${sha256}`]);
  }
}
