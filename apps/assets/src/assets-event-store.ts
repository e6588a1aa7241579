import { COLLECTION_STREAM_TYPE, LIBRARY_ITEM_STREAM_TYPE, WORKSPACE_ASSET_STREAM_TYPE } from '@lib/contracts';
import { CommandHandler, PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';
import {
  collectionDecider,
  libraryItemDecider,
  workspaceAssetDecider,
  type CollectionCommand,
  type CollectionEvent,
  type CollectionState,
  type LibraryItemCommand,
  type LibraryItemEvent,
  type LibraryItemState,
  type WorkspaceAssetCommand,
  type WorkspaceAssetEvent,
  type WorkspaceAssetState,
} from './domain';

/** The assets store. Every event is at schema version 1 so far: no upcasters yet. */
export function createAssetsEventStore(pool: Pool, schema: string): PostgresEventStore {
  return new PostgresEventStore(pool, { schema });
}

export type WorkspaceAssetCommandHandler = CommandHandler<WorkspaceAssetState, WorkspaceAssetCommand, WorkspaceAssetEvent>;
export type LibraryItemCommandHandler = CommandHandler<LibraryItemState, LibraryItemCommand, LibraryItemEvent>;
export type CollectionCommandHandler = CommandHandler<CollectionState, CollectionCommand, CollectionEvent>;

export function workspaceAssetCommandHandler(store: PostgresEventStore): WorkspaceAssetCommandHandler {
  return new CommandHandler(store, workspaceAssetDecider, { streamType: WORKSPACE_ASSET_STREAM_TYPE });
}

export function libraryItemCommandHandler(store: PostgresEventStore): LibraryItemCommandHandler {
  return new CommandHandler(store, libraryItemDecider, { streamType: LIBRARY_ITEM_STREAM_TYPE });
}

export function collectionCommandHandler(store: PostgresEventStore): CollectionCommandHandler {
  return new CommandHandler(store, collectionDecider, { streamType: COLLECTION_STREAM_TYPE });
}
