import type { AssetMimeType } from '@lib/contracts';
import type { Readable } from 'node:stream';

/** What `put` is told about the file it stores (S3 keeps the type as the object's Content-Type). */
export interface BlobPutInfo {
  sizeBytes: number;
  mimeType: AssetMimeType;
}

export interface BlobStat {
  sizeBytes: number;
}

/** Both ends inclusive, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ListedBlob {
  sha256: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/**
 * Where blobs live, addressed by the SHA-256 of their bytes: the same bytes are stored once,
 * and a blob never changes once stored.
 */
export interface BlobStorage {
  /**
   * Where uploads are written before `put`. For the local driver it lies under the data
   * directory, so `put` is a rename on one filesystem.
   */
  readonly tempDir: string;

  /**
   * Stores the finished file at `sourceFilePath` under `sha256` (the caller computed it while
   * writing the file). When the blob exists already nothing is rewritten and `created` is false.
   * On success the source file is gone (moved, or deleted as not needed); on failure it is left
   * for the caller to delete. A blob is only ever visible complete.
   */
  put(sha256: string, sourceFilePath: string, info: BlobPutInfo): Promise<{ created: boolean }>;

  /** null when there is no such blob. */
  stat(sha256: string): Promise<BlobStat | null>;

  /**
   * A stream of the blob's bytes, or of one range of them. Rejects before any byte with
   * BlobNotFoundError when there is no such blob, and with RangeError when the range starts past
   * its end; a range ending past it is cut at the last byte.
   */
  read(sha256: string, range?: ByteRange): Promise<Readable>;

  /** Idempotent: deleting a blob that is not there succeeds. */
  delete(sha256: string): Promise<void>;

  /** Every stored blob, in no particular order, for the sweep of blobs nobody references. */
  list(): AsyncIterable<ListedBlob>;

  /** Rejects when the store cannot be used (directory not writable, bucket unreachable). */
  health(): Promise<void>;

  /** Releases what the driver holds open (the S3 client's connections), at shutdown. */
  close(): void;
}

export class BlobNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`blob ${sha256} not found`);
    this.name = 'BlobNotFoundError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
export const BLOB_KEY_PREFIX = 'sha256';

/**
 * `sha256/ab/cd/<hex>`: the key both drivers use (a path for the local one, so the hex is
 * checked first: nothing else ever reaches the filesystem or the bucket as a name).
 */
export function blobKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new TypeError(`not a lower-case SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  return `${BLOB_KEY_PREFIX}/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** The hex of a key `blobKey` made, or null for anything else found in the store. */
export function sha256OfKey(key: string): string | null {
  const match = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(key);
  if (!match || !match[3].startsWith(match[1] + match[2])) return null;
  return match[3];
}

export function assertRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`not a byte range: ${start}-${end}`);
  }
}
