import { ConcurrencyError } from '@lib/event-store';
import { NotFoundError, type RequestContext, ValidationError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { CollectionsService } from '../src/collections/collections.service';
import { LibraryService } from '../src/library/library.service';
import { STEPWISE_TEST_TIMEOUT_MS, assetsTestDatabase, generatedAsset, requestContext, type AssetsTestDatabase } from './assets-test-kit';

describe('collections', () => {
  let db: AssetsTestDatabase;
  const workspaceId = randomUUID();
  const me = requestContext(workspaceId, 'editor');
  const colleague = requestContext(workspaceId, 'admin');

  beforeAll(async () => {
    db = await assetsTestDatabase('assets_coll');
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function saveNew(context = me, visibility = 'private'): Promise<string> {
    const { asset } = await db.staging.registerStagedAsset(context, generatedAsset(db));
    return (await db.library.save(context, asset.id, { visibility })).item.id;
  }

  it('deletes a collection: its items fall back to no collection, names and counts follow', async () => {
    const birds = await db.collections.createCollection(me, { name: 'Birds' });
    const other = await db.collections.createCollection(me, { name: 'Other' });
    const [a, b, c] = [await saveNew(), await saveNew(), await saveNew()];
    await db.collections.setCollectionItems(me, birds.id, [a, b]);
    await db.library.move(me, c, other.id);
    await db.settle();
    expect((await db.collections.listCollections(me)).items.map((x) => [x.name, x.itemCount])).toEqual([
      ['Other', 1],
      ['Birds', 2],
    ]);

    await db.collections.deleteCollection(me, birds.id);
    await db.settle();
    expect((await db.collections.listCollections(me)).items.map((x) => x.id)).toEqual([other.id]);
    await expect(db.collections.getCollection(me, birds.id)).rejects.toBeInstanceOf(NotFoundError);
    for (const id of [a, b]) expect(await db.library.get(me, id)).toMatchObject({ collectionId: null, collectionName: null });
    expect(await db.library.get(me, c)).toMatchObject({ collectionId: other.id, collectionName: 'Other' });
    expect((await db.library.list(me, { collectionId: 'none' })).items.map((i) => i.id).sort()).toEqual([a, b].sort());
    expect((await db.library.list(me, { collectionId: birds.id })).items).toEqual([]);

    // Gone for every command; its items move on from it as from nowhere.
    await expect(db.collections.renameCollection(me, birds.id, { name: 'Back' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.setCollectionItems(me, birds.id, [a])).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.library.move(me, a, birds.id)).rejects.toBeInstanceOf(NotFoundError);
    await db.library.move(me, a, other.id);
    await db.settle();
    expect(await db.collections.getCollection(me, other.id)).toMatchObject({ itemCount: 2, coverItemId: a });
    expect(await db.library.get(me, a)).toMatchObject({ collectionId: other.id, collectionName: 'Other' });
  }, STEPWISE_TEST_TIMEOUT_MS);

  it("answers a conflict that outlasted the retries as that id's 409, and goes on with the rest", async () => {
    const box = await db.collections.createCollection(me, { name: 'Box' });
    const [a, contended, c] = [await saveNew(), await saveNew(), await saveNew()];
    // The command handler gives up on a stream that keeps changing with a ConcurrencyError; here one item always does.
    class ContendedLibrary extends LibraryService {
      override move(context: RequestContext, itemId: string, collectionId: string | null): ReturnType<LibraryService['move']> {
        if (itemId === contended) return Promise.reject(new ConcurrencyError(`library-item-${itemId}`, 3, 4));
        return super.move(context, itemId, collectionId);
      }
    }
    const collections = new CollectionsService(db.pool, db.store, db.clock.now, new ContendedLibrary(db.pool, db.store, db.clock.now, db.blobs));
    expect(await collections.setCollectionItems(me, box.id, [a, contended, c])).toEqual([
      { id: a, status: 'success' },
      { id: contended, status: 'error', error: { statusCode: 409, message: `item ${contended} kept changing meanwhile; try again` } },
      { id: c, status: 'success' },
    ]);
  });

  it("answers each id on its own: another user's items, unknown and malformed ids fail alone", async () => {
    const mine = await db.collections.createCollection(me, { name: 'Mine', description: 'only mine' });
    const own = await saveNew();
    const theirsPrivate = await saveNew(colleague);
    const theirsPublic = await saveNew(colleague, 'public');
    const results = await db.collections.setCollectionItems(me, mine.id, [theirsPrivate, own, theirsPublic, 'not-an-id', own]);
    expect(results).toEqual([
      { id: theirsPrivate, status: 'error', error: { statusCode: 404, message: 'library item not found' } },
      { id: own, status: 'success' },
      { id: theirsPublic, status: 'error', error: { statusCode: 403, message: expect.stringContaining('only the owner') } },
      { id: 'not-an-id', status: 'error', error: { statusCode: 404, message: 'library item not found' } },
      { id: own, status: 'success' },
    ]);
    await db.settle();
    expect(await db.collections.getCollection(me, mine.id)).toMatchObject({ name: 'Mine', description: 'only mine', itemCount: 1, coverItemId: own });
    // A colleague can neither see nor fill it, nor put their own items in it.
    await expect(db.collections.getCollection(colleague, mine.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.setCollectionItems(colleague, mine.id, [theirsPublic])).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.library.move(colleague, theirsPublic, mine.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.deleteCollection(colleague, mine.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.collections.listCollections(colleague)).items).toEqual([]);
    await expect(db.collections.setCollectionItems(me, mine.id, Array.from({ length: 101 }, () => own))).rejects.toBeInstanceOf(ValidationError);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('pages the collections newest first', async () => {
    const fresh = requestContext(workspaceId);
    const created = [];
    for (const name of ['one', 'two', 'three']) created.push(await db.collections.createCollection(fresh, { name }));
    await db.settle();
    const first = await db.collections.listCollections(fresh, { limit: 2 });
    expect(first.items.map((c) => c.name)).toEqual(['three', 'two']);
    const second = await db.collections.listCollections(fresh, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second).toMatchObject({ items: [{ id: created[0].id, itemCount: 0, coverItemId: null }], nextCursor: null });
  }, STEPWISE_TEST_TIMEOUT_MS);
});
