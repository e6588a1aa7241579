export {
  BlobNotFoundError,
  type BlobPutInfo,
  type BlobStat,
  type BlobStorage,
  type ByteRange,
  type ListedBlob,
} from './blob-storage.port';
export { LocalBlobStorage } from './local-blob-storage';
export { S3BlobStorage, type S3BlobStorageOptions } from './s3-blob-storage';
export { openBlobStorage } from './open-blob-storage';
