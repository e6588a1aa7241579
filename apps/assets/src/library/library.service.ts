import { ASSET_TYPES, collectionStreamId, libraryItemStreamId, workspaceAssetStreamId, type AssetMimeType, type AssetType, type Visibility } from '@lib/contracts';
import { inTransaction, qualified, type PostgresEventStore } from '@lib/event-store';
import { asApplicationErrors, type Clock, decodeCursor, eventMetadata, NotFoundError, type Page, pageLimit, type RequestContext, toPage, ValidationError } from '@lib/service-kit';
import type { Pool, PoolClient } from 'pg';
import {
  collectionCommandHandler,
  libraryItemCommandHandler,
  workspaceAssetCommandHandler,
  type CollectionCommandHandler,
  type LibraryItemCommandHandler,
  type WorkspaceAssetCommandHandler,
} from '../assets-event-store';
import { TAG_MAX_LENGTH, isUuid, libraryItemId, textLength, type Actor, type CollectionTarget, type LibraryItemChanges, type LibraryItemCommand } from '../domain';
import { LIBRARY_ITEMS } from '../projections/library-views.projection';
import { domainActor } from '../request-context';
import type { BlobReferences } from '../staging/blob-references';
import { isCursorInstant, isCursorText } from '../list-cursor';
import { libraryItemView, type LibraryItemSummaryView, type LibraryItemView } from './library-item.views';

/** What a client may give when saving a staged asset; all optional. */
export interface SaveToLibraryInput {
  title?: string | null;
  tags?: string[];
  favorite?: boolean;
  visibility?: string;
  /** null or omitted: in no collection. */
  collectionId?: string | null;
}

export interface SavedLibraryItem {
  item: LibraryItemView;
  /** false: it was saved already, and `item` is that one (nothing was written). */
  created: boolean;
}

export interface LibraryCommandOptions {
  /** The version the client last saw (If-Match); a newer item is a 412, not overwritten. */
  expectedVersion?: number;
}

export const LIBRARY_SCOPES = ['own', 'workspace'] as const;
export const LIBRARY_SORTS = ['newest', 'title'] as const;
export type LibraryScope = (typeof LIBRARY_SCOPES)[number];
export type LibrarySort = (typeof LIBRARY_SORTS)[number];
/** `collectionId` for the items in no collection. */
export const NO_COLLECTION = 'none';
export const SEARCH_MAX_LENGTH = 200;

export interface LibraryListQuery {
  /** `own` (default): the caller's items; `workspace`: the workspace's public items. */
  scope?: string;
  /** One of the caller's collections, or `none` (own items only). */
  collectionId?: string;
  /** Items carrying this tag (compared lower-cased). */
  tag?: string;
  favorite?: boolean;
  /** `image` or `video`. */
  type?: string;
  /** Free text over title, tags and prompt, in web-search syntax (`fox -snow "red fox"`). */
  q?: string;
  /** `newest` (default) or `title` (A to Z, untitled first). */
  sort?: string;
  limit?: number;
  cursor?: string;
}

/** Where a page ends: the last row's sort key, and the sort it is a key of. */
type ListCursor = { sort: 'newest'; createdAt: string; id: string } | { sort: 'title'; titleKey: string; id: string };

interface ItemRow {
  item_id: string;
  version: string;
  user_id: string;
  source_asset_id: string;
  asset_type: AssetType;
  mime_type: AssetMimeType;
  size_bytes: string;
  sha256: string;
  prompt: string;
  model: string;
  seed: string | null;
  duration_seconds: number | null;
  title: string | null;
  title_key: string;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
  collection_id: string | null;
  collection_name: string | null;
  usage_count: number;
  last_used_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

type CommandBase = { actor: Actor; now: Date };

/**
 * The library use cases. Commands go to the item's stream (saving also reads the staged asset's,
 * and a target collection's, and records the blob reference in the same transaction); `get` and
 * `list` read library_items, which follows within moments. A private item is its owner's alone
 * (404 to anyone else); unlisted and public items are readable by the workspace, public ones
 * are listed to it; only the owner writes.
 */
export class LibraryService {
  private readonly items: LibraryItemCommandHandler;
  private readonly assets: WorkspaceAssetCommandHandler;
  private readonly collections: CollectionCommandHandler;
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly blobs: BlobReferences,
  ) {
    this.items = libraryItemCommandHandler(store);
    this.assets = workspaceAssetCommandHandler(store);
    this.collections = collectionCommandHandler(store);
    this.table = qualified(store.schema, LIBRARY_ITEMS);
  }

