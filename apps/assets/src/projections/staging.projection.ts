import type { Projection, ProjectionContext, RecordedEvent } from '@lib/event-store';
import type { LibraryItemRemoved, LibraryItemSaved, WorkspaceAssetEvent } from '../domain';

export const STAGING = 'staging';
export const STAGING_ASSETS = 'staging_assets';

type StagingEvent = WorkspaceAssetEvent | LibraryItemSaved | LibraryItemRemoved;

/**
 * The staged assets still live, for the staging list and the expiry sweep: a row goes when its
 * asset expires or is discarded. `saved_item_id` is the library item saved from it, while that
 * item exists. The runner's checkpoint applies each event once; beyond that, an asset's expiry or
 * discard deletes only an older row version, and its addition inserts only where no row is
 * (ON CONFLICT DO NOTHING, no version check).
 */
export const stagingProjection: Projection = {
  name: STAGING,
  tables: [STAGING_ASSETS],
  eventTypes: ['WorkspaceAssetAdded', 'WorkspaceAssetExpired', 'WorkspaceAssetDiscarded', 'LibraryItemSaved', 'LibraryItemRemoved'] satisfies StagingEvent['type'][],
  async apply(events, ctx) {
    for (const event of events) await applyStagingEvent(event as RecordedEvent<StagingEvent>, ctx);
  },
};

async function applyStagingEvent(recorded: RecordedEvent<StagingEvent>, ctx: ProjectionContext): Promise<void> {
  const table = ctx.table(STAGING_ASSETS);
  const event = { type: recorded.type, data: recorded.data } as StagingEvent;
  switch (event.type) {
    case 'WorkspaceAssetAdded': {
      const { assetId, userId, blob, generation: g, createdAt, expiresAt } = event.data;
      await ctx.client.query(
        `INSERT INTO ${table} AS s (asset_id, workspace_id, user_id, asset_type, mime_type, size_bytes, sha256, job_id, asset_index, seed, prompt, model,
           settings, duration_seconds, version, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (asset_id) DO NOTHING`,
        [
          assetId,
          recorded.metadata.workspaceId,
          userId,
          blob.assetType,
          blob.mimeType,
          blob.sizeBytes,
          blob.sha256,
          g.jobId,
          g.assetIndex,
          g.seed,
          g.prompt,
          g.model,
          JSON.stringify(g.settings),
          g.durationSeconds,
          recorded.version,
          createdAt,
          expiresAt,
        ],
      );
      return;
    }
    case 'WorkspaceAssetExpired':
    case 'WorkspaceAssetDiscarded':
      await ctx.client.query(`DELETE FROM ${table} AS s WHERE s.asset_id = $1 AND s.version < $2`, [event.data.assetId, recorded.version]);
      return;
    case 'LibraryItemSaved':
      await ctx.client.query(`UPDATE ${table} AS s SET saved_item_id = $2 WHERE s.asset_id = $1`, [event.data.sourceAssetId, event.data.itemId]);
      return;
    case 'LibraryItemRemoved':
      await ctx.client.query(`UPDATE ${table} AS s SET saved_item_id = NULL WHERE s.saved_item_id = $1`, [event.data.itemId]);
      return;
  }
}
