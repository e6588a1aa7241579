import type { Role } from '@lib/auth';
import type { Page } from '@lib/service-kit';
import { TestWorkspace } from '@lib/testing';
import type { CollectionItemResult, CollectionView } from '../src/collections/collections.service';
import type { LibraryItemSummaryView, LibraryItemView } from '../src/library/library-item.views';
import type { StagedAssetView } from '../src/staging/staged-asset.views';
import { AssetsApp, generationFields, JWT_SECRET, settled, STEPWISE_TEST_TIMEOUT_MS, uploadForm } from './assets-e2e-kit';

type Visibility = 'private' | 'unlisted' | 'public';

/**
 * Who sees and changes what: the editor owns the items; the admin is another member of the same
 * workspace (allowed to write by role, so only ownership refuses), and a stranger is in another
 * workspace. Another member's private item does not exist (404), an unlisted or public one is
 * readable but not writable (403), and another workspace sees nothing (404).
 */
describe('library items: private to their owner, public to the workspace, writable by the owner only', () => {
  let app: AssetsApp;
  const owner: Role = 'editor';
  const colleague: Role = 'admin';
  const stranger = new TestWorkspace(JWT_SECRET);
  let staged: StagedAssetView;
  const items = {} as Record<Visibility, LibraryItemView>;

  beforeAll(async () => {
    app = await AssetsApp.start();
    const visibilities: Visibility[] = ['private', 'unlisted', 'public'];
    for (const [index, visibility] of visibilities.entries()) {
      staged = (await app.upload<StagedAssetView>(uploadForm(generationFields({ assetIndex: String(index) })))).json;
      items[visibility] = (await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${staged.id}/save`, { role: owner, body: { visibility, title: visibility } })).json;
    }
    await settled(async () => expect((await app.call<Page<LibraryItemSummaryView>>('GET', '/v1/library', { role: owner })).json.items).toHaveLength(3));
  }, STEPWISE_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await app?.dispose();
  });

  const status = async (method: string, path: string, role: Role, body?: unknown, as?: TestWorkspace): Promise<number> => (await app.call(method, path, { role, body, as })).status;

  it.each([
    ['private', 404, 404],
    ['unlisted', 200, 200],
    ['public', 200, 200],
  ] as const)('a %s item: another member reads it with %i, downloads it with %i; another workspace gets 404', async (visibility, read, download) => {
    const id = items[visibility].id;
    expect(await status('GET', `/v1/library/${id}`, owner)).toBe(200);
    expect(await status('GET', `/v1/library/${id}`, colleague)).toBe(read);
    expect(await status('GET', `/v1/library/${id}`, 'viewer')).toBe(read);
    expect((await app.download(`/v1/library/${id}/file`, {}, colleague)).status).toBe(download);
    expect(await status('GET', `/v1/library/${id}`, 'owner', undefined, stranger)).toBe(404);
    expect((await app.download(`/v1/library/${id}/file`, {}, 'owner', stranger)).status).toBe(404);
  });

  it('lists only public items to the workspace', async () => {
    const listed = await app.call<Page<LibraryItemSummaryView>>('GET', '/v1/library?scope=workspace', { role: colleague });
    expect(listed.json.items.map((item) => item.id)).toEqual([items.public.id]);
    expect((await app.call<Page<LibraryItemSummaryView>>('GET', '/v1/library?scope=workspace', { role: 'owner', as: stranger })).json.items).toEqual([]);
  });

  it.each([
    ['private', 404],
    ['unlisted', 403],
    ['public', 403],
  ] as const)('a %s item: another member’s writes answer %i and change nothing', async (visibility, expected) => {
    const id = items[visibility].id;
    const before = await app.eventCount();
    expect(await status('PATCH', `/v1/library/${id}`, colleague, { title: 'Mine now' })).toBe(expected);
    expect(await status('POST', `/v1/library/${id}/move`, colleague, { collectionId: null })).toBe(expected);
    expect(await status('DELETE', `/v1/library/${id}`, colleague)).toBe(expected);
    // Another workspace never learns it exists.
    expect(await status('PATCH', `/v1/library/${id}`, 'owner', { title: 'Mine now' }, stranger)).toBe(404);
    expect(await status('DELETE', `/v1/library/${id}`, 'owner', undefined, stranger)).toBe(404);
    // A viewer may not write at all.
    expect(await status('PATCH', `/v1/library/${id}`, 'viewer', { title: 'Mine now' })).toBe(403);
    expect(await app.eventCount()).toBe(before);
    expect((await app.call<LibraryItemSummaryView>('GET', `/v1/library/${id}`, { role: owner })).json).toMatchObject({ title: visibility, version: 1 });
  });

  it('keeps staged assets and collections to their owner', async () => {
    const collection = (await app.call<CollectionView>('POST', '/v1/collections', { role: owner, body: { name: 'Mine' } })).json;
    const before = await app.eventCount();
    for (const [method, path, body] of [
      ['GET', `/v1/workspace-assets/${staged.id}`, undefined],
      ['POST', `/v1/workspace-assets/${staged.id}/save`, {}],
      ['DELETE', `/v1/workspace-assets/${staged.id}`, undefined],
      ['PATCH', `/v1/collections/${collection.id}`, { name: 'Ours' }],
      ['DELETE', `/v1/collections/${collection.id}`, undefined],
      ['PUT', `/v1/collections/${collection.id}/items`, { ids: [items.private.id] }],
    ] as const) {
      expect({ method, path, status: await status(method, path, colleague, body) }).toEqual({ method, path, status: 404 });
    }
    expect((await app.download(`/v1/workspace-assets/${staged.id}/file`, {}, colleague)).status).toBe(404);
    await settled(async () => expect(await status('GET', `/v1/collections/${collection.id}`, owner)).toBe(200));
    expect(await status('GET', `/v1/collections/${collection.id}`, colleague)).toBe(404);

    // The colleague's own collection cannot take the owner's items: each id answered on its own.
    const theirs = (await app.call<CollectionView>('POST', '/v1/collections', { role: colleague, body: { name: 'Theirs' } })).json;
    const put = await app.call<{ results: CollectionItemResult[] }>('PUT', `/v1/collections/${theirs.id}/items`, {
      role: colleague,
      body: { ids: [items.private.id, items.public.id] },
    });
    expect(put.json.results.map((result) => [result.status, result.status === 'error' ? result.error.statusCode : null])).toEqual([
      ['error', 404],
      ['error', 403],
    ]);
    expect(await app.eventCount()).toBe(before + 1);
  }, STEPWISE_TEST_TIMEOUT_MS);
});