  /**
   * Saves one of the caller's live staged assets to their library. Saving it again answers the
   * item already saved, with `created: false`, and writes nothing.
   */
  save(context: RequestContext, assetId: string, input: SaveToLibraryInput = {}): Promise<SavedLibraryItem> {
    return asApplicationErrors(async () => {
      const workspaceId = context.actor.workspaceId;
      const result = await inTransaction(this.pool, async (client) => {
        const source = await this.assets.load(workspaceAssetStreamId(assetId), workspaceId, undefined, client);
        const collection = await this.target(input.collectionId ?? null, workspaceId, client);
        const handled = await this.items.handle(
          libraryItemStreamId(libraryItemId(assetId)),
          {
            type: 'SaveLibraryItem',
            actor: domainActor(context),
            now: this.clock(),
            sourceAssetId: assetId,
            source: source.state,
            title: input.title,
            tags: input.tags,
            favorite: input.favorite,
            visibility: input.visibility,
            collection,
          },
          { metadata: eventMetadata(context), client },
        );
        await this.blobs.record(client, workspaceId, handled.events);
        return handled;
      });
      if (result.state.status !== 'saved') throw new NotFoundError('library item not found');
      return { item: libraryItemView(result.state, result.version), created: result.events.length > 0 };
    });
  }

  update(context: RequestContext, itemId: string, changes: LibraryItemChanges, options: LibraryCommandOptions = {}): Promise<LibraryItemView> {
    return this.execute(context, itemId, async (base) => ({ type: 'UpdateLibraryItem', changes, ...base }), options);
  }

  /** Into one of the caller's collections, or out of any (`null`). */
  move(context: RequestContext, itemId: string, collectionId: string | null, options: LibraryCommandOptions = {}): Promise<LibraryItemView> {
    return this.execute(
      context,
      itemId,
      async (base, client) => ({ type: 'MoveLibraryItem', to: await this.target(collectionId, context.actor.workspaceId, client), ...base }),
      options,
    );
  }

  /** Removes the item; its blob's bytes go once nothing else holds them. */
  async remove(context: RequestContext, itemId: string, options: LibraryCommandOptions = {}): Promise<void> {
    const released = await asApplicationErrors(
      () =>
        inTransaction(this.pool, async (client) => {
          const handled = await this.items.handle(
            libraryItemStreamId(itemId),
            { type: 'RemoveLibraryItem', actor: domainActor(context), now: this.clock() },
            { metadata: eventMetadata(context), expectedVersion: options.expectedVersion, client },
          );
          return this.blobs.record(client, context.actor.workspaceId, handled.events);
        }),
      options.expectedVersion,
    );
    await this.blobs.deleteReleased(released);
  }

