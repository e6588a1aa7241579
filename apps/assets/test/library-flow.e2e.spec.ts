import type { Page, ProjectionStatusView } from '@lib/service-kit';
import { TestWorkspace } from '@lib/testing';
import { createHash, randomUUID } from 'node:crypto';
import type { CollectionItemResult, CollectionSummaryView, CollectionView } from '../src/collections/collections.service';
import type { LibraryItemSummaryView, LibraryItemView } from '../src/library/library-item.views';
import type { StagedAssetSummaryView, StagedAssetView } from '../src/staging/staged-asset.views';
import { blobKey } from '../src/storage/blob-storage.port';
import { AssetsApp, generationFields, JWT_SECRET, settled, STEPWISE_TEST_TIMEOUT_MS, uploadForm } from './assets-e2e-kit';
import { jpegBytes, mp4Bytes, pngBytes } from './fixtures/media-files';

const DAY_MS = 86_400_000;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A user's whole way through the service over HTTP: generated files uploaded to the workspace,
 * saved to the library, organised in collections, edited, downloaded and removed, with every
 * view and count following each step; then every projection rebuilt from the events and found
 * equal to what was served.
 */
describe('staging, library and collections over HTTP', () => {
  let app: AssetsApp;
  const fox = pngBytes({ width: 16, height: 12, seed: 3 });
  const owl = jpegBytes({ width: 16, height: 16 });
  const clip = mp4Bytes({ durationSeconds: 4.5, mdatBytes: 4_096 });
  /** The staged assets, then the library items, by name. */
  const staged: Record<'fox' | 'owl' | 'clip', StagedAssetView> = {} as never;
  const items: Record<'fox' | 'owl', LibraryItemView> = {} as never;
  let collection: CollectionView;

  beforeAll(async () => {
    app = await AssetsApp.start();
  });
  afterAll(async () => {
    await app?.dispose();
  });

  const own = <T>(path: string) => app.call<T>('GET', path, { role: 'editor' });
  const ownLibrary = async (query = ''): Promise<string[]> => (await own<Page<LibraryItemSummaryView>>(`/v1/library${query}`)).json.items.map((item) => item.id);
  const ownCollection = async (id: string): Promise<CollectionSummaryView> => (await own<CollectionSummaryView>(`/v1/collections/${id}`)).json;
  const ownItem = async (id: string): Promise<LibraryItemSummaryView> => (await own<LibraryItemSummaryView>(`/v1/library/${id}`)).json;

  it('uploads generated files to the workspace (201), each stored under its SHA-256', async () => {
    const uploads = [
      ['fox', uploadForm(generationFields({ assetIndex: '0', prompt: 'a red fox in fresh snow' }), [{ bytes: fox, type: 'image/png', filename: 'fox.png' }])],
      ['owl', uploadForm(generationFields({ assetIndex: '1', prompt: 'a snowy owl at dusk' }), [{ bytes: owl, type: 'image/jpeg', filename: 'owl.jpg' }])],
      ['clip', uploadForm(generationFields({ assetIndex: '2', prompt: 'waves on a pebble beach', durationSeconds: '4.5' }), [{ bytes: clip, type: 'video/mp4' }])],
    ] as const;
    for (const [name, form] of uploads) {
      const answer = await app.upload<StagedAssetView>(form);
      expect(answer.status).toBe(201);
      staged[name] = answer.json;
    }
    expect(staged.fox).toMatchObject({
      status: 'staged',
      ownerId: app.workspace.userId('editor'),
      assetType: 'image',
      mimeType: 'image/png',
      sizeBytes: fox.length,
      sha256: sha256(fox),
      generation: { assetIndex: 0, seed: 421337, prompt: 'a red fox in fresh snow', model: 'flux-1-dev', settings: { steps: 28, guidance: 3.5 }, durationSeconds: null },
    });
    expect(Date.parse(staged.fox.expiresAt) - Date.parse(staged.fox.createdAt)).toBe(7 * DAY_MS);
    expect(staged.owl).toMatchObject({ assetType: 'image', mimeType: 'image/jpeg', sha256: sha256(owl) });
    expect(staged.clip).toMatchObject({ assetType: 'video', mimeType: 'video/mp4', generation: { durationSeconds: 4.5 } });
    expect(await app.files()).toEqual([fox, owl, clip].map((bytes) => blobKey(sha256(bytes))).sort());
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('lists the staged assets, soonest to expire first, and answers each', async () => {
    await settled(async () => {
      const list = await own<Page<StagedAssetSummaryView>>('/v1/workspace-assets');
      expect(list.json.items.map((asset) => asset.id)).toEqual([staged.fox.id, staged.owl.id, staged.clip.id]);
      expect(list.json.items.every((asset) => asset.savedItemId === null)).toBe(true);
    });
    const page = await own<Page<StagedAssetSummaryView>>('/v1/workspace-assets?limit=2');
    expect(page.json.items).toHaveLength(2);
    const rest = await own<Page<StagedAssetSummaryView>>(`/v1/workspace-assets?limit=2&cursor=${page.json.nextCursor}`);
    expect(rest.json).toEqual({ items: [expect.objectContaining({ id: staged.clip.id })], nextCursor: null });
    expect((await own<StagedAssetSummaryView>(`/v1/workspace-assets/${staged.owl.id}`)).json).toEqual({ ...staged.owl, savedItemId: null });
    // Staged assets are their user's alone, even within the workspace.
    expect((await app.call('GET', `/v1/workspace-assets/${staged.owl.id}`, { role: 'admin' })).status).toBe(404);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('saves staged assets to the library (201, again 200), with their generation context', async () => {
    const saved = await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${staged.fox.id}/save`, {
      role: 'editor',
      body: { title: 'Fox in snow', tags: ['Winter', 'animals', 'winter'], favorite: true },
    });
    expect(saved.status).toBe(201);
    expect(saved.headers.get('etag')).toBe('"1"');
    expect(saved.json).toMatchObject({
      version: 1,
      sourceAssetId: staged.fox.id,
      sha256: sha256(fox),
      prompt: 'a red fox in fresh snow',
      seed: 421337,
      title: 'Fox in snow',
      tags: ['winter', 'animals'],
      favorite: true,
      visibility: 'private',
      collectionId: null,
    });
    items.fox = saved.json;
    const again = await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${staged.fox.id}/save`, { role: 'editor', body: { title: 'Another title' } });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(items.fox);
    const owlSaved = await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${staged.owl.id}/save`, { role: 'editor', body: { visibility: 'public', tags: ['birds'] } });
    expect(owlSaved.status).toBe(201);
    items.owl = owlSaved.json;

    await settled(async () => {
      expect(await ownLibrary()).toEqual([items.owl.id, items.fox.id]);
      const list = await own<Page<StagedAssetSummaryView>>('/v1/workspace-assets');
      expect(list.json.items.map((asset) => [asset.id, asset.savedItemId])).toEqual([
        [staged.fox.id, items.fox.id],
        [staged.owl.id, items.owl.id],
        [staged.clip.id, null],
      ]);
    });
    expect(await ownItem(items.fox.id)).toEqual({ ...items.fox, collectionName: null, usageCount: 0, lastUsedAt: null });
    // The same bytes are held twice (staged and saved) and stored once.
    expect(await app.files()).toEqual([fox, owl, clip].map((bytes) => blobKey(sha256(bytes))).sort());
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('filters and sorts the library, and shows the workspace its public items', async () => {
    expect(await ownLibrary('?tag=WINTER')).toEqual([items.fox.id]);
    expect(await ownLibrary('?favorite=true')).toEqual([items.fox.id]);
    expect(await ownLibrary('?favorite=false')).toEqual([items.owl.id]);
    expect(await ownLibrary('?type=image')).toEqual([items.owl.id, items.fox.id]);
    expect(await ownLibrary('?type=video')).toEqual([]);
    expect(await ownLibrary('?q=owl')).toEqual([items.owl.id]);
    expect(await ownLibrary(`?q=${encodeURIComponent('snow -owl')}`)).toEqual([items.fox.id]);
    expect(await ownLibrary('?sort=title')).toEqual([items.owl.id, items.fox.id]); // untitled first
    const first = await own<Page<LibraryItemSummaryView>>('/v1/library?limit=1');
    expect(first.json.items.map((item) => item.id)).toEqual([items.owl.id]);
    const second = await own<Page<LibraryItemSummaryView>>(`/v1/library?limit=1&cursor=${first.json.nextCursor}`);
    expect(second.json).toEqual({ items: [expect.objectContaining({ id: items.fox.id })], nextCursor: null });

    // Another member of the workspace sees the public owl, not the private fox.
    const colleague = await app.call<Page<LibraryItemSummaryView>>('GET', '/v1/library?scope=workspace', { role: 'admin' });
    expect(colleague.json.items.map((item) => item.id)).toEqual([items.owl.id]);
    expect((await app.call<Page<LibraryItemSummaryView>>('GET', '/v1/library', { role: 'admin' })).json.items).toEqual([]);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('organises items in a collection, answering each id on its own', async () => {
    const created = await app.call<CollectionView>('POST', '/v1/collections', { role: 'editor', body: { name: 'Winter campaign', description: 'Cold and bright' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    collection = created.json;
    await settled(async () => expect(await ownCollection(collection.id)).toMatchObject({ name: 'Winter campaign', itemCount: 0, coverItemId: null }));

    const missing = randomUUID();
    const put = await app.call<{ results: CollectionItemResult[] }>('PUT', `/v1/collections/${collection.id}/items`, {
      role: 'editor',
      body: { ids: [items.fox.id, missing, items.owl.id] },
    });
    expect(put.status).toBe(200);
    expect(put.json.results).toEqual([
      { id: items.fox.id, status: 'success' },
      { id: missing, status: 'error', error: { statusCode: 404, message: expect.stringMatching(/library item .*not found/) } },
      { id: items.owl.id, status: 'success' },
    ]);
    await settled(async () => {
      expect(await ownCollection(collection.id)).toMatchObject({ itemCount: 2, coverItemId: items.owl.id });
      expect(await ownItem(items.fox.id)).toMatchObject({ collectionId: collection.id, collectionName: 'Winter campaign', version: 2 });
    });
    expect(await ownLibrary(`?collectionId=${collection.id}`)).toEqual([items.owl.id, items.fox.id]);
    expect(await ownLibrary('?collectionId=none')).toEqual([]);
    const list = await own<Page<CollectionSummaryView>>('/v1/collections');
    expect(list.json.items).toEqual([expect.objectContaining({ id: collection.id, itemCount: 2, coverItemId: items.owl.id })]);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('moves an item out of the collection with If-Match, refusing a stale version (412)', async () => {
    const stale = await app.call('POST', `/v1/library/${items.owl.id}/move`, { role: 'editor', body: { collectionId: null }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    const moved = await app.call<LibraryItemView>('POST', `/v1/library/${items.owl.id}/move`, { role: 'editor', body: { collectionId: null }, headers: { 'if-match': '"2"' } });
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).toBe('"3"');
    expect(moved.json).toMatchObject({ collectionId: null, version: 3 });
    items.owl = moved.json;
    await settled(async () => {
      expect(await ownCollection(collection.id)).toMatchObject({ itemCount: 1, coverItemId: items.fox.id });
      expect(await ownLibrary('?collectionId=none')).toEqual([items.owl.id]);
    });
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('edits an item and renames the collection, the views following', async () => {
    const edited = await app.call<LibraryItemView>('PATCH', `/v1/library/${items.fox.id}`, {
      role: 'editor',
      body: { title: 'Arctic fox', tags: ['winter'], favorite: false },
      headers: { 'if-match': '"2"' },
    });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ version: 3, title: 'Arctic fox', tags: ['winter'], favorite: false });
    items.fox = edited.json;
    expect((await app.call('PATCH', `/v1/library/${items.fox.id}`, { role: 'editor', body: { title: 'Lost' }, headers: { 'if-match': '"2"' } })).status).toBe(412);

    const renamed = await app.call<CollectionView>('PATCH', `/v1/collections/${collection.id}`, { role: 'editor', body: { name: 'Winter 2031' }, headers: { 'if-match': '"1"' } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: 'Winter 2031', version: 2, description: 'Cold and bright' });
    expect((await app.call('PATCH', `/v1/collections/${collection.id}`, { role: 'editor', body: { name: 'Lost' }, headers: { 'if-match': '"1"' } })).status).toBe(412);

    await settled(async () => {
      expect(await ownItem(items.fox.id)).toMatchObject({ title: 'Arctic fox', favorite: false, collectionName: 'Winter 2031', version: 3 });
      expect(await ownLibrary('?q=arctic')).toEqual([items.fox.id]);
      expect(await ownLibrary('?favorite=true')).toEqual([]);
      expect(await ownCollection(collection.id)).toMatchObject({ name: 'Winter 2031', version: 2, itemCount: 1 });
    });
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('downloads files with ETag, If-None-Match (304) and Range (206, 416)', async () => {
    const whole = await app.download(`/v1/library/${items.fox.id}/file`);
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(fox)).toBe(true);
    const etag = `"${sha256(fox)}"`;
    expect(Object.fromEntries(['etag', 'content-type', 'content-length', 'accept-ranges'].map((h) => [h, whole.headers.get(h)]))).toEqual({
      etag,
      'content-type': 'image/png',
      'content-length': String(fox.length),
      'accept-ranges': 'bytes',
    });

    const head = await app.call('HEAD', `/v1/library/${items.fox.id}/file`, { role: 'editor' });
    expect({ status: head.status, length: head.headers.get('content-length'), etag: head.headers.get('etag'), body: head.text }).toEqual({
      status: 200,
      length: String(fox.length),
      etag,
      body: '',
    });

    const range = await app.download(`/v1/library/${items.fox.id}/file`, { range: 'bytes=8-23' });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 8-23/${fox.length}`);
    expect(range.bytes.equals(fox.subarray(8, 24))).toBe(true);
    const suffix = await app.download(`/v1/library/${items.fox.id}/file`, { range: 'bytes=-4' });
    expect(suffix.bytes.equals(fox.subarray(fox.length - 4))).toBe(true);

    const unchanged = await app.download(`/v1/library/${items.fox.id}/file`, { 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.bytes.length).toBe(0);
    const past = await app.download(`/v1/library/${items.fox.id}/file`, { range: `bytes=${fox.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${fox.length}`);

    const video = await app.download(`/v1/workspace-assets/${staged.clip.id}/file`, {}, 'editor');
    expect({ status: video.status, type: video.headers.get('content-type'), same: video.bytes.equals(clip) }).toEqual({ status: 200, type: 'video/mp4', same: true });
    // The owl is public: the workspace may download it, no other workspace.
    expect((await app.download(`/v1/library/${items.owl.id}/file`, {}, 'admin')).bytes.equals(owl)).toBe(true);
    expect((await app.download(`/v1/library/${items.owl.id}/file`, {}, 'owner', new TestWorkspace(JWT_SECRET))).status).toBe(404);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('removes an item, deletes the collection and discards a staged asset, the files going with their last holder', async () => {
    expect((await app.call('DELETE', `/v1/library/${items.fox.id}`, { role: 'editor', headers: { 'if-match': '"2"' } })).status).toBe(412);
    expect((await app.call('DELETE', `/v1/library/${items.fox.id}`, { role: 'editor', headers: { 'if-match': '"3"' } })).status).toBe(204);
    await settled(async () => {
      expect((await own(`/v1/library/${items.fox.id}`)).status).toBe(404);
      expect(await ownCollection(collection.id)).toMatchObject({ itemCount: 0, coverItemId: null });
      expect(await ownLibrary()).toEqual([items.owl.id]);
    });
    // The staged fox still holds its file.
    expect(await app.files()).toContain(blobKey(sha256(fox)));

    expect((await app.call('DELETE', `/v1/collections/${collection.id}`, { role: 'editor', headers: { 'if-match': '"2"' } })).status).toBe(204);
    await settled(async () => {
      expect((await own(`/v1/collections/${collection.id}`)).status).toBe(404);
      expect((await own<Page<CollectionSummaryView>>('/v1/collections')).json.items).toEqual([]);
    });

    expect((await app.call('DELETE', `/v1/workspace-assets/${staged.clip.id}`, { role: 'editor' })).status).toBe(204);
    expect((await app.call('DELETE', `/v1/workspace-assets/${staged.clip.id}`, { role: 'editor' })).status).toBe(404);
    await settled(async () => {
      const list = await own<Page<StagedAssetSummaryView>>('/v1/workspace-assets');
      expect(list.json.items.map((asset) => [asset.id, asset.savedItemId])).toEqual([
        [staged.fox.id, null],
        [staged.owl.id, items.owl.id],
      ]);
    });
    expect(await app.files()).toEqual([fox, owl].map((bytes) => blobKey(sha256(bytes))).sort());
    expect((await app.download(`/v1/workspace-assets/${staged.clip.id}/file`, {}, 'editor')).status).toBe(404);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('rebuilds every projection through the admin route into the same rows', async () => {
    const tables = { staging: ['staging_assets'], library_views: ['library_items', 'collections', 'media_usage'] };
    await settled(async () => {
      const status = await app.call<ProjectionStatusView[]>('GET', '/v1/admin/projections', { role: 'admin' });
      expect(status.json.map((projection) => [projection.name, projection.lagEvents]).sort()).toEqual([
        ['library_views', 0],
        ['staging', 0],
      ]);
    });
    const before = Object.fromEntries(await Promise.all(Object.values(tables).flat().map(async (table) => [table, await app.rows(table)] as const)));
    expect(before.library_items).toHaveLength(1);
    for (const name of Object.keys(tables)) {
      const rebuilt = await app.call<{ name: string; swapped: boolean; events: number }>('POST', `/v1/admin/projections/${name}/rebuild`, { role: 'owner' });
      expect(rebuilt.status).toBe(200);
      expect(rebuilt.json).toMatchObject({ name, swapped: true });
    }
    for (const table of Object.values(tables).flat()) expect({ table, rows: await app.rows(table) }).toEqual({ table, rows: before[table] });
    expect((await app.call('POST', '/v1/admin/projections/staging/rebuild', { role: 'admin' })).status).toBe(403);
  }, STEPWISE_TEST_TIMEOUT_MS);
});
