import { ForbiddenActionError, NotFoundError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { STEPWISE_TEST_TIMEOUT_MS, assetsTestDatabase, generatedAsset, requestContext, type AssetsTestDatabase } from './assets-test-kit';

describe('who sees and writes what in the assets service', () => {
  let db: AssetsTestDatabase;
  const workspaceId = randomUUID();
  const owner = requestContext(workspaceId, 'editor');
  const colleague = requestContext(workspaceId, 'owner');
  const viewer = requestContext(workspaceId, 'viewer');
  const stranger = requestContext(randomUUID(), 'owner', owner.actor.userId);
  const items: Record<'private' | 'unlisted' | 'public', string> = { private: '', unlisted: '', public: '' };
  let stagedId: string;
  let collectionId: string;

  beforeAll(async () => {
    db = await assetsTestDatabase('assets_vis');
    for (const visibility of ['private', 'unlisted', 'public'] as const) {
      const { asset } = await db.staging.registerStagedAsset(owner, generatedAsset(db, { prompt: `a ${visibility} fox` }));
      items[visibility] = (await db.library.save(owner, asset.id, { visibility, tags: ['fox'] })).item.id;
    }
    ({ asset: { id: stagedId } } = await db.staging.registerStagedAsset(owner, generatedAsset(db)));
    ({ id: collectionId } = await db.collections.createCollection(owner, { name: 'Foxes' }));
    await db.settle();
  }, STEPWISE_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await db.dispose();
  });

  it("answers another user's private item as absent, and lets the workspace read unlisted and public ones", async () => {
    await expect(db.library.get(colleague, items.private)).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.library.get(colleague, items.unlisted)).toMatchObject({ id: items.unlisted, ownerId: owner.actor.userId });
    expect(await db.library.get(viewer, items.public)).toMatchObject({ id: items.public, visibility: 'public' });
    // Listed to the workspace: public items only; a user's own list is theirs.
    expect((await db.library.list(colleague, { scope: 'workspace' })).items.map((i) => i.id)).toEqual([items.public]);
    expect((await db.library.list(colleague, { scope: 'workspace', q: 'fox', sort: 'title' })).items.map((i) => i.id)).toEqual([items.public]);
    expect((await db.library.list(colleague)).items).toEqual([]);
    expect((await db.library.list(owner)).items).toHaveLength(3);
  });

  it('lets only the owner write an item: 404 where it is private, 403 where it is visible', async () => {
    const attempts = (id: string) => [
      () => db.library.update(colleague, id, { title: 'mine now' }),
      () => db.library.move(colleague, id, null),
      () => db.library.remove(colleague, id),
    ];
    for (const attempt of attempts(items.private)) await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
    for (const id of [items.unlisted, items.public]) for (const attempt of attempts(id)) await expect(attempt()).rejects.toBeInstanceOf(ForbiddenActionError);
    await expect(db.library.update(viewer, items.public, { favorite: true })).rejects.toBeInstanceOf(ForbiddenActionError);
    expect(await db.library.update(owner, items.public, { favorite: true })).toMatchObject({ favorite: true, version: 2 });
  });

  it("keeps a user's staged assets and collections to that user", async () => {
    await expect(db.staging.get(colleague, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.staging.discard(colleague, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.library.save(colleague, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.staging.list(colleague)).items).toEqual([]);
    await expect(db.collections.getCollection(colleague, collectionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.renameCollection(colleague, collectionId, { name: 'Theirs' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers everything of another workspace as absent, even to the same user id', async () => {
    for (const id of Object.values(items)) {
      await expect(db.library.get(stranger, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(db.library.update(stranger, id, { title: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(db.library.update(stranger, id, { title: 'x' }, { expectedVersion: 1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(db.library.remove(stranger, id)).rejects.toBeInstanceOf(NotFoundError);
    }
    await expect(db.staging.get(stranger, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.staging.discard(stranger, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.library.save(stranger, stagedId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.getCollection(stranger, collectionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.collections.deleteCollection(stranger, collectionId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.library.list(stranger, { scope: 'workspace' })).items).toEqual([]);
    expect((await db.library.list(stranger)).items).toEqual([]);
    expect((await db.collections.listCollections(stranger)).items).toEqual([]);
    // Nothing of theirs was touched.
    expect(await db.staging.get(owner, stagedId)).toMatchObject({ id: stagedId });
    expect(await db.collections.getCollection(owner, collectionId)).toMatchObject({ name: 'Foxes', version: 1 });
  });

  it("shows an item's collection to its owner only: collections are private", async () => {
    for (const id of [items.unlisted, items.public]) await db.library.move(owner, id, collectionId);
    await db.settle();
    const inFoxes = { collectionId, collectionName: 'Foxes' };
    const hidden = { collectionId: null, collectionName: null };
    expect(await db.library.get(owner, items.unlisted)).toMatchObject(inFoxes);
    expect((await db.library.list(owner, { scope: 'workspace' })).items).toEqual([expect.objectContaining({ id: items.public, ...inFoxes })]);
    expect(await db.library.get(colleague, items.unlisted)).toMatchObject(hidden);
    expect(await db.library.get(viewer, items.public)).toMatchObject(hidden);
    expect((await db.library.list(colleague, { scope: 'workspace' })).items).toEqual([expect.objectContaining({ id: items.public, ...hidden })]);
    expect((await db.library.list(colleague, { scope: 'workspace', sort: 'title' })).items).toEqual([expect.objectContaining({ id: items.public, ...hidden })]);
  }, STEPWISE_TEST_TIMEOUT_MS);
});
