import type { BlobData } from '@lib/contracts';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { BlobStorage, ByteRange } from '../storage/blob-storage.port';

export interface BlobDownload {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes to send; null for 304 and 416, which have none. */
  body: Readable | null;
}

/**
 * The answer to a GET of a blob: `ETag` is its SHA-256 (the bytes never change, so it is a
 * strong validator), `If-None-Match` gives 304, one `Range` gives 206 (416 when it starts past
 * the end), and several ranges the whole file with 200, which RFC 9110 allows and spares a
 * multipart/byteranges body. `If-Range` that does not match drops the range.
 */
export async function serveDownload(
  storage: BlobStorage,
  blob: Pick<BlobData, 'sha256' | 'sizeBytes' | 'mimeType'>,
  request: IncomingHttpHeaders,
): Promise<BlobDownload> {
  const etag = `"${blob.sha256}"`;
  const base = { ETag: etag, 'Accept-Ranges': 'bytes' };
  if (request['if-none-match'] !== undefined && matchesAny(request['if-none-match'], etag)) {
    return { status: 304, headers: base, body: null };
  }
  const ifRange = request['if-range'];
  const rangeApplies = ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === etag);
  const range = rangeApplies ? parseRange(request.range, blob.sizeBytes) : null;
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...base, 'Content-Range': `bytes */${blob.sizeBytes}` }, body: null };
  }
  const headers = { ...base, 'Content-Type': blob.mimeType };
  if (range === null) {
    return { status: 200, headers: { ...headers, 'Content-Length': String(blob.sizeBytes) }, body: await storage.read(blob.sha256) };
  }
  return {
    status: 206,
    headers: {
      ...headers,
      'Content-Length': String(range.end - range.start + 1),
      'Content-Range': `bytes ${range.start}-${range.end}/${blob.sizeBytes}`,
    },
    body: await storage.read(blob.sha256, range),
  };
}

/** `*`, or a list of entity tags compared weakly (a `W/` prefix is ignored), as If-None-Match is. */
function matchesAny(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/**
 * One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range, its end cut at the last byte.
 * null: no range to honour (absent, another unit, several ranges, or invalid, all of which RFC
 * 9110 lets a server ignore).
 */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const match = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first, last] = match;
  if (first === '') {
    if (last === '') return null;
    const suffix = Number(last);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
