import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFoundError, blobKey, type BlobStorage, type ListedBlob } from '../src/storage/blob-storage.port';
import { LocalBlobStorage } from '../src/storage/local-blob-storage';
import { S3BlobStorage } from '../src/storage/s3-blob-storage';
import { noise, pngBytes } from './fixtures/media-files';
import { startS3rver, type RunningS3rver } from './storage-s3rver';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(storage: BlobStorage): Promise<ListedBlob[]> {
  const blobs: ListedBlob[] = [];
  for await (const blob of storage.list()) blobs.push(blob);
  return blobs.sort((a, b) => a.sha256.localeCompare(b.sha256));
}

interface Harness {
  storage: BlobStorage;
  /** Puts something under the store that is not a blob (a stray file, another app's object). */
  addForeignEntries(): Promise<void>;
  close(): Promise<void>;
}

const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3Endpoint = '';
let bucketCount = 0;

const DRIVERS: ReadonlyArray<[string, () => Promise<Harness>]> = [
  [
    'local',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'blobs-local-'));
      const storage = await LocalBlobStorage.open(dataDir);
      return {
        storage,
        addForeignEntries: async () => {
          const dir = join(dataDir, 'sha256', 'ab', 'cd');
          await mkdir(dir, { recursive: true });
          await writeFile(join(dir, 'notes.txt'), 'not a blob');
          // A digest filed under the wrong prefix is not where its blob would be.
          await writeFile(join(dir, sha256(Buffer.from('misfiled'))), 'misfiled');
        },
        close: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  ],
  [
    's3',
    async () => {
      const bucket = `blobs-${++bucketCount}`;
      const client = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, credentials: S3_CREDENTIALS, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const tempDir = await mkdtemp(join(tmpdir(), 'blobs-s3-tmp-'));
      const storage = await S3BlobStorage.open({
        bucket,
        region: 'us-east-1',
        endpoint: s3Endpoint,
        credentials: S3_CREDENTIALS,
        forcePathStyle: true,
        tempDir,
        listPageSize: 2,
      });
      return {
        storage,
        addForeignEntries: async () => {
          for (const key of ['other/thing', 'sha256/ab/cd/notes.txt', `sha256/ab/cd/${sha256(Buffer.from('misfiled'))}`]) {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'not a blob' }));
          }
        },
        close: async () => {
          storage.close();
          client.destroy();
          await rm(tempDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

describe('blob storage drivers', () => {
  let s3rver: RunningS3rver;
  let s3Directory: string;

  beforeAll(async () => {
    s3Directory = await mkdtemp(join(tmpdir(), 's3rver-'));
    s3rver = await startS3rver(s3Directory);
    s3Endpoint = s3rver.endpoint;
  });
  afterAll(async () => {
    await s3rver.stop();
    await rm(s3Directory, { recursive: true, force: true });
  });

  describe.each(DRIVERS)('%s: the BlobStorage contract', (_driver, open) => {
    let harness: Harness;
    let storage: BlobStorage;
    beforeEach(async () => {
      harness = await open();
      storage = harness.storage;
    });
    afterEach(() => harness.close());

    /** A finished upload in the storage's temp dir, as the upload pipeline leaves it. */
    async function upload(bytes: Buffer): Promise<string> {
      const path = join(storage.tempDir, `upload-${randomUUID()}`);
      await writeFile(path, bytes);
      return path;
    }

    async function put(bytes: Buffer): Promise<{ created: boolean; sha: string; source: string }> {
      const source = await upload(bytes);
      const sha = sha256(bytes);
      const { created } = await storage.put(sha, source, { sizeBytes: bytes.length, mimeType: 'image/png' });
      return { created, sha, source };
    }

    it('stores a file at its content address and takes the temp file away', async () => {
      const bytes = pngBytes({ width: 20, height: 20 });
      const { created, sha, source } = await put(bytes);
      expect(created).toBe(true);
      expect(existsSync(source)).toBe(false);
      expect(await storage.stat(sha)).toEqual({ sizeBytes: bytes.length });
      expect(await readAll(await storage.read(sha))).toEqual(bytes);
      expect(await readdir(storage.tempDir)).toEqual([]);
    });

    it('stores the same bytes once: a second put rewrites nothing and answers created=false', async () => {
      const bytes = noise(5000, 2);
      const first = await put(bytes);
      const [before] = await listAll(storage);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a rewrite would show in a later modification time
      const second = await put(bytes);
      expect([first.created, second.created]).toEqual([true, false]);
      expect(existsSync(second.source)).toBe(false);
      expect(await listAll(storage)).toEqual([before]);
      expect(await readAll(await storage.read(first.sha))).toEqual(bytes);
    });

    it('reads a range, both ends inclusive, as a stream; an end past the blob is cut at its last byte', async () => {
      const bytes = noise(3 * 1024 * 1024, 3);
      const { sha } = await put(bytes);
      const whole = await storage.read(sha);
      expect(whole).toBeInstanceOf(Readable);
      let chunks = 0;
      whole.on('data', () => chunks++);
      expect((await readAll(whole)).equals(bytes)).toBe(true);
      expect(chunks).toBeGreaterThan(1);
      expect(await readAll(await storage.read(sha, { start: 0, end: 0 }))).toEqual(bytes.subarray(0, 1));
      expect(await readAll(await storage.read(sha, { start: 1000, end: 1999 }))).toEqual(bytes.subarray(1000, 2000));
      expect(await readAll(await storage.read(sha, { start: bytes.length - 10, end: bytes.length + 50 }))).toEqual(bytes.subarray(-10));
      await expect(storage.read(sha, { start: bytes.length, end: bytes.length + 5 })).rejects.toThrow(RangeError);
      await expect(storage.read(sha, { start: 5, end: 4 })).rejects.toThrow(RangeError);
    });

    it('answers a missing blob with null from stat and BlobNotFoundError from read', async () => {
      const missing = sha256(Buffer.from('never stored'));
      expect(await storage.stat(missing)).toBeNull();
      await expect(storage.read(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(storage.read(missing, { start: 0, end: 9 })).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('deletes idempotently', async () => {
      const { sha } = await put(noise(100, 4));
      await storage.delete(sha);
      expect(await storage.stat(sha)).toBeNull();
      await expect(storage.read(sha)).rejects.toBeInstanceOf(BlobNotFoundError);
      await storage.delete(sha);
      expect(await listAll(storage)).toEqual([]);
    });

    it('lists every blob with its size and time, and nothing else stored beside them', async () => {
      const before = Date.now() - 2000;
      const stored = [];
      for (let seed = 10; seed < 15; seed++) stored.push(await put(noise(100 * seed, seed)));
      await harness.addForeignEntries();
      const listed = await listAll(storage);
      expect(listed.map(({ sha256, sizeBytes }) => ({ sha256, sizeBytes }))).toEqual(
        stored.map(({ sha }, i) => ({ sha256: sha, sizeBytes: 100 * (10 + i) })).sort((a, b) => a.sha256.localeCompare(b.sha256)),
      );
      for (const blob of listed) expect(blob.modifiedAt.getTime()).toBeGreaterThanOrEqual(before);
    });

    it('refuses anything but a SHA-256 hex digest as an address, so no name reaches the store', async () => {
      const source = await upload(Buffer.from('x'));
      for (const bad of ['../../etc/passwd', 'ABCDEF'.padEnd(64, '0'), 'a'.repeat(63), `${'a'.repeat(64)}/..`]) {
        expect(() => blobKey(bad)).toThrow(TypeError);
        await expect(storage.put(bad, source, { sizeBytes: 1, mimeType: 'image/png' })).rejects.toThrow(TypeError);
        await expect(storage.stat(bad)).rejects.toThrow(TypeError);
        await expect(storage.read(bad)).rejects.toThrow(TypeError);
        await expect(storage.delete(bad)).rejects.toThrow(TypeError);
      }
    });

    it('refuses a file whose size is not the one counted, storing nothing and leaving it to the caller', async () => {
      const bytes = noise(300, 5);
      const source = await upload(bytes);
      await expect(storage.put(sha256(bytes), source, { sizeBytes: 299, mimeType: 'image/png' })).rejects.toThrow(/300 bytes, not the 299/);
      expect(existsSync(source)).toBe(true);
      expect(await storage.stat(sha256(bytes))).toBeNull();
    });

    it('answers health', async () => {
      await expect(storage.health()).resolves.toBeUndefined();
    });
  });

  describe('local', () => {
    let dataDir: string;
    let storage: LocalBlobStorage;
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'blobs-local-'));
      storage = await LocalBlobStorage.open(dataDir);
    });
    afterEach(() => rm(dataDir, { recursive: true, force: true }));

    it('keeps blobs at sha256/ab/cd/<hex> and its temp dir in the data dir (one filesystem)', async () => {
      const bytes = noise(10, 6);
      const source = join(storage.tempDir, 'upload');
      await writeFile(source, bytes);
      const sha = sha256(bytes);
      await storage.put(sha, source, { sizeBytes: 10, mimeType: 'image/png' });
      expect((await stat(join(dataDir, 'sha256', sha.slice(0, 2), sha.slice(2, 4), sha))).size).toBe(10);
      expect(storage.tempDir.startsWith(dataDir)).toBe(true);
    });

    it('creates a blob once when the same bytes are put by many at the same moment', async () => {
      const bytes = noise(200_000, 7);
      const sha = sha256(bytes);
      const sources = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const path = join(storage.tempDir, `upload-${i}`);
          await writeFile(path, bytes);
          return path;
        }),
      );
      const results = await Promise.all(sources.map((source) => storage.put(sha, source, { sizeBytes: bytes.length, mimeType: 'image/png' })));
      expect(results.filter(({ created }) => created)).toHaveLength(1);
      expect(await readAll(await storage.read(sha))).toEqual(bytes);
      expect(await readdir(storage.tempDir)).toEqual([]);
    });

    // Where another filesystem is at hand (a tmpfs), the fallback for a source outside the data dir runs for real.
    const otherDevice = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null;
    (otherDevice ? it : it.skip)('copies a source from another filesystem next to the blobs first, then places it', async () => {
      const bytes = noise(70_000, 8);
      const source = join(otherDevice ?? '', `blob-source-${randomUUID()}`);
      await writeFile(source, bytes);
      const { created } = await storage.put(sha256(bytes), source, { sizeBytes: bytes.length, mimeType: 'image/png' });
      expect(created).toBe(true);
      expect(existsSync(source)).toBe(false);
      expect(await readAll(await storage.read(sha256(bytes)))).toEqual(bytes);
      expect(await readdir(storage.tempDir)).toEqual([]);
    });
  });

  describe('s3', () => {
    it('uploads a file larger than a part as a multipart upload, and reads it back whole and in ranges', async () => {
      const bucket = 'blobs-multipart';
      const client = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, credentials: S3_CREDENTIALS, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const tempDir = await mkdtemp(join(tmpdir(), 'blobs-s3-tmp-'));
      const storage = await S3BlobStorage.open({
        bucket,
        region: 'us-east-1',
        endpoint: s3Endpoint,
        credentials: S3_CREDENTIALS,
        forcePathStyle: true,
        tempDir,
        partSizeBytes: 5 * 1024 * 1024,
      });
      try {
        const bytes = noise(12 * 1024 * 1024 + 123, 9);
        const source = join(tempDir, 'upload');
        await writeFile(source, bytes);
        const sha = sha256(bytes);
        expect(await storage.put(sha, source, { sizeBytes: bytes.length, mimeType: 'video/mp4' })).toEqual({ created: true });
        expect(await storage.stat(sha)).toEqual({ sizeBytes: bytes.length });
        expect(sha256(await readAll(await storage.read(sha)))).toBe(sha);
        const start = 5 * 1024 * 1024 - 10;
        expect(await readAll(await storage.read(sha, { start, end: start + 19 }))).toEqual(bytes.subarray(start, start + 20));
        expect(await readdir(tempDir)).toEqual([]);
      } finally {
        storage.close();
        client.destroy();
        await rm(tempDir, { recursive: true, force: true });
      }
    });

    it('reports an unreachable bucket as unhealthy', async () => {
      const storage = await S3BlobStorage.open({
        bucket: 'no-such-bucket',
        region: 'us-east-1',
        endpoint: s3Endpoint,
        credentials: S3_CREDENTIALS,
        forcePathStyle: true,
        tempDir: join(tmpdir(), `blobs-s3-tmp-${randomUUID()}`),
      });
      try {
        await expect(storage.health()).rejects.toThrow();
      } finally {
        storage.close();
        await rm(storage.tempDir, { recursive: true, force: true });
      }
    });
  });
});
