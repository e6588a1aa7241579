import { workspaceAssetStreamId } from '@lib/contracts';
import { inTransaction, qualified, type PostgresEventStore } from '@lib/event-store';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { type Clock } from '@lib/service-kit';
import { workspaceAssetCommandHandler, type WorkspaceAssetCommandHandler } from '../assets-event-store';
import { STAGING_ASSETS } from '../projections/staging.projection';
import type { BlobReferences } from './blob-references';

/** The sweep as the domain and the events' `actorId` name it. */
export const EXPIRY_SWEEP_ACTOR_ID = 'assets-expiry-sweep';

export interface ExpirySweepOptions {
  /** Most due assets expired per run. */
  batchSize: number;
  onError?: (assetId: string, error: unknown) => void;
}

export interface ExpirySweepReport {
  /** Assets this run expired. */
  expired: string[];
  /** SHA-256s whose last reference went with them. */
  released: string[];
  /** Of those, the blobs whose bytes were deleted (the rest: registered again meanwhile, or `failed`). */
  deleted: string[];
  /** Released blobs whose bytes could not be deleted: left for the orphan sweep. */
  failed: string[];
}

/**
 * Expires the staged assets whose time has come: finds them in staging_assets (which may lag),
 * and has each one's stream decide Expire (the decider checks the time again, and skips an
 * asset already gone). Each asset in its own transaction with its blob reference; the bytes of
 * blobs left without a holder are deleted after that commit. A saved copy holds the blob too,
 * so expiring the staged asset keeps the bytes.
 */
export class ExpirySweep {
  private readonly assets: WorkspaceAssetCommandHandler;
  private readonly staging: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly blobs: BlobReferences,
    private readonly options: ExpirySweepOptions,
  ) {
    this.assets = workspaceAssetCommandHandler(store);
    this.staging = qualified(store.schema, STAGING_ASSETS);
  }

  async runOnce(): Promise<ExpirySweepReport> {
    const now = this.clock();
    const due = await this.pool.query<{ asset_id: string; workspace_id: string }>(
      `SELECT s.asset_id, s.workspace_id FROM ${this.staging} AS s WHERE s.expires_at <= $1 ORDER BY s.expires_at, s.asset_id LIMIT $2`,
      [now, this.options.batchSize],
    );
    const report: ExpirySweepReport = { expired: [], released: [], deleted: [], failed: [] };
    for (const { asset_id: assetId, workspace_id: workspaceId } of due.rows) {
      try {
        const { expired, released } = await inTransaction(this.pool, async (client) => {
          const handled = await this.assets.handle(
            workspaceAssetStreamId(assetId),
            { type: 'ExpireWorkspaceAsset', actor: { userId: EXPIRY_SWEEP_ACTOR_ID, workspaceId, role: 'system' }, now },
            { metadata: { workspaceId, actorId: EXPIRY_SWEEP_ACTOR_ID, correlationId: randomUUID(), causationId: null }, client },
          );
          return { expired: handled.events.length > 0, released: await this.blobs.record(client, workspaceId, handled.events) };
        });
        if (expired) report.expired.push(assetId);
        report.released.push(...released);
        const { deleted, failed } = await this.blobs.deleteReleased(released);
        report.deleted.push(...deleted);
        report.failed.push(...failed);
      } catch (error) {
        // One asset that cannot be expired now must not hold up the others.
        this.options.onError?.(assetId, error);
      }
    }
    return report;
  }
}
