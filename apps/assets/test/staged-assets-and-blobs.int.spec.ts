import { STAGING_TTL_MS, workspaceAssetStreamId } from '@lib/contracts';
import { ConflictError, DomainRuleError, NotFoundError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { BlobReferences } from '../src/staging/blob-references';
import { ExpirySweep } from '../src/staging/expiry-sweep';
import { sweepOrphanBlobs } from '../src/staging/orphan-blob-sweep';
import { STEPWISE_TEST_TIMEOUT_MS, assetsTestDatabase, generatedAsset, requestContext, sha256Of, type AssetsTestDatabase } from './assets-test-kit';

const HOUR_MS = 3_600_000;

describe('staged assets and the blobs behind them', () => {
  let db: AssetsTestDatabase;
  const workspaceId = randomUUID();
  const me = requestContext(workspaceId, 'editor');

  beforeEach(async () => {
    db = await assetsTestDatabase('assets_blobs');
  });
  afterEach(async () => {
    await db.dispose();
  });

  async function blobRows(sha256: string): Promise<{ blobs: number; holders: Array<{ holder_id: string; holder_kind: string }> }> {
    const blobs = await db.pool.query(`SELECT 1 FROM "${db.schema}".blobs WHERE sha256 = $1`, [sha256]);
    const holders = await db.pool.query<{ holder_id: string; holder_kind: string }>(
      `SELECT holder_id, holder_kind FROM "${db.schema}".blob_references WHERE sha256 = $1 ORDER BY holder_kind, holder_id`,
      [sha256],
    );
    return { blobs: blobs.rowCount ?? 0, holders: holders.rows };
  }

  it("registers a job's asset twice as one asset, one event and one blob row; the same bytes for another job share the blob", async () => {
    const input = generatedAsset(db);
    const first = await db.staging.registerStagedAsset(me, input);
    expect(first.created).toBe(true);
    expect(await db.staging.registerStagedAsset(me, input)).toEqual({ asset: first.asset, created: false });
    // A retried job that produced other bytes: the asset staged first is the answer.
    const retried = await db.staging.registerStagedAsset(me, { ...input, sha256: sha256Of('other bytes') });
    expect(retried).toEqual({ asset: first.asset, created: false });
    const events = await db.store.readStream(workspaceAssetStreamId(first.asset.id));
    expect(events.events.map((e) => e.type)).toEqual(['WorkspaceAssetAdded']);
    expect(await blobRows(input.sha256)).toEqual({ blobs: 1, holders: [{ holder_id: first.asset.id, holder_kind: 'workspace_asset' }] });
    expect(await blobRows(sha256Of('other bytes'))).toEqual({ blobs: 0, holders: [] });

    const sameBytes = await db.staging.registerStagedAsset(me, { ...input, generation: { ...input.generation, jobId: randomUUID() } });
    const otherUser = await db.staging.registerStagedAsset(requestContext(workspaceId), input);
    expect(new Set([first.asset.id, sameBytes.asset.id, otherUser.asset.id]).size).toBe(3);
    const rows = await blobRows(input.sha256);
    expect(rows.blobs).toBe(1);
    expect(rows.holders.map((h) => h.holder_id).sort()).toEqual([first.asset.id, sameBytes.asset.id, otherUser.asset.id].sort());
  });

  it('registers a new blob only when its bytes are stored, as declared', async () => {
    const input = generatedAsset(db);
    const { asset } = await db.staging.registerStagedAsset(me, input);
    await db.staging.discard(me, asset.id);
    expect(db.storage.deleted).toEqual([input.sha256]);
    // The same bytes uploaded again: the upload's put found them stored and wrote nothing, then
    // the discard's deletion ran before this registration.
    const again = { ...input, generation: { ...input.generation, jobId: randomUUID() } };
    await expect(db.staging.registerStagedAsset(me, again)).rejects.toThrow(ConflictError);
    expect(await blobRows(input.sha256)).toEqual({ blobs: 0, holders: [] });
    db.storage.put(input.sha256, input.sizeBytes);
    await expect(db.staging.registerStagedAsset(me, { ...again, sizeBytes: input.sizeBytes + 1 })).rejects.toThrow('not ' + (input.sizeBytes + 1));
    expect((await db.staging.registerStagedAsset(me, again)).created).toBe(true);
    expect(await blobRows(input.sha256)).toMatchObject({ blobs: 1 });
  });

  it('expires a due asset and releases its last reference, while a saved copy keeps its blob referenced', async () => {
    const sweep = new ExpirySweep(db.pool, db.store, db.clock.now, db.blobs, { batchSize: 10 });
    const lonely = generatedAsset(db);
    const kept = generatedAsset(db);
    const { asset: lonelyAsset } = await db.staging.registerStagedAsset(me, lonely);
    const { asset: keptAsset } = await db.staging.registerStagedAsset(me, kept);
    const { item } = await db.library.save(me, keptAsset.id, { title: 'Keeper' });
    expect(await blobRows(kept.sha256)).toEqual({
      blobs: 1,
      holders: [
        { holder_id: item.id, holder_kind: 'library_item' },
        { holder_id: keptAsset.id, holder_kind: 'workspace_asset' },
      ],
    });
    await db.settle();
    expect(await sweep.runOnce()).toEqual({ expired: [], released: [], deleted: [], failed: [] });

    db.clock.advance(STAGING_TTL_MS);
    const report = await sweep.runOnce();
    expect(report.expired.sort()).toEqual([lonelyAsset.id, keptAsset.id].sort());
    expect(report).toMatchObject({ released: [lonely.sha256], deleted: [lonely.sha256], failed: [] });
    expect(await blobRows(lonely.sha256)).toEqual({ blobs: 0, holders: [] });
    expect(await blobRows(kept.sha256)).toEqual({ blobs: 1, holders: [{ holder_id: item.id, holder_kind: 'library_item' }] });
    expect(db.storage.deleted).toEqual([lonely.sha256]);
    expect(db.storage.stored.has(kept.sha256)).toBe(true);

    // The views follow; an expired asset can no longer be saved, nor discarded.
    await db.settle();
    expect((await db.staging.list(me)).items).toEqual([]);
    await expect(db.staging.get(me, lonelyAsset.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.library.get(me, item.id)).toMatchObject({ sha256: kept.sha256, title: 'Keeper' });
    await expect(db.library.save(me, lonelyAsset.id)).rejects.toBeInstanceOf(DomainRuleError);
    await expect(db.staging.discard(me, lonelyAsset.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await sweep.runOnce()).toEqual({ expired: [], released: [], deleted: [], failed: [] });

    // The saved copy was the last holder: removing it lets the bytes go.
    await db.library.remove(me, item.id);
    expect(await blobRows(kept.sha256)).toEqual({ blobs: 0, holders: [] });
    expect(db.storage.deleted).toEqual([lonely.sha256, kept.sha256]);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('expires only what is due by the stream: an asset discarded after the view saw it is skipped', async () => {
    const sweep = new ExpirySweep(db.pool, db.store, db.clock.now, db.blobs, { batchSize: 10 });
    const input = generatedAsset(db);
    const { asset } = await db.staging.registerStagedAsset(me, input);
    await db.settle();
    await db.staging.discard(me, asset.id);
    expect(db.storage.deleted).toEqual([input.sha256]);
    db.clock.advance(STAGING_TTL_MS);
    // The view may still list it; the stream says it is gone, and nothing happens.
    expect(await sweep.runOnce()).toEqual({ expired: [], released: [], deleted: [], failed: [] });
    expect(db.storage.deleted).toEqual([input.sha256]);
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('never lets a save and a discard of the same staged asset leave a library item without its bytes', async () => {
    for (let round = 0; round < 10; round++) {
      const input = generatedAsset(db);
      const { asset } = await db.staging.registerStagedAsset(me, input);
      const [saved, discarded] = await Promise.allSettled([db.library.save(me, asset.id), db.staging.discard(me, asset.id)]);
      expect(discarded.status).toBe('fulfilled');
      const rows = await blobRows(input.sha256);
      if (saved.status === 'fulfilled') {
        expect(rows).toEqual({ blobs: 1, holders: [{ holder_id: saved.value.item.id, holder_kind: 'library_item' }] });
        expect(db.storage.stored.has(input.sha256)).toBe(true);
      } else {
        // Refused by the decider (it saw the discard), or by the ledger (it lost the race for the blob).
        expect(saved.reason instanceof DomainRuleError || saved.reason instanceof ConflictError).toBe(true);
        expect(rows).toEqual({ blobs: 0, holders: [] });
        expect(db.storage.stored.has(input.sha256)).toBe(false);
      }
    }
  });

  it('sweeps stored bytes that no blob row holds once their grace period is over', async () => {
    const registered = generatedAsset(db);
    await db.staging.registerStagedAsset(me, registered);
    const now = new Date();
    const old = new Date(now.getTime() - 2 * HOUR_MS);
    const orphan = sha256Of('left by a crash');
    const fresh = sha256Of('an upload not registered yet');
    db.storage.put(orphan, 10, old);
    db.storage.put(fresh, 10, new Date(now.getTime() - 1000));
    db.storage.put(registered.sha256, registered.sizeBytes, old);
    db.storage.put('not-a-content-address', 10, old);

    const report = await sweepOrphanBlobs(db.blobs, db.storage, { graceMs: HOUR_MS, now, batchSize: 2 });
    expect(report).toEqual({ scanned: 4, deleted: [orphan], failed: [] });
    expect([...db.storage.stored.keys()].sort()).toEqual([registered.sha256, fresh, 'not-a-content-address'].sort());
  });

  it('reports bytes it could not delete and leaves them to the orphan sweep', async () => {
    const input = generatedAsset(db);
    const { asset } = await db.staging.registerStagedAsset(me, input);
    const failing = { stat: (sha256: string) => db.storage.stat(sha256), delete: () => Promise.reject(new Error('storage unreachable')) };
    const errors: string[] = [];
    const blobs = new BlobReferences(db.pool, db.schema, failing, (sha256) => errors.push(sha256));
    db.clock.advance(STAGING_TTL_MS);
    await db.settle();
    const report = await new ExpirySweep(db.pool, db.store, db.clock.now, blobs, { batchSize: 10 }).runOnce();
    expect(report).toEqual({ expired: [asset.id], released: [input.sha256], deleted: [], failed: [input.sha256] });
    expect(errors).toEqual([input.sha256]);
    db.storage.put(input.sha256, input.sizeBytes, new Date(Date.now() - 2 * HOUR_MS));
    expect(await sweepOrphanBlobs(db.blobs, db.storage, { graceMs: HOUR_MS, now: new Date() })).toMatchObject({ deleted: [input.sha256] });
  }, STEPWISE_TEST_TIMEOUT_MS);
});
