export const WORKSPACE_ASSET_STREAM_TYPE = 'workspace-asset';
export const LIBRARY_ITEM_STREAM_TYPE = 'library-item';
export const COLLECTION_STREAM_TYPE = 'collection';

export const ASSET_TYPES = ['image', 'video'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

/** What is accepted, as detected from the file's own bytes. */
export const ASSET_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'video/mp4'] as const;
export type AssetMimeType = (typeof ASSET_MIME_TYPES)[number];

export const VISIBILITIES = ['private', 'unlisted', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** 1 GiB, as the seed's buckets. */
export const MAX_ASSET_BYTES = 1024 * 1024 * 1024;
/** Generated assets stay staged this long unless saved. */
export const STAGING_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function workspaceAssetStreamId(assetId: string): string {
  return `${WORKSPACE_ASSET_STREAM_TYPE}-${assetId}`;
}
export function libraryItemStreamId(itemId: string): string {
  return `${LIBRARY_ITEM_STREAM_TYPE}-${itemId}`;
}
export function collectionStreamId(collectionId: string): string {
  return `${COLLECTION_STREAM_TYPE}-${collectionId}`;
}

/** The stored bytes: content-addressed, so the same bytes are kept once. */
export interface BlobData {
  sha256: string;
  sizeBytes: number;
  mimeType: AssetMimeType;
  assetType: AssetType;
}

export interface GenerationData {
  jobId: string;
  assetIndex: number;
  seed: number;
  prompt: string;
  model: string;
  settings: Record<string, unknown>;
  durationSeconds: number | null;
}

export interface WorkspaceAssetAddedData {
  assetId: string;
  userId: string;
  blob: BlobData;
  generation: GenerationData;
  createdAt: string;
  expiresAt: string;
}

export interface WorkspaceAssetExpiredData {
  assetId: string;
  userId: string;
  sha256: string;
  expiredAt: string;
}

export interface WorkspaceAssetDiscardedData {
  assetId: string;
  userId: string;
  sha256: string;
  discardedBy: string;
  discardedAt: string;
}

export interface LibraryItemSavedData {
  itemId: string;
  userId: string;
  sourceAssetId: string;
  blob: BlobData;
  prompt: string;
  model: string;
  seed: number | null;
  durationSeconds: number | null;
  title: string | null;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
  collectionId: string | null;
  savedAt: string;
}

export const LIBRARY_ITEM_EDITABLE_FIELDS = ['title', 'tags', 'favorite', 'visibility'] as const;
export type LibraryItemEditableField = (typeof LIBRARY_ITEM_EDITABLE_FIELDS)[number];

export interface LibraryItemUpdatedData {
  itemId: string;
  userId: string;
  title: string | null;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
  changedFields: LibraryItemEditableField[];
  updatedAt: string;
}

export interface LibraryItemMovedData {
  itemId: string;
  userId: string;
  fromCollectionId: string | null;
  toCollectionId: string | null;
  movedAt: string;
}

export interface LibraryItemRemovedData {
  itemId: string;
  userId: string;
  sha256: string;
  collectionId: string | null;
  removedAt: string;
}

export interface CollectionCreatedData {
  collectionId: string;
  userId: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface CollectionRenamedData {
  collectionId: string;
  userId: string;
  name: string;
  previousName: string;
  description: string | null;
  renamedAt: string;
}

export interface CollectionDeletedData {
  collectionId: string;
  userId: string;
  deletedAt: string;
}

export interface AssetsEventDataMap {
  WorkspaceAssetAdded: WorkspaceAssetAddedData;
  WorkspaceAssetExpired: WorkspaceAssetExpiredData;
  WorkspaceAssetDiscarded: WorkspaceAssetDiscardedData;
  LibraryItemSaved: LibraryItemSavedData;
  LibraryItemUpdated: LibraryItemUpdatedData;
  LibraryItemMoved: LibraryItemMovedData;
  LibraryItemRemoved: LibraryItemRemovedData;
  CollectionCreated: CollectionCreatedData;
  CollectionRenamed: CollectionRenamedData;
  CollectionDeleted: CollectionDeletedData;
}

export type AssetsEventType = keyof AssetsEventDataMap;

export const ASSETS_EVENT_SCHEMA_VERSIONS: Readonly<Record<AssetsEventType, number>> = Object.freeze({
  WorkspaceAssetAdded: 1,
  WorkspaceAssetExpired: 1,
  WorkspaceAssetDiscarded: 1,
  LibraryItemSaved: 1,
  LibraryItemUpdated: 1,
  LibraryItemMoved: 1,
  LibraryItemRemoved: 1,
  CollectionCreated: 1,
  CollectionRenamed: 1,
  CollectionDeleted: 1,
});
