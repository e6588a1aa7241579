import type { PostMediaAttachedData, PostMediaDetachedData } from '@lib/contracts';
import type { Projection, ProjectionContext, RecordedEvent } from '@lib/event-store';
import { isUuid, type CollectionEvent, type LibraryItemEvent, type SourceEventReceived } from '../domain';

export const LIBRARY_VIEWS = 'library_views';
export const LIBRARY_ITEMS = 'library_items';
export const COLLECTIONS = 'collections';
export const MEDIA_USAGE = 'media_usage';

type LibraryViewEvent = LibraryItemEvent | CollectionEvent | SourceEventReceived;

/**
 * The library's read models, in one projection because they keep each other's figures:
 * `library_items` (each item with its collection's name and its usage), `collections` (each
 * with its item count and cover) and `media_usage` (which posts use which item).
 *
 * The runner's checkpoint applies each event once. Beyond that, updates, moves and deletions of
 * an item or a collection apply only over an older row version, and a save or creation inserts
 * only where no row is (ON CONFLICT DO NOTHING): no version check, so a save replayed after its
 * item's removal would bring the row back. Counts move only with a row that actually changed. A
 * collection deleted (or never seen) leaves its items in no collection.
 */
export const libraryViewsProjection: Projection = {
  name: LIBRARY_VIEWS,
  tables: [LIBRARY_ITEMS, COLLECTIONS, MEDIA_USAGE],
  eventTypes: [
    'LibraryItemSaved',
    'LibraryItemUpdated',
    'LibraryItemMoved',
    'LibraryItemRemoved',
    'CollectionCreated',
    'CollectionRenamed',
    'CollectionDeleted',
    'SourceEventReceived',
  ] satisfies LibraryViewEvent['type'][],
  async apply(events, ctx) {
    for (const event of events) await applyLibraryViewEvent(event as RecordedEvent<LibraryViewEvent>, ctx);
  },
};

async function applyLibraryViewEvent(recorded: RecordedEvent<LibraryViewEvent>, ctx: ProjectionContext): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as LibraryViewEvent;
  const items = ctx.table(LIBRARY_ITEMS);
  const collections = ctx.table(COLLECTIONS);
  const usage = ctx.table(MEDIA_USAGE);
  const version = recorded.version;
  switch (event.type) {
    case 'LibraryItemSaved': {
      const d = event.data;
      const workspaceId = recorded.metadata.workspaceId;
      // A collection deleted by now (or of another workspace) is none.
      const collection = d.collectionId === null ? null : await collectionNamed(ctx, d.collectionId, workspaceId);
      // Usage that posts recorded before the item existed (it was removed and saved again, or a
      // post named its id first) counts from the start.
      const inserted = await ctx.client.query(
        `INSERT INTO ${items} AS i (item_id, workspace_id, user_id, source_asset_id, sha256, size_bytes, mime_type, asset_type, prompt, model, seed,
           duration_seconds, title, tags, favorite, visibility, collection_id, collection_name, collection_added_at, usage_count, last_used_at,
           version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
           (SELECT count(*) FROM ${usage} AS u WHERE u.workspace_id = $2 AND u.item_id = $1 AND u.attached),
           (SELECT max(u.last_attached_at) FROM ${usage} AS u WHERE u.workspace_id = $2 AND u.item_id = $1),
           $20, $21, $21)
         ON CONFLICT (item_id) DO NOTHING`,
        [
          d.itemId,
          workspaceId,
          d.userId,
          d.sourceAssetId,
          d.blob.sha256,
          d.blob.sizeBytes,
          d.blob.mimeType,
          d.blob.assetType,
          d.prompt,
          d.model,
          d.seed,
          d.durationSeconds,
          d.title,
          d.tags,
          d.favorite,
          d.visibility,
          collection?.collectionId ?? null,
          collection?.name ?? null,
          collection === null ? null : d.savedAt,
          version,
          d.savedAt,
        ],
      );
      if (inserted.rowCount === 1 && collection !== null) await countMembers(ctx, collection.collectionId, 1);
      return;
    }
    case 'LibraryItemUpdated': {
      const d = event.data;
      await ctx.client.query(
        `UPDATE ${items} AS i SET title = $3, tags = $4, favorite = $5, visibility = $6, updated_at = $7, version = $2
         WHERE i.item_id = $1 AND i.version < $2`,
        [d.itemId, version, d.title, d.tags, d.favorite, d.visibility, d.updatedAt],
      );
      return;
    }
    case 'LibraryItemMoved': {
      const d = event.data;
      // `prev` is the row as it was before this statement: where the item actually came from,
      // which for a collection deleted meanwhile is already none.
      const moved = await ctx.client.query<{ from_id: string | null; to_id: string | null }>(
        `UPDATE ${items} AS i SET collection_id = c.collection_id, collection_name = c.name,
           collection_added_at = CASE WHEN c.collection_id IS NULL THEN NULL ELSE $4::timestamptz END, updated_at = $4, version = $2
         FROM ${items} AS prev LEFT JOIN ${collections} AS c ON c.collection_id = $3 AND c.workspace_id = prev.workspace_id
         WHERE i.item_id = $1 AND prev.item_id = $1 AND i.version < $2
         RETURNING prev.collection_id AS from_id, i.collection_id AS to_id`,
        [d.itemId, version, d.toCollectionId, d.movedAt],
      );
      const row = moved.rows[0];
      if (row === undefined || row.from_id === row.to_id) return;
      if (row.from_id !== null) await countMembers(ctx, row.from_id, -1);
      if (row.to_id !== null) await countMembers(ctx, row.to_id, 1);
      return;
    }
    case 'LibraryItemRemoved': {
      const removed = await ctx.client.query<{ collection_id: string | null }>(
        `DELETE FROM ${items} AS i WHERE i.item_id = $1 AND i.version < $2 RETURNING i.collection_id`,
        [event.data.itemId, version],
      );
      const collectionId = removed.rows[0]?.collection_id ?? null;
      if (collectionId !== null) await countMembers(ctx, collectionId, -1);
      return;
    }
    case 'CollectionCreated': {
      const d = event.data;
      await ctx.client.query(
        `INSERT INTO ${collections} AS c (collection_id, workspace_id, user_id, name, description, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (collection_id) DO NOTHING`,
        [d.collectionId, recorded.metadata.workspaceId, d.userId, d.name, d.description, version, d.createdAt],
      );
      return;
    }
    case 'CollectionRenamed': {
      const d = event.data;
      const renamed = await ctx.client.query(
        `UPDATE ${collections} AS c SET name = $3, description = $4, updated_at = $5, version = $2
         WHERE c.collection_id = $1 AND c.version < $2`,
        [d.collectionId, version, d.name, d.description, d.renamedAt],
      );
      if (renamed.rowCount === 0) return;
      await ctx.client.query(`UPDATE ${items} AS i SET collection_name = $2 WHERE i.collection_id = $1`, [d.collectionId, d.name]);
      return;
    }
    case 'CollectionDeleted': {
      const deleted = await ctx.client.query(`DELETE FROM ${collections} AS c WHERE c.collection_id = $1 AND c.version < $2`, [event.data.collectionId, version]);
      if (deleted.rowCount === 0) return;
      // Its items stay in the library, in no collection; the items' own versions do not move.
      await ctx.client.query(
        `UPDATE ${items} AS i SET collection_id = NULL, collection_name = NULL, collection_added_at = NULL WHERE i.collection_id = $1`,
        [event.data.collectionId],
      );
      return;
    }
    case 'SourceEventReceived':
      await applyMediaUsage(event, ctx);
      return;
  }
}

