import { mintDevToken } from '@lib/auth';
import { encodeCursor } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { CollectionView } from '../src/collections/collections.service';
import type { LibraryItemView } from '../src/library/library-item.views';
import type { StagedAssetView } from '../src/staging/staged-asset.views';
import {
  AssetsApp,
  describeRoute,
  generationFields,
  JWT_SECRET,
  ROUTES,
  settled,
  STEPWISE_TEST_TIMEOUT_MS,
  uploadForm,
  urlOf,
  type FilePart,
  type Route,
  type RouteIds,
} from './assets-e2e-kit';
import { mp4Bytes, noise, pngBytes, truncated } from './fixtures/media-files';

const UPLOAD_LIMIT = 64 * 1024;

/** A request that must be refused whole: `{asset}`, `{item}` and `{collection}` in the URL name this user's fixtures. */
interface BadRequest {
  name: string;
  method: Route['method'];
  url: string;
  /** An object is sent as JSON, a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** What the message must say. */
  message: RegExp;
}

const ASSET = '{asset}';
const ITEM = '{item}';
const COLLECTION = '{collection}';
const fixtures: RouteIds = { 'workspace-asset': ASSET, 'library-item': ITEM, collection: COLLECTION };
/** The routes whose writes take If-Match. */
const VERSIONED = new Set(['library-item', 'collection']);

/** The refusals every JSON route owes: bad ids, unknown query parameters, and for the writes unknown fields, malformed, misshapen or oversized bodies and bad If-Match. */
function everyRouteRefusals(): BadRequest[] {
  return ROUTES.filter((route) => !route.multipart).flatMap((route): BadRequest[] => {
    const name = describeRoute(route);
    const url = urlOf(route, fixtures);
    const refusals: BadRequest[] = [];
    if (route.path.includes('{id}')) {
      refusals.push({ name: `${name}: an id that is not a UUID`, method: route.method, url: urlOf(route, { [route.target]: 'not-a-uuid' }), body: route.body?.(), status: 400, message: /id must be a UUID/ });
    }
    refusals.push({ name: `${name}: an unknown query parameter`, method: route.method, url: `${url}?sneaky=1`, body: route.body?.(), status: 400, message: /sneaky should not exist/ });
    if (route.method === 'GET') return refusals;
    refusals.push(
      { name: `${name}: an unknown field`, method: route.method, url, body: { ...route.body?.(), ownerId: randomUUID() }, status: 400, message: /property ownerId should not exist/ },
      { name: `${name}: malformed JSON`, method: route.method, url, body: '{"title": "unfinished', status: 400, message: /Request body is not valid JSON/ },
      { name: `${name}: a body that is not an object`, method: route.method, url, body: '["title"]', status: 400, message: /Request body must be a JSON object/ },
      { name: `${name}: a body over HTTP_BODY_LIMIT`, method: route.method, url, body: { ...route.body?.(), padding: 'x'.repeat(20_000) }, status: 413, message: /larger than the 16kb limit/ },
    );
    if (VERSIONED.has(route.target) && route.method !== 'PUT') {
      refusals.push({ name: `${name}: an If-Match that is not a version`, method: route.method, url, body: route.body?.(), headers: { 'if-match': 'W/"abc"' }, status: 400, message: /If-Match must be the resource version/ });
    }
    return refusals;
  });
}