  /** An item the caller may see: their own, or another user's that is not private. */
  async get(context: RequestContext, itemId: string): Promise<LibraryItemSummaryView> {
    if (!isUuid(itemId)) throw new NotFoundError('library item not found');
    const result = await this.pool.query<ItemRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS i
       WHERE i.item_id = $1 AND i.workspace_id = $2 AND (i.user_id = $3 OR i.visibility <> 'private')`,
      [itemId.toLowerCase(), context.actor.workspaceId, context.actor.userId],
    );
    if (result.rows.length === 0) throw new NotFoundError('library item not found');
    return rowView(result.rows[0], context.actor.userId);
  }

  /** The caller's items, or the workspace's public ones, filtered, newest first or by title. */
  async list(context: RequestContext, query: LibraryListQuery = {}): Promise<Page<LibraryItemSummaryView>> {
    const limit = pageLimit(query.limit);
    const scope: LibraryScope = oneOf('scope', query.scope ?? 'own', LIBRARY_SCOPES);
    const sort: LibrarySort = oneOf('sort', query.sort ?? 'newest', LIBRARY_SORTS);
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = [`i.workspace_id = ${param(context.actor.workspaceId)}`];
    where.push(scope === 'own' ? `i.user_id = ${param(context.actor.userId)}` : `i.visibility = 'public'`);
    if (query.collectionId !== undefined) {
      if (scope !== 'own') throw new ValidationError('collectionId filters the caller\'s own items: use scope "own"');
      if (query.collectionId === NO_COLLECTION) where.push('i.collection_id IS NULL');
      else if (isUuid(query.collectionId)) where.push(`i.collection_id = ${param(query.collectionId.toLowerCase())}`);
      else throw new ValidationError(`collectionId must be a UUID or "${NO_COLLECTION}"`);
    }
    if (query.tag !== undefined) {
      const tag = query.tag.trim().toLowerCase();
      if (tag.length === 0 || textLength(tag) > TAG_MAX_LENGTH) throw new ValidationError(`tag must be 1 to ${TAG_MAX_LENGTH} characters`);
      where.push(`i.tags @> ARRAY[${param(tag)}]::text[]`);
    }
    if (query.favorite !== undefined) where.push(`i.favorite = ${param(query.favorite)}`);
    if (query.type !== undefined) where.push(`i.asset_type = ${param(oneOf('type', query.type, ASSET_TYPES))}`);
    if (query.q !== undefined) {
      const text = query.q.trim();
      if (text.length === 0 || textLength(text) > SEARCH_MAX_LENGTH) throw new ValidationError(`q must be 1 to ${SEARCH_MAX_LENGTH} characters`);
      where.push(`i.search @@ websearch_to_tsquery('simple', ${param(text)})`);
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor, isListCursor);
      if (after.sort !== sort) throw new ValidationError(`cursor belongs to sort "${after.sort}", not "${sort}"`);
      where.push(
        after.sort === 'newest'
          ? `(i.created_at, i.item_id) < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::uuid)`
          : `(i.title_key, i.item_id) > (${param(after.titleKey)}::text, ${param(after.id)}::uuid)`,
      );
    }
    const order = sort === 'newest' ? 'i.created_at DESC, i.item_id DESC' : 'i.title_key, i.item_id';
    const result = await this.pool.query<ItemRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS i WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = toPage(result.rows, limit, (last): ListCursor =>
      sort === 'newest' ? { sort, createdAt: last.created_at.toISOString(), id: last.item_id } : { sort, titleKey: last.title_key, id: last.item_id },
    );
    return { items: page.items.map((row) => rowView(row, context.actor.userId)), nextCursor: page.nextCursor };
  }

  /** The collection an item goes to, as its stream says it is now (the decider checks it). */
  private async target(collectionId: string | null, workspaceId: string, client: PoolClient): Promise<CollectionTarget | null> {
    if (collectionId === null) return null;
    const loaded = await this.collections.load(collectionStreamId(collectionId), workspaceId, undefined, client);
    return { collectionId, state: loaded.state };
  }

  private execute(
    context: RequestContext,
    itemId: string,
    command: (base: CommandBase, client: PoolClient) => Promise<LibraryItemCommand>,
    options: LibraryCommandOptions,
  ): Promise<LibraryItemView> {
    return asApplicationErrors(async () => {
      // One transaction, so a collection read for the command is read on the same connection.
      const result = await inTransaction(this.pool, async (client) =>
        this.items.handle(libraryItemStreamId(itemId), await command({ actor: domainActor(context), now: this.clock() }, client), {
          metadata: eventMetadata(context),
          expectedVersion: options.expectedVersion,
          client,
        }),
      );
      if (result.state.status !== 'saved') throw new NotFoundError('library item not found');
      return libraryItemView(result.state, result.version);
    }, options.expectedVersion);
  }
}

const COLUMNS = `i.item_id, i.version, i.user_id, i.source_asset_id, i.asset_type, i.mime_type, i.size_bytes, i.sha256, i.prompt, i.model, i.seed,
  i.duration_seconds, i.title, i.title_key, i.tags, i.favorite, i.visibility, i.collection_id, i.collection_name, i.usage_count, i.last_used_at,
  i.created_at, i.updated_at`;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new ValidationError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** As `callerId` may see the row: collections are private to their owner, so another user sees none. */
function rowView(row: ItemRow, callerId: string): LibraryItemSummaryView {
  const own = row.user_id === callerId;
  return {
    id: row.item_id,
    version: Number(row.version),
    ownerId: row.user_id,
    sourceAssetId: row.source_asset_id,
    assetType: row.asset_type,
    mimeType: row.mime_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    prompt: row.prompt,
    model: row.model,
    seed: row.seed === null ? null : Number(row.seed),
    durationSeconds: row.duration_seconds,
    title: row.title,
    tags: row.tags,
    favorite: row.favorite,
    visibility: row.visibility,
    collectionId: own ? row.collection_id : null,
    collectionName: own ? row.collection_name : null,
    usageCount: row.usage_count,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function isListCursor(value: unknown): value is ListCursor {
  const cursor = value as Record<string, unknown> | null;
  if (typeof cursor !== 'object' || cursor === null || !isUuid(cursor.id)) return false;
  if (cursor.sort === 'newest') return isCursorInstant(cursor.createdAt);
  return cursor.sort === 'title' && isCursorText(cursor.titleKey);
}
