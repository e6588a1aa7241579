import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, unlinkIfPresent } from '../storage/fs-errors';

/**
 * Deletes the files in `tempDir` last written before `before`: uploads cut off by a crash (an
 * upload refused while the service runs deletes its own). A file being written has a recent
 * time, so an upload still arriving is left alone. Returns the names deleted.
 */
export async function removeStaleTempFiles(tempDir: string, before: Date): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of await opendir(tempDir)) {
    if (!entry.isFile()) continue;
    const path = join(tempDir, entry.name);
    const modifiedAt = await stat(path).then(
      (stats) => stats.mtime,
      (error: unknown) => {
        if (errorCode(error) === 'ENOENT') return null; // finished (moved or deleted) while listing
        throw error;
      },
    );
    if (modifiedAt === null || modifiedAt >= before) continue;
    await unlinkIfPresent(path);
    removed.push(entry.name);
  }
  return removed;
}
