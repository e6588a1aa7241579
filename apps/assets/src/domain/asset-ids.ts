import { createHash } from 'node:crypto';

/**
 * The namespace of every id the assets service derives (RFC 9562 UUID v5). Fixed for ever:
 * changing it would give a retried job or a repeated save a new id, that is a duplicate.
 */
export const ASSETS_ID_NAMESPACE = 'add9ee8f-3034-44dc-953d-92d135757f7c';

/** RFC 9562 §5.5: SHA-1 of the namespace's bytes and the name, with version 5 and the variant set. */
export function uuidV5(name: string, namespace: string = ASSETS_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A staged asset's id: one per (workspace, user, generation job, index in the job), as the seed's
 * `UNIQUE (user_id, job_id, asset_index)`, so registering a retried job's asset finds it.
 */
export function stagedAssetId(workspaceId: string, userId: string, jobId: string, assetIndex: number): string {
  return uuidV5(`workspace-asset:${workspaceId.toLowerCase()}:${userId}:${jobId.toLowerCase()}:${assetIndex}`);
}

/** A library item's id, from the staged asset it was saved from: saving twice finds the same item. */
export function libraryItemId(stagedAssetId: string): string {
  return uuidV5(`library-item:${stagedAssetId.toLowerCase()}`);
}
