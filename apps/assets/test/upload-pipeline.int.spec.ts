import { DomainError } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ListedBlob } from '../src/storage/blob-storage.port';
import { LocalBlobStorage } from '../src/storage/local-blob-storage';
import { receiveUpload, storeUpload } from '../src/upload/receive-upload';
import { serveDownload } from '../src/upload/serve-download';
import { jpegBytes, mp4Bytes, noise, pngBytes, truncated, webpBytes } from './fixtures/media-files';

const LIMIT = 64 * 1024;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The upload pipeline and downloads behind a bare node:http server, wired as a controller would:
 * a refusal's status from its error class, `Connection: close` when the body was left unread.
 */
describe('uploads and downloads over HTTP', () => {
  let dataDir: string;
  let storage: LocalBlobStorage;
  let server: Server;
  let url: string;
  /** What the server saw when it refused the last upload. */
  let lastRefusal: { status: number; bytesRead: number } | null;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'uploads-'));
    storage = await LocalBlobStorage.open(dataDir);
    server = createServer((req, res) => {
      void handle(req, res).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : undefined);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    lastRefusal = null;
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'POST' && req.url === '/upload') {
      try {
        const upload = await receiveUpload(req, { tempDir: storage.tempDir, maxBytes: LIMIT });
        const { blob, created } = await storeUpload(storage, upload);
        const { filename, fields, durationSeconds } = upload;
        json(res, created ? 201 : 200, { blob, created, filename, fields, durationSeconds });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        lastRefusal = { status: error.statusCode, bytesRead: req.socket.bytesRead };
        if (!req.complete) res.setHeader('Connection', 'close');
        json(res, error.statusCode, { message: error.message, details: error.details });
      }
      return;
    }
    const blobPath = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url ?? '');
    if (req.method === 'GET' && blobPath) {
      const stat = await storage.stat(blobPath[1]);
      if (!stat) return json(res, 404, { message: 'no such blob' });
      const download = await serveDownload(storage, { sha256: blobPath[1], sizeBytes: stat.sizeBytes, mimeType: 'image/png' }, req.headers);
      res.writeHead(download.status, download.headers);
      if (download.body) await pipeline(download.body, res);
      else res.end();
      return;
    }
    json(res, 404, { message: 'no route' });
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  interface Part {
    bytes: Buffer;
    type: string;
    filename?: string;
  }

  async function upload(files: Part[], fields: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const { bytes, type, filename } of files) form.append('file', new Blob([bytes], { type }), filename ?? 'asset');
    const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function storedBlobs(): Promise<ListedBlob[]> {
    const blobs: ListedBlob[] = [];
    for await (const blob of storage.list()) blobs.push(blob);
    return blobs;
  }

  async function expectNothingLeft(): Promise<void> {
    expect(await readdir(storage.tempDir)).toEqual([]);
    expect(await storedBlobs()).toEqual([]);
  }

  describe('upload', () => {
    afterEach(async () => {
      for (const { sha256: sha } of await storedBlobs()) await storage.delete(sha);
    });

    it('stores an accepted file once, however often the same bytes are uploaded', async () => {
      const png = pngBytes({ width: 30, height: 20 });
      const first = await upload([{ bytes: png, type: 'image/png', filename: 'launch day.png' }], { title: 'Launch', tags: 'a,b' });
      expect(first).toEqual({
        status: 201,
        body: {
          blob: { sha256: sha256(png), sizeBytes: png.length, mimeType: 'image/png', assetType: 'image' },
          created: true,
          filename: 'launch day.png',
          fields: { title: 'Launch', tags: 'a,b' },
          durationSeconds: null,
        },
      });
      const second = await upload([{ bytes: png, type: 'image/png', filename: 'copy.png' }]);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ created: false, blob: { sha256: sha256(png) } });
      expect((await storedBlobs()).map((blob) => blob.sha256)).toEqual([sha256(png)]);
      expect(await readdir(storage.tempDir)).toEqual([]);
    });

    it.each([
      ['JPEG', jpegBytes({ width: 16, height: 16, thumbnail: true }), 'image/jpeg', 'image', null],
      ['WebP', webpBytes(), 'image/webp', 'image', null],
      ['MP4', mp4Bytes({ durationSeconds: 7.25, mdatBytes: 20_000 }), 'video/mp4', 'video', 7.25],
    ])('accepts a %s with its type and duration', async (_name, bytes, mimeType, assetType, durationSeconds) => {
      const { status, body } = await upload([{ bytes, type: mimeType }]);
      expect(status).toBe(201);
      expect(body).toMatchObject({ blob: { sha256: sha256(bytes), sizeBytes: bytes.length, mimeType, assetType }, durationSeconds });
      const download = await fetch(`${url}/blobs/${sha256(bytes)}`);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it('refuses a PNG declared as video/mp4 (415), naming both types', async () => {
      const { status, body } = await upload([{ bytes: pngBytes(), type: 'video/mp4', filename: 'clip.mp4' }]);
      expect(status).toBe(415);
      expect(body).toEqual({ message: 'declared video/mp4 but the bytes are image/png', details: { declared: 'video/mp4', detected: 'image/png' } });
      await expectNothingLeft();
    });

    it('refuses a declared type that is not accepted (415), and bytes of no accepted type (415)', async () => {
      const pdf = await upload([{ bytes: Buffer.from('%PDF-1.7\n'), type: 'application/pdf', filename: 'a.pdf' }]);
      expect(pdf.status).toBe(415);
      expect(pdf.body.message).toBe('declared application/pdf, which is not one of image/jpeg, image/png, image/webp, video/mp4');
      const gif = await upload([{ bytes: Buffer.concat([Buffer.from('GIF89a'), noise(100)]), type: 'image/png' }]);
      expect(gif).toMatchObject({ status: 415, body: { message: 'declared image/png but the bytes are not JPEG, PNG, WebP or MP4' } });
      await expectNothingLeft();
    });

    it.each([
      ['PNG', pngBytes({ width: 10, height: 10 }), 'image/png', 'the PNG file ends inside chunk IEND: it is truncated'],
      ['JPEG', jpegBytes(), 'image/jpeg', 'the JPEG file ends inside the image data: it is truncated'],
      ['WebP', webpBytes(), 'image/webp', 'the WebP file ends inside chunk "VP8L": it is truncated'],
      ['MP4', mp4Bytes(), 'video/mp4', 'the MP4 file ends inside the mvhd box: it is truncated'],
    ])('refuses a truncated %s (400)', async (_name, bytes, type, message) => {
      const { status, body } = await upload([{ bytes: truncated(bytes, 2), type }]);
      expect({ status, message: body.message }).toEqual({ status: 400, message });
      await expectNothingLeft();
    });

    it('cuts a file over the limit off (413) without reading the rest of the request', async () => {
      const big = pngBytes({ width: 2048, height: 2048 }); // 16 MiB of incompressible pixels
      // The server answers while the client is still sending, then closes the connection.
      expect(await upload([{ bytes: big, type: 'image/png' }])).toMatchObject({
        status: 413,
        body: { message: 'the file is larger than the 64 KiB limit', details: { limitBytes: LIMIT } },
      });
      expect(lastRefusal?.status).toBe(413);
      expect(lastRefusal?.bytesRead).toBeLessThan(big.length / 4);
      await expectNothingLeft();
    });

    it.each([
      ['a path', '../../etc/passwd.png'],
      ['a backslash path', '..\\..\\boot.png'],
      ['a directory', 'uploads/a.png'],
      ['a right-to-left override', 'gnp\u202e.exe'],
    ])('refuses a filename with %s (400)', async (_name, filename) => {
      const { status, body } = await upload([{ bytes: pngBytes(), type: 'image/png', filename }]);
      expect(status).toBe(400);
      expect(body.message).toBe(`filename ${JSON.stringify(filename)} must not contain path separators, '..' or control characters`);
      await expectNothingLeft();
    });

    it('refuses a filename with control characters (400), raw or percent-encoded', async () => {
      const send = async (disposition: string): Promise<{ status: number; message: unknown }> => {
        const boundary = 'control-boundary';
        const body = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\nContent-Type: image/png\r\n\r\n`, 'latin1'),
          pngBytes(),
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        const response = await fetch(`${url}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
        return { status: response.status, message: ((await response.json()) as { message: unknown }).message };
      };
      expect(await send("filename*=utf-8''bell%07.png")).toEqual({
        status: 400,
        message: `filename "bell\\u0007.png" must not contain path separators, '..' or control characters`,
      });
      expect(await send('filename="bell\u0007.png"')).toEqual({ status: 400, message: 'malformed multipart body: Malformed part header' });
      await expectNothingLeft();
    });

    it('refuses a request with two files, or none, or that is not multipart (400, 400, 415)', async () => {
      const two = await upload([
        { bytes: pngBytes(), type: 'image/png' },
        { bytes: jpegBytes(), type: 'image/jpeg' },
      ]);
      expect(two).toMatchObject({ status: 400, body: { message: 'the request has more than one file part' } });
      const none = await upload([], { title: 'no file' });
      expect(none).toMatchObject({ status: 400, body: { message: 'the request has no file part' } });
      const json = await fetch(`${url}/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(json.status).toBe(415);
      await expectNothingLeft();
    });

    it('refuses a field given twice (400)', async () => {
      const form = new FormData();
      form.append('title', 'one');
      form.append('title', 'two');
      form.append('file', new Blob([pngBytes()], { type: 'image/png' }), 'a.png');
      const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ message: 'field "title" is given twice' });
      await expectNothingLeft();
    });

    it('refuses a body that ends inside the file part (400)', async () => {
      const boundary = 'unfinished-boundary';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
        pngBytes({ width: 20, height: 20 }).subarray(0, 1000),
      ]);
      const response = await fetch(`${url}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(/^(the file part is cut off|malformed multipart body): Unexpected end of (file|form)$/);
      await expectNothingLeft();
    });

    it('deletes the temporary file when the client goes away half-way', async () => {
      const boundary = 'cut-off-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      );
      const png = pngBytes({ width: 20, height: 20 });
      const req = httpRequest(`${url}/upload`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + png.length + 100) },
      });
      req.on('error', () => undefined);
      req.write(Buffer.concat([head, png.subarray(0, 1000)]));
      // The file exists while the upload is under way ...
      await eventually(async () => expect(await readdir(storage.tempDir)).toHaveLength(1));
      req.destroy();
      // ... and is gone once the request is known to be cut off.
      await eventually(expectNothingLeft);
    });
  });

  describe('download', () => {
    const bytes = noise(1000, 21);
    const sha = sha256(bytes);
    const etag = `"${sha}"`;

    beforeAll(async () => {
      const source = join(storage.tempDir, 'download-source');
      await writeFile(source, bytes);
      await storage.put(sha, source, { sizeBytes: bytes.length, mimeType: 'image/png' });
    });

    async function get(headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
      const response = await fetch(`${url}/blobs/${sha}`, { headers });
      return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    }

    it('answers the whole blob with its ETag, length, type and Accept-Ranges', async () => {
      const { status, headers, body } = await get();
      expect(status).toBe(200);
      expect(Object.fromEntries(['etag', 'content-length', 'content-type', 'accept-ranges'].map((name) => [name, headers.get(name)]))).toEqual({
        etag,
        'content-length': '1000',
        'content-type': 'image/png',
        'accept-ranges': 'bytes',
      });
      expect(body.equals(bytes)).toBe(true);
    });

    it.each([etag, `W/${etag}`, `"other", ${etag}`, '*'])('answers 304 to If-None-Match: %s', async (ifNoneMatch) => {
      const { status, headers, body } = await get({ 'if-none-match': ifNoneMatch });
      expect({ status, etag: headers.get('etag'), length: body.length }).toEqual({ status: 304, etag, length: 0 });
    });

    it('answers 200 to an If-None-Match of other tags', async () => {
      expect((await get({ 'if-none-match': '"other"' })).status).toBe(200);
    });

    it.each([
      ['bytes=0-99', 0, 99],
      ['bytes=0-0', 0, 0],
      ['bytes=900-', 900, 999],
      ['bytes=-50', 950, 999],
      ['bytes=-5000', 0, 999],
      ['bytes=990-5000', 990, 999],
      ['Bytes = 10 - 19', 10, 19],
    ])('answers 206 to Range: %s', async (range, start, end) => {
      const { status, headers, body } = await get({ range });
      expect(status).toBe(206);
      expect(headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(headers.get('content-length')).toBe(String(end - start + 1));
      expect(body.equals(bytes.subarray(start, end + 1))).toBe(true);
    });

    it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('answers 416 to Range: %s', async (range) => {
      const { status, headers, body } = await get({ range });
      expect({ status, contentRange: headers.get('content-range'), length: body.length }).toEqual({
        status: 416,
        contentRange: 'bytes */1000',
        length: 0,
      });
    });

    it.each(['bytes=0-1,5-6', 'bytes=5-1', 'items=0-5', 'bytes=abc'])('answers the whole blob (200) to Range: %s', async (range) => {
      const { status, body } = await get({ range });
      expect(status).toBe(200);
      expect(body.equals(bytes)).toBe(true);
    });

    it('honours a Range only while If-Range matches', async () => {
      expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
      expect((await get({ range: 'bytes=0-9', 'if-range': '"older"' })).status).toBe(200);
    });
  });
});