/** What each JSON route's own input must not be. */
const ROUTE_REFUSALS: BadRequest[] = [
  // Lists: filters, page sizes and cursors.
  { name: 'GET /v1/workspace-assets: a limit of 0', method: 'GET', url: '/v1/workspace-assets?limit=0', status: 400, message: /limit must not be less than 1/ },
  { name: 'GET /v1/workspace-assets: a forged cursor', method: 'GET', url: `/v1/workspace-assets?cursor=${encodeCursor({ expiresAt: 'soon' })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
  { name: 'GET /v1/library: an unknown scope', method: 'GET', url: '/v1/library?scope=everyone', status: 400, message: /scope must be one of/ },
  { name: 'GET /v1/library: an unknown sort', method: 'GET', url: '/v1/library?sort=random', status: 400, message: /sort must be one of/ },
  { name: 'GET /v1/library: an unknown type', method: 'GET', url: '/v1/library?type=gif', status: 400, message: /type must be one of/ },
  { name: 'GET /v1/library: favorite that is no boolean', method: 'GET', url: '/v1/library?favorite=yes', status: 400, message: /favorite must be true or false/ },
  { name: 'GET /v1/library: a collection that is no UUID', method: 'GET', url: '/v1/library?collectionId=spring', status: 400, message: /collectionId must be a UUID or \\"none\\"/ },
  { name: 'GET /v1/library: a blank search', method: 'GET', url: '/v1/library?q=%20%20', status: 400, message: /q must not be blank/ },
  { name: 'GET /v1/library: a tag too long', method: 'GET', url: `/v1/library?tag=${'t'.repeat(51)}`, status: 400, message: /tag must be shorter than or equal to 50 characters/ },
  { name: 'GET /v1/library: two tags', method: 'GET', url: '/v1/library?tag=a&tag=b', status: 400, message: /tag must be a string/ },
  { name: 'GET /v1/library: a cursor of another sort', method: 'GET', url: `/v1/library?sort=title&cursor=${encodeCursor({ sort: 'newest', createdAt: new Date().toISOString(), id: randomUUID() })}`, status: 400, message: /cursor belongs to sort \\"newest\\"/ },
  { name: 'GET /v1/library: a workspace scope with a collection', method: 'GET', url: '/v1/library?scope=workspace&collectionId=none', status: 400, message: /collectionId filters the caller's own items/ },
  { name: 'GET /v1/library: a NUL in the search', method: 'GET', url: '/v1/library?q=fox%00', status: 400, message: /query parameter q must not contain U\+0000 or unpaired surrogates/ },
  { name: 'GET /v1/library: a NUL in the tag', method: 'GET', url: '/v1/library?tag=%00fox', status: 400, message: /query parameter tag must not contain U\+0000 or unpaired surrogates/ },
  // Cursors a client edited: instants not written as this API writes them (Date.parse takes them all, PostgreSQL
  // refuses most), a title key with a NUL or a lone surrogate.
  ...['1', '2024-02-30T00:00:00Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2030-01-01T10:00:00+01:00'].flatMap((at): BadRequest[] => [
    { name: `GET /v1/library: a cursor at ${at}`, method: 'GET', url: `/v1/library?cursor=${encodeCursor({ sort: 'newest', createdAt: at, id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
    { name: `GET /v1/workspace-assets: a cursor at ${at}`, method: 'GET', url: `/v1/workspace-assets?cursor=${encodeCursor({ expiresAt: at, id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
    { name: `GET /v1/collections: a cursor at ${at}`, method: 'GET', url: `/v1/collections?cursor=${encodeCursor({ createdAt: at, id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
  ]),
  { name: 'GET /v1/library: a cursor whose title key holds a NUL', method: 'GET', url: `/v1/library?sort=title&cursor=${encodeCursor({ sort: 'title', titleKey: 'fox\u0000', id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
  { name: 'GET /v1/library: a cursor whose title key holds a lone surrogate', method: 'GET', url: `/v1/library?sort=title&cursor=${encodeCursor({ sort: 'title', titleKey: 'fox\uD800', id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
  { name: 'GET /v1/collections: a limit over 100', method: 'GET', url: '/v1/collections?limit=101', status: 400, message: /limit must not be greater than 100/ },

  // Saving and editing items.
  { name: 'POST /v1/workspace-assets/{id}/save: a numeric title', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { title: 5 }, status: 400, message: /title must be a string/ },
  { name: 'POST /v1/workspace-assets/{id}/save: tags as text', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { tags: 'a,b' }, status: 400, message: /tags must be an array/ },
  { name: 'POST /v1/workspace-assets/{id}/save: an unknown visibility', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { visibility: 'secret' }, status: 400, message: /visibility must be one of/ },
  { name: 'POST /v1/workspace-assets/{id}/save: favorite as text', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { favorite: 'yes' }, status: 400, message: /favorite must be a boolean/ },
  { name: 'POST /v1/workspace-assets/{id}/save: a collection that is no UUID', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { collectionId: 'spring' }, status: 400, message: /collectionId must be a UUID/ },
  { name: 'POST /v1/workspace-assets/{id}/save: a blank tag', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { tags: ['ok', ' '] }, status: 400, message: /tags\.1: must not be blank/ },
  { name: 'PATCH /v1/library/{id}: a number among the tags', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { tags: ['ok', 7] }, status: 400, message: /each value in tags must be a string/ },
  { name: 'PATCH /v1/library/{id}: a title too long', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { title: 't'.repeat(201) }, status: 400, message: /title: must be at most 200 characters/ },
  { name: 'PATCH /v1/library/{id}: a collection (moved, not edited)', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { collectionId: null }, status: 400, message: /property collectionId should not exist/ },
  { name: 'PATCH /v1/library/{id}: a stale If-Match', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { favorite: true }, headers: { 'if-match': '"99"' }, status: 412, message: /version 99 is not the current version 1/ },
  { name: 'POST /v1/library/{id}/move: no collection', method: 'POST', url: `/v1/library/${ITEM}/move`, body: {}, status: 400, message: /collectionId must be a UUID/ },
  { name: 'POST /v1/library/{id}/move: a numeric collection', method: 'POST', url: `/v1/library/${ITEM}/move`, body: { collectionId: 7 }, status: 400, message: /collectionId must be a UUID/ },
  { name: 'POST /v1/library/{id}/move: a collection that does not exist', method: 'POST', url: `/v1/library/${ITEM}/move`, body: { collectionId: randomUUID() }, status: 404, message: /collection .*not found/ },

  // Collections.
  { name: 'POST /v1/collections: no name', method: 'POST', url: '/v1/collections', body: {}, status: 400, message: /name must be a string/ },
  { name: 'POST /v1/collections: a blank name', method: 'POST', url: '/v1/collections', body: { name: '   ' }, status: 400, message: /name: is required/ },
  { name: 'POST /v1/collections: a numeric description', method: 'POST', url: '/v1/collections', body: { name: 'N', description: 3 }, status: 400, message: /description must be a string/ },
  { name: 'PATCH /v1/collections/{id}: a null name', method: 'PATCH', url: `/v1/collections/${COLLECTION}`, body: { name: null }, status: 400, message: /name must be a string/ },
  { name: 'PUT /v1/collections/{id}/items: no ids', method: 'PUT', url: `/v1/collections/${COLLECTION}/items`, body: { ids: [] }, status: 400, message: /ids must contain at least 1 elements/ },
  { name: 'PUT /v1/collections/{id}/items: an id that is no UUID', method: 'PUT', url: `/v1/collections/${COLLECTION}/items`, body: { ids: [randomUUID(), 'fox.png'] }, status: 400, message: /each value in ids must be a UUID/ },
  { name: 'PUT /v1/collections/{id}/items: over 100 ids', method: 'PUT', url: `/v1/collections/${COLLECTION}/items`, body: { ids: Array.from({ length: 101 }, () => randomUUID()) }, status: 400, message: /ids must contain no more than 100 elements/ },
  { name: 'PUT /v1/collections/{id}/items: a collection that does not exist', method: 'PUT', url: `/v1/collections/${randomUUID()}/items`, body: { ids: [randomUUID()] }, status: 404, message: /collection .*not found/ },
  { name: 'POST /v1/admin/projections/{name}/rebuild: an unknown projection', method: 'POST', url: '/v1/admin/projections/post_summaries/rebuild', status: 404, message: /no projection named post_summaries/ },
];

const CASES = [...everyRouteRefusals(), ...ROUTE_REFUSALS];

/** JSON bodies with text PostgreSQL cannot store: refused for every service by the kit's JSON-body check, not by these DTOs. */
const UNSTORABLE_BODIES: Array<Omit<BadRequest, 'status' | 'message'> & { at: string }> = [
  { name: 'POST /v1/workspace-assets/{id}/save: a NUL in the title', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { title: 'fox\u0000' }, at: 'body.title' },
  { name: 'POST /v1/workspace-assets/{id}/save: a lone surrogate in a tag', method: 'POST', url: `/v1/workspace-assets/${ASSET}/save`, body: { tags: ['fox\uD800'] }, at: 'body.tags[0]' },
  { name: 'PATCH /v1/library/{id}: a NUL in a tag', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { tags: ['\u0000'] }, at: 'body.tags[0]' },
  { name: 'PATCH /v1/library/{id}: a lone surrogate in the title', method: 'PATCH', url: `/v1/library/${ITEM}`, body: { title: '\uDC00fox' }, at: 'body.title' },
  { name: 'POST /v1/collections: a NUL in the name', method: 'POST', url: '/v1/collections', body: { name: 'Spring\u0000' }, at: 'body.name' },
  { name: 'PATCH /v1/collections/{id}: a lone surrogate in the name', method: 'PATCH', url: `/v1/collections/${COLLECTION}`, body: { name: 'Spring\uD83D' }, at: 'body.name' },
];

const png = pngBytes({ width: 4, height: 4 });
const asPng = (over: Partial<FilePart> = {}): FilePart[] => [{ bytes: png, type: 'image/png', filename: 'fox.png', ...over }];

/** Uploads that must be refused whole: nothing stored, no event, no blob, no temp file. */
const UPLOAD_REFUSALS: Array<{ name: string; fields?: Record<string, string>; files?: FilePart[]; status: number; message: RegExp }> = [
  // The file.
  { name: 'a PNG renamed .mp4 and declared video/mp4', files: asPng({ type: 'video/mp4', filename: 'clip.mp4' }), status: 415, message: /declared video\/mp4 but the bytes are image\/png/ },
  { name: 'a truncated PNG', files: asPng({ bytes: truncated(pngBytes({ width: 8, height: 8 }), 3) }), status: 400, message: /the PNG file ends inside chunk IEND: it is truncated/ },
  { name: 'a truncated MP4', files: [{ bytes: truncated(mp4Bytes(), 5), type: 'video/mp4' }], status: 400, message: /the MP4 file ends inside .*it is truncated/ },
  { name: 'a file over ASSETS_MAX_UPLOAD_BYTES', files: asPng({ bytes: pngBytes({ width: 256, height: 256 }) }), status: 413, message: /the file is larger than the 64 KiB limit/ },
  { name: 'a path-traversal filename', files: asPng({ filename: '../../etc/passwd.png' }), status: 400, message: /filename \\"..\/..\/etc\/passwd.png\\" must not contain path separators/ },
  { name: 'a Windows path filename', files: asPng({ filename: '..\\..\\boot.png' }), status: 400, message: /must not contain path separators/ },
  { name: 'a type that is not accepted', files: [{ bytes: Buffer.from('%PDF-1.7\n'), type: 'application/pdf', filename: 'a.pdf' }], status: 415, message: /declared application\/pdf, which is not one of/ },
  { name: 'bytes of no accepted type', files: asPng({ bytes: Buffer.concat([Buffer.from('GIF89a'), noise(64)]) }), status: 415, message: /not JPEG, PNG, WebP or MP4/ },
  { name: 'no file', files: [], status: 400, message: /the request has no file part/ },
  { name: 'two files', files: [...asPng(), ...asPng()], status: 400, message: /more than one file part/ },
  { name: 'an empty file', files: asPng({ bytes: Buffer.alloc(0) }), status: 400, message: /the file part is empty/ },

  // The fields, checked once the file has arrived.
  { name: 'an unknown field', fields: generationFields({ ownerId: randomUUID() }), status: 400, message: /property ownerId should not exist/ },
  { name: 'no fields', fields: {}, status: 400, message: /jobId must be a UUID.*assetIndex must be an integer number.*prompt must be a string/ },
  { name: 'a job id that is no UUID', fields: generationFields({ jobId: 'job-42' }), status: 400, message: /jobId must be a UUID/ },
  { name: 'an asset index that is no number', fields: generationFields({ assetIndex: 'first' }), status: 400, message: /assetIndex must be an integer number/ },
  { name: 'an empty asset index', fields: generationFields({ assetIndex: '' }), status: 400, message: /assetIndex must be an integer number/ },
  { name: 'a negative asset index', fields: generationFields({ assetIndex: '-1' }), status: 400, message: /assetIndex must not be less than 0/ },
  { name: 'a fractional seed', fields: generationFields({ generationSeed: '1.5' }), status: 400, message: /generationSeed must be an integer number/ },
  { name: 'a seed past 2^53', fields: generationFields({ generationSeed: '9007199254740993' }), status: 400, message: /generationSeed must not be greater than/ },
  { name: 'a blank prompt', fields: generationFields({ prompt: '   ' }), status: 400, message: /prompt must not be blank/ },
  { name: 'a prompt over 4000 characters', fields: generationFields({ prompt: 'p'.repeat(4001) }), status: 400, message: /prompt must be shorter than or equal to 4000 characters/ },
  { name: 'no model', fields: generationFields({ model: '' }), status: 400, message: /model must not be blank/ },
  { name: 'settings that are not JSON', fields: generationFields({ settings: 'steps=28' }), status: 400, message: /settings must be a JSON object/ },
  { name: 'settings that are a JSON array', fields: generationFields({ settings: '[28]' }), status: 400, message: /settings must be a JSON object/ },
  { name: 'settings over 16 KiB', fields: generationFields({ settings: JSON.stringify({ note: 'n'.repeat(17_000) }) }), status: 400, message: /settings must be a JSON object of at most 16384 bytes/ },
  { name: 'a NUL in the prompt', fields: generationFields({ prompt: 'a red fox\u0000' }), status: 400, message: /prompt must not contain U\+0000 or unpaired surrogates/ },
  { name: 'a NUL in the model', fields: generationFields({ model: 'flux\u0000' }), status: 400, message: /model must not contain U\+0000 or unpaired surrogates/ },
  { name: 'a NUL in the settings', fields: generationFields({ settings: JSON.stringify({ note: 'a\u0000' }) }), status: 400, message: /settings must not contain U\+0000 or unpaired surrogates/ },
  { name: 'a lone surrogate in a settings key', fields: generationFields({ settings: JSON.stringify({ ['\uD800']: 1 }) }), status: 400, message: /settings must not contain U\+0000 or unpaired surrogates/ },
  { name: 'a duration for an image', fields: generationFields({ durationSeconds: '3' }), status: 400, message: /durationSeconds is for videos only/ },
  { name: 'a negative duration', fields: generationFields({ durationSeconds: '-3' }), files: [{ bytes: mp4Bytes(), type: 'video/mp4' }], status: 400, message: /durationSeconds must be a positive number/ },
  { name: 'a duration that is no number', fields: generationFields({ durationSeconds: 'five' }), files: [{ bytes: mp4Bytes(), type: 'video/mp4' }], status: 400, message: /durationSeconds must be a number/ },
];

describe('bad input is refused whole, on every route', () => {
  let app: AssetsApp;
  let ids: { asset: string; item: string; collection: string };

  beforeAll(async () => {
    app = await AssetsApp.start({ env: { HTTP_BODY_LIMIT: '16kb', ASSETS_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT) } });
    const asset = await app.upload<StagedAssetView>(uploadForm(generationFields()), { role: 'owner' });
    const saved = await app.upload<StagedAssetView>(uploadForm(generationFields({ assetIndex: '1' })), { role: 'owner' });
    const item = await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${saved.json.id}/save`, { role: 'owner' });
    const collection = await app.call<CollectionView>('POST', '/v1/collections', { role: 'owner', body: { name: 'Fixtures' } });
    ids = { asset: asset.json.id, item: item.json.id, collection: collection.json.id };
    expect([asset.status, saved.status, item.status, collection.status]).toEqual([201, 201, 201, 201]);
  });
  afterAll(async () => {
    await app?.dispose();
  });

  /** What any write would change: the events, the blob ledger, the files in the data directory. */
  async function stored(): Promise<{ events: number; blobs: number; files: string[] }> {
    return { events: await app.eventCount(), blobs: (await app.rows('blobs')).length, files: await app.files() };
  }

  it.each(CASES.map((request) => [request.name, request] as const))('%s', async (_name, request) => {
    const url = request.url.replace(ASSET, ids.asset).replace(ITEM, ids.item).replace(COLLECTION, ids.collection);
    const before = await stored();
    const answer = await app.call<{ statusCode: number; message: string | string[] }>(request.method, url, { role: 'owner', body: request.body, headers: request.headers });
    expect({ status: answer.status, message: JSON.stringify(answer.json.message) }).toEqual({ status: request.status, message: expect.stringMatching(request.message) });
    expect(answer.json.statusCode).toBe(request.status);
    expect(await stored()).toEqual(before);
  });

  it.each(UNSTORABLE_BODIES.map((request) => [request.name, request] as const))('%s answers 400', async (_name, request) => {
    const url = request.url.replace(ASSET, ids.asset).replace(ITEM, ids.item).replace(COLLECTION, ids.collection);
    const before = await stored();
    const answer = await app.call<{ message: string }>(request.method, url, { role: 'owner', body: request.body });
    expect({ status: answer.status, message: answer.json.message }).toEqual({ status: 400, message: `Request body contains a NUL character or an unpaired surrogate at ${request.at}` });
    expect(await stored()).toEqual(before);
  });

  describe('uploads', () => {
    it.each(UPLOAD_REFUSALS.map((upload) => [upload.name, upload] as const))('refuses %s, storing nothing', async (_name, upload) => {
      const before = await stored();
      const answer = await app.upload<{ statusCode: number; message: string | string[] }>(uploadForm(upload.fields ?? generationFields(), upload.files), { role: 'owner' });
      expect({ status: answer.status, message: JSON.stringify(answer.json.message) }).toEqual({ status: upload.status, message: expect.stringMatching(upload.message) });
      expect(await stored()).toEqual(before);
    });

    it('answers Connection: close when it refuses a file before the body has ended', async () => {
      const big = pngBytes({ width: 1024, height: 1024 }); // 4 MiB: still arriving when the limit is passed
      const answer = await app.upload<{ message: string }>(uploadForm(generationFields(), asPng({ bytes: big })), { role: 'owner' });
      expect({ status: answer.status, connection: answer.headers.get('connection') }).toEqual({ status: 413, connection: 'close' });
    });

    it('refuses a body that is not multipart (415), and an unknown query parameter (400)', async () => {
      const before = await stored();
      const json = await app.call<{ message: string }>('POST', '/v1/workspace-assets', { role: 'owner', body: generationFields() });
      expect({ status: json.status, message: json.json.message }).toEqual({ status: 415, message: 'an upload must be multipart/form-data, not "application/json"' });
      const query = await app.upload<{ message: string[] }>({ ...uploadForm(generationFields()), query: '?sneaky=1' }, { role: 'owner' });
      expect({ status: query.status, message: query.json.message }).toEqual({ status: 400, message: ['query parameter sneaky should not exist'] });
      expect(await stored()).toEqual(before);
    });

    it('leaves nothing behind when the client goes away in the middle of the file', async () => {
      const before = await stored();
      const boundary = 'cut-off-boundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
      const token = await app.workspace.token('owner');
      await new Promise<void>((resolve) => {
        const request = httpRequest(`${app.api.base}/v1/workspace-assets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(1_000_000) },
        });
        request.on('error', () => resolve());
        request.write(Buffer.concat([head, pngBytes({ width: 64, height: 64 }).subarray(0, 8_000)]), () => setTimeout(() => request.destroy(), 200));
        request.on('close', () => resolve());
      });
      // The server notices the cut, deletes the temporary file and stores nothing.
      await settled(async () => expect(await stored()).toEqual(before));
    }, STEPWISE_TEST_TIMEOUT_MS);

    it('streams a file past HTTP_BODY_LIMIT, which bounds JSON bodies only', async () => {
      const file = pngBytes({ width: 96, height: 96 }); // about 36 KiB: over 16kb, under the 64 KiB upload limit
      const answer = await app.upload<StagedAssetView>(uploadForm(generationFields(), asPng({ bytes: file })), { role: 'owner' });
      expect({ status: answer.status, sizeBytes: answer.json.sizeBytes }).toEqual({ status: 201, sizeBytes: file.length });
    });
  });

  describe('without a valid token', () => {
    const tokens: Array<[string, () => Promise<string | undefined>, RegExp]> = [
      ['no token', async () => undefined, /Missing bearer token/],
      ['a malformed token', async () => 'Bearer not.a.jwt', /Token is malformed/],
      ['an expired token', async () => `Bearer ${await mintDevToken({ sub: randomUUID(), ws: app.workspace.id, role: 'owner', secret: JWT_SECRET, expiresIn: -60 })}`, /Token has expired/],
      ['a token signed with another secret', async () => `Bearer ${await mintDevToken({ sub: randomUUID(), ws: app.workspace.id, role: 'owner', secret: 'someone-else-s-secret-long-enough-too' })}`, /Token signature is invalid/],
    ];
    const cases = ROUTES.flatMap((route) => tokens.map(([what, authorization, message]) => [`${describeRoute(route)}: ${what}`, route, authorization, message] as const));

    it.each(cases)('%s answers 401', async (_name, route, authorization, message) => {
      const before = await stored();
      const answer = await app.call<{ message: string }>(route.method, urlOf(route, { 'workspace-asset': ids.asset, 'library-item': ids.item, collection: ids.collection }), {
        authorization: await authorization(),
        body: route.body?.(),
      });
      expect(answer.status).toBe(401);
      expect(answer.json.message).toMatch(message);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await stored()).toEqual(before);
    });
  });
});
