import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  BLOB_KEY_PREFIX,
  BlobNotFoundError,
  assertRange,
  blobKey,
  sha256OfKey,
  type BlobPutInfo,
  type BlobStat,
  type BlobStorage,
  type ByteRange,
  type ListedBlob,
} from './blob-storage.port';
import { unlinkIfPresent } from './fs-errors';

export interface S3BlobStorageOptions {
  bucket: string;
  region: string;
  /** Any S3-compatible endpoint (MinIO, R2, Ceph, …); unset for AWS itself. */
  endpoint?: string;
  /** Unset: the SDK's own chain (environment, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`; most self-hosted servers need it. */
  forcePathStyle?: boolean;
  /** Local directory where uploads are written before they are sent to the bucket. */
  tempDir: string;
  /** Multipart part size: at most partSizeBytes × queueSize bytes of an upload are in memory. */
  partSizeBytes?: number;
  queueSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000). */
  listPageSize?: number;
}

const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 4;

/**
 * Blobs as objects of one bucket, keyed `sha256/ab/cd/<hex>`. An object appears only when its
 * upload completes (S3 never shows a partial object), so no temporary key is needed. Two puts of
 * the same new bytes racing may both upload; the second replaces the first with the same bytes.
 */
export class S3BlobStorage implements BlobStorage {
  readonly tempDir: string;
  private readonly client: S3Client;
  private readonly bucket: string;

  private constructor(private readonly options: S3BlobStorageOptions) {
    this.tempDir = options.tempDir;
    this.bucket = options.bucket;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? false,
      // Checksums only where S3 demands them: the SDK's default sends aws-chunked bodies with
      // trailing checksums, which many S3-compatible servers do not understand.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Creates the local temp directory; the bucket must exist. */
  static async open(options: S3BlobStorageOptions): Promise<S3BlobStorage> {
    await mkdir(options.tempDir, { recursive: true });
    return new S3BlobStorage(options);
  }

  async put(sha256: string, sourceFilePath: string, info: BlobPutInfo): Promise<{ created: boolean }> {
    const key = blobKey(sha256);
    if (await this.stat(sha256)) {
      await unlinkIfPresent(sourceFilePath);
      return { created: false };
    }
    const { size } = await stat(sourceFilePath);
    if (size !== info.sizeBytes) throw new Error(`${sourceFilePath} has ${size} bytes, not the ${info.sizeBytes} expected`);
    const body = createReadStream(sourceFilePath);
    try {
      // One PutObject below the part size, a multipart upload (aborted on failure) above it.
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: info.mimeType },
        partSize: this.options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES,
        queueSize: this.options.queueSize ?? DEFAULT_QUEUE_SIZE,
      }).done();
    } finally {
      body.destroy();
    }
    await unlinkIfPresent(sourceFilePath);
    return { created: true };
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
      return { sizeBytes: head.ContentLength ?? 0 };
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw error;
    }
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable> {
    if (range) assertRange(range);
    try {
      const { Body, ContentRange, ContentLength } = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: blobKey(sha256),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      if (!(Body instanceof Readable)) throw new Error(`GetObject of blob ${sha256} answered no Node stream`);
      return range ? exactRange(Body, range, ContentRange, ContentLength) : Body;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) throw new BlobNotFoundError(sha256);
      if (status === 416 && range) throw new RangeError(`range starts at ${range.start}, past the end of blob ${sha256}`);
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    // S3 answers a delete of a missing key with success: idempotent already.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
  }

  async *list(): AsyncIterable<ListedBlob> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.options.listPageSize ?? 1000 },
      { Bucket: this.bucket, Prefix: `${BLOB_KEY_PREFIX}/` },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const sha256 = sha256OfKey(object.Key ?? '');
        if (sha256 && object.Size !== undefined && object.LastModified) {
          yield { sha256, sizeBytes: object.Size, modifiedAt: object.LastModified };
        }
      }
    }
  }

  async health(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Closes the client's connections (tests, shutdown). */
  close(): void {
    this.client.destroy();
  }
}

/**
 * The bytes asked for, even from a server that answered more: HTTP lets a server ignore a Range
 * (200 with the whole object) and some S3-compatible ones misread `bytes=0-0`. Trusting them
 * would send a client more bytes than the Content-Length promised.
 */
function exactRange(body: Readable, range: ByteRange, contentRange: string | undefined, contentLength: number | undefined): Readable {
  const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  const servedStart = served ? Number(served[1]) : 0;
  const size = served ? Number(served[3]) : contentLength;
  const refuse = (error: Error): never => {
    body.destroy();
    throw error;
  };
  if (size === undefined || servedStart > range.start) {
    return refuse(new Error(`the server answered range ${contentRange ?? 'none'} for ${range.start}-${range.end}`));
  }
  if (range.start >= size) return refuse(new RangeError(`range starts at ${range.start}, past the ${size} bytes of the object`));
  const end = Math.min(range.end, size - 1);
  if (served && servedStart === range.start && Number(served[2]) === end) return body;
  return Readable.from(byteWindow(body, range.start - servedStart, end - range.start + 1));
}

async function* byteWindow(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let left = length;
  for await (const chunk of source) {
    let piece = chunk as Buffer;
    if (toSkip > 0) {
      const skipped = Math.min(toSkip, piece.length);
      piece = piece.subarray(skipped);
      toSkip -= skipped;
    }
    if (piece.length === 0) continue;
    // Leaving the loop early destroys the source: the rest is not downloaded.
    if (piece.length >= left) {
      yield piece.subarray(0, left);
      return;
    }
    yield piece;
    left -= piece.length;
  }
  throw new Error('the object ended before the range did');
}

function httpStatusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}
