import { unlink } from 'node:fs/promises';

/**
 * The `code` of a Node system error (ENOENT, EEXIST, …), if it is one. Not `instanceof Error`:
 * errors made by Node itself belong to another realm inside a jest sandbox.
 */
export function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
}

export async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
