import type { AssetMimeType, AssetType, Visibility } from '@lib/contracts';
import type { LibraryItem } from '../domain';

/**
 * A library item as its stream says it is (strongly consistent): what commands answer.
 * `version` is what a client sends back as If-Match. Instants are ISO-8601 UTC.
 */
export interface LibraryItemView {
  id: string;
  version: number;
  ownerId: string;
  sourceAssetId: string;
  assetType: AssetType;
  mimeType: AssetMimeType;
  sizeBytes: number;
  /** The content address of the bytes: also the download's ETag. */
  sha256: string;
  prompt: string;
  model: string;
  seed: number | null;
  durationSeconds: number | null;
  title: string | null;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
  /** As the item's events say: a collection deleted since shows here until the item moves. */
  collectionId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A library item as lists and `get` read it (eventually consistent, from library_items). */
export interface LibraryItemSummaryView extends LibraryItemView {
  /** null when in no collection, or its collection was deleted. */
  collectionName: string | null;
  /** Posts of the workspace using it now. */
  usageCount: number;
  /** The latest time a post attached it; null if none ever did. */
  lastUsedAt: string | null;
}

export function libraryItemView(item: LibraryItem, version: number): LibraryItemView {
  return {
    id: item.itemId,
    version,
    ownerId: item.userId,
    sourceAssetId: item.sourceAssetId,
    assetType: item.blob.assetType,
    mimeType: item.blob.mimeType,
    sizeBytes: item.blob.sizeBytes,
    sha256: item.blob.sha256,
    prompt: item.prompt,
    model: item.model,
    seed: item.seed,
    durationSeconds: item.durationSeconds,
    title: item.title,
    tags: item.tags,
    favorite: item.favorite,
    visibility: item.visibility,
    collectionId: item.collectionId,
    createdAt: item.savedAt,
    updatedAt: item.updatedAt,
  };
}
