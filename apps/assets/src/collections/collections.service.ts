import { collectionStreamId } from '@lib/contracts';
import { ConcurrencyError, type PostgresEventStore, qualified } from '@lib/event-store';
import { asApplicationErrors, type Clock, decodeCursor, DomainError, eventMetadata, NotFoundError, type Page, pageLimit, type RequestContext, toPage, ValidationError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { collectionCommandHandler, type CollectionCommandHandler } from '../assets-event-store';
import { isCursorInstant } from '../list-cursor';
import { isUuid, requireOwnCollection, type Collection, type CollectionCommand, type Actor } from '../domain';
import type { LibraryService } from '../library/library.service';
import { COLLECTIONS } from '../projections/library-views.projection';
import { domainActor } from '../request-context';

/** A collection as its stream says it is (strongly consistent); `version` is for If-Match. */
export interface CollectionView {
  id: string;
  version: number;
  ownerId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A collection as lists and `getCollection` read it (eventually consistent, from collections). */
export interface CollectionSummaryView extends CollectionView {
  itemCount: number;
  /** Its item added last; null when empty. */
  coverItemId: string | null;
}

export interface CreateCollectionInput {
  name: string;
  description?: string | null;
}

export interface RenameCollectionInput {
  name: string;
  /** Omitted: unchanged; null or blank: cleared. */
  description?: string | null;
}

export interface CollectionCommandOptions {
  /** The version the client last saw (If-Match). */
  expectedVersion?: number;
}

export interface CollectionListQuery {
  limit?: number;
  cursor?: string;
}

/** One id of a `setCollectionItems`, answered on its own. */
export type CollectionItemResult =
  | { id: string; status: 'success' }
  | { id: string; status: 'error'; error: { statusCode: number; message: string } };

/** The most ids one `setCollectionItems` takes: each is a command of its own. */
export const MAX_COLLECTION_ITEMS_PER_REQUEST = 100;

interface ListCursor {
  createdAt: string;
  id: string;
}

interface CollectionRow {
  collection_id: string;
  version: string;
  user_id: string;
  name: string;
  description: string | null;
  item_count: number;
  cover_item_id: string | null;
  created_at: Date;
  updated_at: Date;
}

type CommandBase = { actor: Actor; now: Date };

/**
 * The collection use cases. Commands go to the collection's stream; which items are in it is
 * each item's own state, so filling a collection moves items (LibraryService.move). Reads come
 * from the collections read model, with the counts and cover the projection keeps. A
 * collection is its owner's alone: to anyone else it answers 404.
 */
export class CollectionsService {
  private readonly collections: CollectionCommandHandler;
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly library: LibraryService,
  ) {
    this.collections = collectionCommandHandler(store);
    this.table = qualified(store.schema, COLLECTIONS);
  }

  createCollection(context: RequestContext, input: CreateCollectionInput): Promise<CollectionView> {
    const collectionId = randomUUID();
    return this.execute(context, collectionId, (base) => ({ type: 'CreateCollection', collectionId, name: input.name, description: input.description, ...base }), {});
  }

  renameCollection(context: RequestContext, collectionId: string, input: RenameCollectionInput, options: CollectionCommandOptions = {}): Promise<CollectionView> {
    return this.execute(context, collectionId, (base) => ({ type: 'RenameCollection', name: input.name, description: input.description, ...base }), options);
  }

  /** Deletes the collection; its items stay in the library, in no collection. */
  async deleteCollection(context: RequestContext, collectionId: string, options: CollectionCommandOptions = {}): Promise<void> {
    await this.execute(context, collectionId, (base) => ({ type: 'DeleteCollection', ...base }), options);
  }

  /**
   * Puts each of `ids` (the caller's library items) into the collection, each as its own command,
   * answered in order: one that fails (absent, not the caller's, invalid) leaves the others done.
   * Items already in it succeed without a change; items not named stay where they are.
   * @throws NotFoundError when the collection is not the caller's
   */
  async setCollectionItems(context: RequestContext, collectionId: string, ids: readonly string[]): Promise<CollectionItemResult[]> {
    if (ids.length > MAX_COLLECTION_ITEMS_PER_REQUEST) throw new ValidationError(`at most ${MAX_COLLECTION_ITEMS_PER_REQUEST} ids per request`);
    await asApplicationErrors(async () => {
      const loaded = await this.collections.load(collectionStreamId(collectionId), context.actor.workspaceId);
      requireOwnCollection(loaded.state, domainActor(context), collectionId);
    });
    const results: CollectionItemResult[] = [];
    for (const id of ids) {
      try {
        await this.library.move(context, id, collectionId);
        results.push({ id, status: 'success' });
      } catch (error) {
        // What would have been a 4xx on its own is one id's failure: a refusal, or a conflict that
        // outlasted the retries (409). Anything else (the database gone) fails the request, and
        // the ids before it stay done, as each was its own command.
        if (error instanceof ConcurrencyError) {
          results.push({ id, status: 'error', error: { statusCode: 409, message: `item ${id} kept changing meanwhile; try again` } });
          continue;
        }
        if (!(error instanceof DomainError)) throw error;
        results.push({ id, status: 'error', error: { statusCode: error.statusCode, message: error.message } });
      }
    }
    return results;
  }

  async getCollection(context: RequestContext, collectionId: string): Promise<CollectionSummaryView> {
    if (!isUuid(collectionId)) throw new NotFoundError('collection not found');
    const result = await this.pool.query<CollectionRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS c WHERE c.collection_id = $1 AND c.workspace_id = $2 AND c.user_id = $3`,
      [collectionId.toLowerCase(), context.actor.workspaceId, context.actor.userId],
    );
    if (result.rows.length === 0) throw new NotFoundError('collection not found');
    return rowView(result.rows[0]);
  }

  /** The caller's collections, newest first, each with its item count and cover. */
  async listCollections(context: RequestContext, query: CollectionListQuery = {}): Promise<Page<CollectionSummaryView>> {
    const limit = pageLimit(query.limit);
    const params: unknown[] = [context.actor.workspaceId, context.actor.userId];
    let after = '';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, isListCursor);
      params.push(cursor.createdAt, cursor.id);
      after = 'AND (c.created_at, c.collection_id) < ($3::timestamptz, $4::uuid)';
    }
    params.push(limit + 1);
    const result = await this.pool.query<CollectionRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS c
       WHERE c.workspace_id = $1 AND c.user_id = $2 ${after}
       ORDER BY c.created_at DESC, c.collection_id DESC
       LIMIT $${params.length}`,
      params,
    );
    return toPage(result.rows.map(rowView), limit, (last): ListCursor => ({ createdAt: last.createdAt, id: last.id }));
  }

  private execute(
    context: RequestContext,
    collectionId: string,
    command: (base: CommandBase) => CollectionCommand,
    options: CollectionCommandOptions,
  ): Promise<CollectionView> {
    return asApplicationErrors(async () => {
      const result = await this.collections.handle(collectionStreamId(collectionId), command({ actor: domainActor(context), now: this.clock() }), {
        metadata: eventMetadata(context),
        expectedVersion: options.expectedVersion,
      });
      if (result.state.status === 'none') throw new NotFoundError('collection not found');
      return collectionView(result.state, result.version);
    }, options.expectedVersion);
  }
}

const COLUMNS = `c.collection_id, c.version, c.user_id, c.name, c.description, c.item_count, c.cover_item_id, c.created_at, c.updated_at`;

function collectionView(collection: Collection, version: number): CollectionView {
  return {
    id: collection.collectionId,
    version,
    ownerId: collection.userId,
    name: collection.name,
    description: collection.description,
    createdAt: collection.createdAt,
    updatedAt: collection.updatedAt,
  };
}

function rowView(row: CollectionRow): CollectionSummaryView {
  return {
    id: row.collection_id,
    version: Number(row.version),
    ownerId: row.user_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    itemCount: row.item_count,
    coverItemId: row.cover_item_id,
  };
}

function isListCursor(value: unknown): value is ListCursor {
  const cursor = value as Partial<ListCursor> | null;
  return typeof cursor === 'object' && cursor !== null && isCursorInstant(cursor.createdAt) && isUuid(cursor.id);
}