async function collectionNamed(ctx: ProjectionContext, collectionId: string, workspaceId: string): Promise<{ collectionId: string; name: string } | null> {
  const result = await ctx.client.query<{ name: string }>(
    `SELECT c.name FROM ${ctx.table(COLLECTIONS)} AS c WHERE c.collection_id = $1 AND c.workspace_id = $2`,
    [collectionId, workspaceId],
  );
  return result.rows.length === 0 ? null : { collectionId, name: result.rows[0].name };
}

/** Moves a collection's item count by `delta` and takes its cover again: its item added last. */
async function countMembers(ctx: ProjectionContext, collectionId: string, delta: 1 | -1): Promise<void> {
  const items = ctx.table(LIBRARY_ITEMS);
  await ctx.client.query(
    `UPDATE ${ctx.table(COLLECTIONS)} AS c SET item_count = c.item_count + $2,
       cover_item_id = (SELECT i.item_id FROM ${items} AS i WHERE i.collection_id = $1 ORDER BY i.collection_added_at DESC, i.item_id DESC LIMIT 1)
     WHERE c.collection_id = $1`,
    [collectionId, delta],
  );
}

const MEDIA_EVENTS = ['PostMediaAttached', 'PostMediaDetached'];

/**
 * One post's attachment of one item, as of the latest post version seen for that pair: an older
 * event arriving later (or one received twice) leaves `attached` as it is, so the result does
 * not depend on the order of arrival. `last_attached_at` is the latest attachment ever seen,
 * which does not depend on it either. The item's usage moves only when `attached` flips, and
 * only for an item of the post's own workspace.
 */
async function applyMediaUsage(event: SourceEventReceived, ctx: ProjectionContext): Promise<void> {
  const { source } = event.data;
  if (source.service !== 'content' || !MEDIA_EVENTS.includes(source.type)) return;
  const data = source.data as Partial<PostMediaAttachedData & PostMediaDetachedData>;
  // content only ever emits uuids here; anything else could name no item of this service.
  if (!isUuid(source.workspaceId) || !isUuid(data.postId) || !isUuid(data.assetId)) return;
  const attached = source.type === 'PostMediaAttached';
  const attachedAt = attached ? (data.attachedAt ?? source.occurredAt) : null;
  const usage = ctx.table(MEDIA_USAGE);
  const result = await ctx.client.query<{ was: boolean | null; is: boolean }>(
    `WITH prev AS (
       SELECT u.attached FROM ${usage} AS u WHERE u.workspace_id = $1 AND u.post_id = $2 AND u.item_id = $3
     ), upserted AS (
       INSERT INTO ${usage} AS u (workspace_id, post_id, item_id, attached, source_version, last_attached_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, post_id, item_id) DO UPDATE SET
         attached = CASE WHEN EXCLUDED.source_version > u.source_version THEN EXCLUDED.attached ELSE u.attached END,
         source_version = GREATEST(u.source_version, EXCLUDED.source_version),
         last_attached_at = GREATEST(u.last_attached_at, EXCLUDED.last_attached_at)
       RETURNING u.attached
     )
     SELECT (SELECT prev.attached FROM prev) AS was, (SELECT upserted.attached FROM upserted) AS is`,
    [source.workspaceId, data.postId, data.assetId, attached, source.version, attachedAt],
  );
  const { was, is } = result.rows[0];
  const delta = Number(is) - Number(was ?? false);
  if (delta === 0 && attachedAt === null) return;
  await ctx.client.query(
    `UPDATE ${ctx.table(LIBRARY_ITEMS)} AS i SET usage_count = i.usage_count + $3, last_used_at = GREATEST(i.last_used_at, $4::timestamptz)
     WHERE i.item_id = $1 AND i.workspace_id = $2`,
    [data.assetId, source.workspaceId, delta, attachedAt],
  );
}
