import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, link, mkdir, open, opendir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
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
import { errorCode, unlinkIfPresent } from './fs-errors';

/**
 * Blobs as files under a data directory: `<dataDir>/sha256/ab/cd/<hex>`, uploads in
 * `<dataDir>/tmp` (the same filesystem, so placing a finished upload is a link, not a copy).
 *
 * A blob appears at its address complete and durable or not at all: the file is fsynced, then
 * hard-linked to its address (atomic, and unlike rename it fails when the address is taken, so
 * a blob is never rewritten even by two puts racing), then the directory is fsynced.
 */
export class LocalBlobStorage implements BlobStorage {
  readonly tempDir: string;
  private readonly blobsDir: string;

  private constructor(private readonly dataDir: string) {
    this.tempDir = join(dataDir, 'tmp');
    this.blobsDir = join(dataDir, BLOB_KEY_PREFIX);
  }

  /** Creates the directories it needs. */
  static async open(dataDir: string): Promise<LocalBlobStorage> {
    const storage = new LocalBlobStorage(resolve(dataDir));
    await mkdirDurable(storage.tempDir);
    await mkdirDurable(storage.blobsDir);
    return storage;
  }

  async put(sha256: string, sourceFilePath: string, info: BlobPutInfo): Promise<{ created: boolean }> {
    const target = this.pathOf(sha256);
    if (await this.stat(sha256)) {
      await unlinkIfPresent(sourceFilePath);
      return { created: false };
    }
    await syncFile(sourceFilePath, info.sizeBytes);
    await mkdirDurable(dirname(target));
    let created: boolean;
    try {
      created = await place(sourceFilePath, target);
    } catch (error) {
      // The source is on another filesystem: copy it next to the blobs first, then place that.
      if (errorCode(error) !== 'EXDEV') throw error;
      created = await this.placeCopy(sourceFilePath, target, info.sizeBytes);
    }
    await unlinkIfPresent(sourceFilePath);
    return { created };
  }

  async stat(sha256: string): Promise<BlobStat | null> {
    try {
      return { sizeBytes: (await stat(this.pathOf(sha256))).size };
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable> {
    if (range) assertRange(range);
    const path = this.pathOf(sha256);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw errorCode(error) === 'ENOENT' ? new BlobNotFoundError(sha256) : error;
    });
    try {
      if (!range) return handle.createReadStream();
      const { size } = await handle.stat();
      if (range.start >= size) throw new RangeError(`range starts at ${range.start}, past the ${size} bytes of blob ${sha256}`);
      return handle.createReadStream({ start: range.start, end: Math.min(range.end, size - 1) });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    await unlinkIfPresent(this.pathOf(sha256));
  }

  async *list(): AsyncIterable<ListedBlob> {
    for await (const first of await opendir(this.blobsDir)) {
      if (!first.isDirectory()) continue;
      for await (const second of await opendir(join(this.blobsDir, first.name))) {
        if (!second.isDirectory()) continue;
        const dir = join(this.blobsDir, first.name, second.name);
        for await (const file of await opendir(dir)) {
          const sha256 = file.isFile() ? sha256OfKey(`${BLOB_KEY_PREFIX}/${first.name}/${second.name}/${file.name}`) : null;
          if (!sha256) continue;
          const stats = await stat(join(dir, file.name)).catch((error: unknown) => {
            if (errorCode(error) === 'ENOENT') return null; // deleted while listing
            throw error;
          });
          if (stats) yield { sha256, sizeBytes: stats.size, modifiedAt: stats.mtime };
        }
      }
    }
  }

  /** Nothing stays open between calls: every file is opened and closed by the call that needs it. */
  close(): void {}

  async health(): Promise<void> {
    await access(this.blobsDir, constants.W_OK);
    await access(this.tempDir, constants.W_OK);
  }

  private pathOf(sha256: string): string {
    return join(this.dataDir, blobKey(sha256));
  }

  private async placeCopy(sourceFilePath: string, target: string, sizeBytes: number): Promise<boolean> {
    const copy = join(this.tempDir, `copy-${randomUUID()}`);
    try {
      await copyFile(sourceFilePath, copy, constants.COPYFILE_EXCL);
      await syncFile(copy, sizeBytes);
      return await place(copy, target);
    } finally {
      await unlinkIfPresent(copy);
    }
  }
}

/** Links a synced file to its address and syncs the directory; false when the address was taken. */
async function place(file: string, target: string): Promise<boolean> {
  try {
    await link(file, target);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  await syncDirectory(dirname(target));
  return true;
}

/** Flushes the file's bytes to the disk, checking it has the size the caller counted. */
async function syncFile(path: string, expectedSize: number): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== expectedSize) throw new Error(`${path} has ${size} bytes, not the ${expectedSize} expected`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, then syncs the parent of every directory it created, where that directory's entry lives. */
async function mkdirDurable(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  for (let created = dir; ; created = dirname(created)) {
    await syncDirectory(dirname(created));
    if (created === firstCreated) return;
  }
}
