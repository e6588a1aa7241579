import type { AssetMimeType, AssetType, GenerationData } from '@lib/contracts';
import type { StagedAsset } from '../domain';

/** A staged asset as its stream says it is (strongly consistent). Instants are ISO-8601 UTC. */
export interface StagedAssetView {
  id: string;
  version: number;
  ownerId: string;
  status: StagedAsset['status'];
  assetType: AssetType;
  mimeType: AssetMimeType;
  sizeBytes: number;
  /** The content address of the bytes: also the download's ETag. */
  sha256: string;
  generation: GenerationData;
  createdAt: string;
  expiresAt: string;
}

/** A row of the staging list (eventually consistent, from staging_assets): live assets only. */
export interface StagedAssetSummaryView extends StagedAssetView {
  /** The library item saved from it, while that item exists. */
  savedItemId: string | null;
}

export function stagedAssetView(asset: StagedAsset, version: number): StagedAssetView {
  return {
    id: asset.assetId,
    version,
    ownerId: asset.userId,
    status: asset.status,
    assetType: asset.blob.assetType,
    mimeType: asset.blob.mimeType,
    sizeBytes: asset.blob.sizeBytes,
    sha256: asset.blob.sha256,
    generation: asset.generation,
    createdAt: asset.createdAt,
    expiresAt: asset.expiresAt,
  };
}
