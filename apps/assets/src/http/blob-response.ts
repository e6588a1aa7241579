import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { BlobData } from '@lib/contracts';
import { NotFoundError } from '@lib/service-kit';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream';
import { BlobNotFoundError, type BlobStorage } from '../storage';
import { serveDownload } from '../upload';

/**
 * Answers a GET of a blob: 200, 206, 304 or 416 as serveDownload decides, the bytes streamed.
 * Bytes gone by now (the item was removed since it was read) are a 404 like the item.
 */
export async function answerDownload(
  storage: BlobStorage,
  blob: Pick<BlobData, 'sha256' | 'sizeBytes' | 'mimeType'>,
  request: Request,
  response: Response,
): Promise<void> {
  const download = await serveDownload(storage, blob, request.headers).catch((error: unknown) => {
    throw error instanceof BlobNotFoundError ? new NotFoundError('the file is gone') : error;
  });
  // Authenticated content: caches may keep it for this user only, and must ask again
  // (If-None-Match, a cheap 304) before reuse, as the item may have been made private since.
  response.status(download.status).set({ ...download.headers, 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' });
  // HEAD: Node would discard the bytes, but only after reading all of them from storage.
  if (download.body === null || request.method === 'HEAD') {
    download.body?.destroy();
    response.end();
    return;
  }
  // A failure now (the client went away, storage failed mid-file) can only cut the response off,
  // which pipeline does; its status line is long gone.
  pipeline(download.body, response, () => undefined);
}

/** OpenAPI of a file endpoint. */
export function ApiDownload(): MethodDecorator {
  return applyDecorators(
    ApiProduces('image/jpeg', 'image/png', 'image/webp', 'video/mp4'),
    ApiHeader({ name: 'Range', required: false, description: 'One range, e.g. bytes=0-1023 (several ranges: the whole file)' }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag (the file’s SHA-256, quoted) last seen: 304 when it still is' }),
    ApiResponse({ status: 200, description: 'The file', headers: { ETag: { description: 'The SHA-256 of the bytes, quoted', schema: { type: 'string' } } } }),
    ApiResponse({ status: 206, description: 'The range asked for (Content-Range)' }),
    ApiResponse({ status: 304, description: 'Not modified' }),
    ApiResponse({ status: 416, description: 'The range starts past the end of the file' }),
  );
}
