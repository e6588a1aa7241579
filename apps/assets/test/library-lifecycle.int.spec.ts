import { SOURCE_STREAM_TYPE, postStreamId, sourceStreamId, type SourceEventReceivedData } from '@lib/contracts';
import { START, qualified, type ProjectionContext } from '@lib/event-store';
import { DomainRuleError, NotFoundError, ValidationError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { AssetsProjections } from '../src/projections/assets-projections';
import { libraryViewsProjection } from '../src/projections/library-views.projection';
import { stagingProjection } from '../src/projections/staging.projection';
import { STEPWISE_TEST_TIMEOUT_MS, assetsTestDatabase, generatedAsset, requestContext, type AssetsTestDatabase } from './assets-test-kit';

/** Every row of every read model, in a stable order. */
async function readModels(db: AssetsTestDatabase): Promise<Record<string, unknown[]>> {
  return {
    staging_assets: await db.rows('staging_assets', 'asset_id'),
    library_items: await db.rows('library_items', 'item_id'),
    collections: await db.rows('collections', 'collection_id'),
    media_usage: await db.rows('media_usage', 'workspace_id, post_id, item_id'),
  };
}

/** Rebuilds every projection beside the live one and swaps it in; answers the tables before and after. */
async function rebuildAll(db: AssetsTestDatabase): Promise<{ live: Record<string, unknown[]>; rebuilt: Record<string, unknown[]> }> {
  await db.settle();
  const live = await readModels(db);
  const projections = new AssetsProjections(db.pool, db.store, new Registry(), () => undefined);
  for (const { name } of await projections.status()) expect(await projections.rebuild(name)).toMatchObject({ name, swapped: true });
  return { live, rebuilt: await readModels(db) };
}

/** A post of content's attaching the item, as the assets-media-usage consumer records it. */
async function attachToPost(db: AssetsTestDatabase, workspaceId: string, postId: string, itemId: string): Promise<void> {
  const attachedAt = new Date().toISOString();
  const received: SourceEventReceivedData = {
    source: {
      service: 'content',
      id: randomUUID(),
      type: 'PostMediaAttached',
      schemaVersion: 1,
      streamType: 'post',
      streamId: postStreamId(postId),
      version: 1,
      position: 1,
      occurredAt: attachedAt,
      workspaceId,
      actorId: 'user-1',
      data: { postId, campaignId: null, assetId: itemId, position: 0, attachedBy: 'user-1', attachedAt },
    },
  };
  await db.store.appendToStream(sourceStreamId('content', postStreamId(postId)), [{ type: 'SourceEventReceived', data: received }], {
    streamType: SOURCE_STREAM_TYPE,
    expectedVersion: 'any',
    metadata: { workspaceId, actorId: null, correlationId: randomUUID(), causationId: null },
  });
}

describe('an asset from upload to the library, organised, and removed', () => {
  let db: AssetsTestDatabase;
  const workspaceId = randomUUID();
  const me = requestContext(workspaceId, 'editor');
  const jobId = randomUUID();

  beforeAll(async () => {
    db = await assetsTestDatabase('assets_life');
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function collection(id: string) {
    await db.settle();
    return db.collections.getCollection(me, id);
  }

  it('registers, saves, organises into collections, filters and pages the library, and removes, with views and counts at each step', async () => {
    // Upload: three generated files of one user, registered as staged assets.
    const fox = generatedAsset(db, { jobId, assetIndex: 0, prompt: 'a red fox in fresh snow' });
    const owl = generatedAsset(db, { jobId, assetIndex: 1, prompt: 'a snowy owl at dusk' });
    const waves = generatedAsset(db, { video: true, prompt: 'ocean waves at sunrise' });
    const staged = [];
    for (const input of [fox, owl, waves]) {
      const { asset, created } = await db.staging.registerStagedAsset(me, input);
      expect(created).toBe(true);
      staged.push(asset);
    }
    expect(staged[2]).toMatchObject({ status: 'staged', assetType: 'video', mimeType: 'video/mp4', ownerId: me.actor.userId, generation: { durationSeconds: 5 } });
    await db.settle();
    const stagingList = await db.staging.list(me);
    expect(stagingList.items.map((a) => a.id)).toEqual(staged.map((a) => a.id));
    expect(stagingList.items.every((a) => a.savedItemId === null)).toBe(true);

    // Organise: one collection, then save each staged asset, the first straight into it.
    const foxes = await db.collections.createCollection(me, { name: ' Winter ', description: 'Cold ones' });
    expect(foxes).toMatchObject({ name: 'Winter', description: 'Cold ones', version: 1 });
    expect(await collection(foxes.id)).toMatchObject({ itemCount: 0, coverItemId: null });

    const { item: foxItem, created } = await db.library.save(me, staged[0].id, { title: 'Red fox', tags: ['Fox', 'winter', 'FOX'], collectionId: foxes.id });
    expect(created).toBe(true);
    expect(foxItem).toMatchObject({ sourceAssetId: staged[0].id, title: 'Red fox', tags: ['fox', 'winter'], visibility: 'private', collectionId: foxes.id, sha256: fox.sha256 });
    const { item: owlItem } = await db.library.save(me, staged[1].id);
    const { item: wavesItem } = await db.library.save(me, staged[2].id, { favorite: true, visibility: 'public', tags: ['sea'] });
    // Saving again answers the same item and writes nothing.
    const again = await db.library.save(me, staged[0].id, { title: 'ignored' });
    expect(again).toEqual({ item: foxItem, created: false });

    expect(await collection(foxes.id)).toMatchObject({ itemCount: 1, coverItemId: foxItem.id });
    expect((await db.library.get(me, foxItem.id))).toMatchObject({ collectionId: foxes.id, collectionName: 'Winter', usageCount: 0, lastUsedAt: null });
    expect((await db.library.list(me)).items.map((i) => i.id)).toEqual([wavesItem.id, owlItem.id, foxItem.id]);
    expect((await db.staging.list(me)).items.map((a) => a.savedItemId)).toEqual([foxItem.id, owlItem.id, wavesItem.id]);

    // Fill the collection: each id its own command; a bad one does not stop the others.
    const results = await db.collections.setCollectionItems(me, foxes.id, [owlItem.id, randomUUID(), wavesItem.id, foxItem.id]);
    expect(results.map((r) => r.status)).toEqual(['success', 'error', 'success', 'success']);
    expect(results[1]).toMatchObject({ error: { statusCode: 404 } });
    expect(await collection(foxes.id)).toMatchObject({ itemCount: 3, coverItemId: wavesItem.id });

    // Edit, rename: the collection's name follows on its items.
    const edited = await db.library.update(me, owlItem.id, { title: 'Snowy owl', tags: ['bird', 'winter'] });
    expect(edited).toMatchObject({ version: 3, title: 'Snowy owl', tags: ['bird', 'winter'] });
    await db.collections.renameCollection(me, foxes.id, { name: 'Cold' });
    await db.settle();
    expect((await db.library.list(me)).items.map((i) => i.collectionName)).toEqual(['Cold', 'Cold', 'Cold']);

    // Used by posts, while in a collection with a cover: a rebuild then reproduces every row, not just the counts.
    await attachToPost(db, workspaceId, randomUUID(), foxItem.id);
    await attachToPost(db, workspaceId, randomUUID(), foxItem.id);
    await attachToPost(db, workspaceId, randomUUID(), owlItem.id);
    await db.settle();
    expect((await db.library.get(me, foxItem.id)).usageCount).toBe(2);
    const { live, rebuilt } = await rebuildAll(db);
    expect(live.collections).toEqual([expect.objectContaining({ collection_id: foxes.id, item_count: 3, cover_item_id: wavesItem.id })]);
    expect(live.media_usage).toHaveLength(3);
    expect(live.library_items.map((row) => (row as { usage_count: number }).usage_count).sort()).toEqual([0, 1, 2]);
    expect(live.staging_assets).toHaveLength(3);
    expect(rebuilt).toEqual(live);

    // Filters: collection, tag, favourite, type, free text; sorted by title; paged.
    const ids = async (query: Parameters<typeof db.library.list>[1]) => (await db.library.list(me, query)).items.map((i) => i.id);
    expect(await ids({ collectionId: foxes.id })).toEqual([wavesItem.id, owlItem.id, foxItem.id]);
    expect(await ids({ tag: 'WINTER' })).toEqual([owlItem.id, foxItem.id]);
    expect(await ids({ favorite: true })).toEqual([wavesItem.id]);
    expect(await ids({ type: 'video' })).toEqual([wavesItem.id]);
    // 'simple' does not stem: snow is not snowy.
    expect(await ids({ q: 'snow' })).toEqual([foxItem.id]);
    expect(await ids({ q: 'winter' })).toEqual([owlItem.id, foxItem.id]);
    expect(await ids({ q: 'owl' })).toEqual([owlItem.id]);
    expect(await ids({ q: '"red fox" -owl' })).toEqual([foxItem.id]);
    expect(await ids({ q: 'sea', type: 'video', favorite: true })).toEqual([wavesItem.id]);
    expect(await ids({ sort: 'title' })).toEqual([wavesItem.id, foxItem.id, owlItem.id]);
    const first = await db.library.list(me, { sort: 'title', limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual([wavesItem.id, foxItem.id]);
    const second = await db.library.list(me, { sort: 'title', limit: 2, cursor: first.nextCursor ?? '' });
    expect(second).toMatchObject({ items: [{ id: owlItem.id }], nextCursor: null });
    await expect(db.library.list(me, { cursor: first.nextCursor ?? '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(db.library.list(me, { type: 'audio' })).rejects.toBeInstanceOf(ValidationError);

    // Out of the collection; then the cover is removed from the library altogether.
    await db.library.move(me, foxItem.id, null);
    expect(await collection(foxes.id)).toMatchObject({ itemCount: 2, coverItemId: wavesItem.id });
    expect(await ids({ collectionId: 'none' })).toEqual([foxItem.id]);
    await db.library.remove(me, wavesItem.id);
    expect(await collection(foxes.id)).toMatchObject({ itemCount: 1, coverItemId: owlItem.id });
    await expect(db.library.get(me, wavesItem.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.staging.list(me)).items.map((a) => a.savedItemId)).toEqual([foxItem.id, owlItem.id, null]);
    // The staged asset still holds the video's bytes; discarding it lets them go.
    expect(db.storage.deleted).toEqual([]);
    await db.staging.discard(me, staged[2].id);
    expect(db.storage.deleted).toEqual([waves.sha256]);
    await db.settle();
    expect((await db.staging.list(me)).items.map((a) => a.id)).toEqual([staged[0].id, staged[1].id]);
    await expect(db.staging.discard(me, staged[2].id)).rejects.toBeInstanceOf(NotFoundError);

    // Removed, it can be saved again from its staged asset while that is live: the same item.
    await db.library.remove(me, owlItem.id);
    const { item: owlAgain, created: owlCreated } = await db.library.save(me, staged[1].id, { title: 'Owl, again' });
    expect(owlCreated).toBe(true);
    expect(owlAgain).toMatchObject({ id: owlItem.id, title: 'Owl, again', collectionId: null, version: 5 });
    await expect(db.library.save(me, staged[2].id)).rejects.toBeInstanceOf(DomainRuleError);
    expect(await collection(foxes.id)).toMatchObject({ itemCount: 0, coverItemId: null });
    expect((await db.library.list(me)).items.map((i) => [i.id, i.collectionId])).toEqual([
      [owlItem.id, null],
      [foxItem.id, null],
    ]);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('rebuilds every projection from the events into tables equal to the live ones', async () => {
    await db.settle();
    const projections = new AssetsProjections(db.pool, db.store, new Registry(), () => undefined);
    expect((await projections.status()).map((status) => [status.name, status.kind, status.rebuildable, status.lagEvents])).toEqual([
      ['library_views', 'read-model', true, 0],
      ['staging', 'read-model', true, 0],
    ]);
    const { live, rebuilt } = await rebuildAll(db);
    expect(live.library_items).toHaveLength(2);
    expect(live.staging_assets).toHaveLength(2);
    expect(live.collections).toHaveLength(1);
    expect(rebuilt).toEqual(live);
    await expect(projections.rebuild('post_summaries')).rejects.toBeInstanceOf(NotFoundError);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('applies each event once: replaying every event over the live tables changes nothing', async () => {
    const live = await readModels(db);
    const { events } = await db.store.readAll(START, { limit: 10_000 });
    const client = await db.pool.connect();
    try {
      const context: ProjectionContext = {
        client,
        schema: db.schema,
        rebuilding: false,
        table: (name) => qualified(db.schema, name),
        tableName: (name) => name,
      };
      for (const projection of [stagingProjection, libraryViewsProjection]) {
        await projection.apply(events.filter((event) => projection.eventTypes?.includes(event.type)), context);
      }
    } finally {
      client.release();
    }
    expect(await readModels(db)).toEqual(live);
  });
});
