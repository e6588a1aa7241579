import { join } from 'node:path';
import type { AssetsConfig } from '../assets.config';
import type { BlobStorage } from './blob-storage.port';
import { LocalBlobStorage } from './local-blob-storage';
import { S3BlobStorage } from './s3-blob-storage';

/** The storage ASSETS_STORAGE_DRIVER names; uploads arrive under ASSETS_DATA_DIR either way. */
export function openBlobStorage(config: AssetsConfig): Promise<BlobStorage> {
  if (config.ASSETS_STORAGE_DRIVER === 'local') return LocalBlobStorage.open(config.ASSETS_DATA_DIR);
  const { ASSETS_S3_BUCKET: bucket, ASSETS_S3_REGION: region, ASSETS_S3_ACCESS_KEY_ID: accessKeyId, ASSETS_S3_SECRET_ACCESS_KEY: secretAccessKey } = config;
  // The config's validation has refused this already; the check narrows the types.
  if (bucket === undefined || region === undefined) throw new Error('ASSETS_S3_BUCKET and ASSETS_S3_REGION are required when ASSETS_STORAGE_DRIVER=s3');
  return S3BlobStorage.open({
    bucket,
    region,
    endpoint: config.ASSETS_S3_ENDPOINT,
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : undefined,
    forcePathStyle: config.ASSETS_S3_FORCE_PATH_STYLE,
    tempDir: join(config.ASSETS_DATA_DIR, 'tmp'),
  });
}
