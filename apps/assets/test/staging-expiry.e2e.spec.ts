import type { Page } from '@lib/service-kit';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LibraryItemView } from '../src/library/library-item.views';
import type { StagedAssetSummaryView, StagedAssetView } from '../src/staging/staged-asset.views';
import { blobKey } from '../src/storage/blob-storage.port';
import { AssetsApp, generationFields, MovableClock, settled, STEPWISE_TEST_TIMEOUT_MS, uploadForm } from './assets-e2e-kit';
import { pngBytes } from './fixtures/media-files';

const DAY_MS = 86_400_000;
const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Staging over HTTP with a clock the test moves: a retried job's upload stores nothing new, and
 * the expiry sweep (on its timer) expires what is due, deleting the files of unsaved assets
 * while saved copies keep theirs.
 */
describe('staged assets: retried uploads and expiry', () => {
  const clock = new MovableClock();
  let app: AssetsApp;

  beforeAll(async () => {
    app = await AssetsApp.start({ clock: clock.now, env: { ASSETS_EXPIRY_SWEEP_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await app?.dispose();
  });

  const eventsOf = async (streamId: string): Promise<string[]> =>
    (await app.api.pool.query<{ event_type: string }>(`SELECT event_type FROM "${app.api.schema}".events WHERE stream_id = $1 ORDER BY position`, [streamId])).rows.map(
      (row) => row.event_type,
    );

  it('stores the same job’s asset once, however often it is uploaded (201, then 200)', async () => {
    const fields = generationFields();
    const bytes = pngBytes({ width: 6, height: 6, seed: 11 });
    const form = uploadForm(fields, [{ bytes, type: 'image/png' }]);
    const first = await app.upload<StagedAssetView>(form);
    const second = await app.upload<StagedAssetView>(form);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json).toEqual(first.json);
    expect(await eventsOf(`workspace-asset-${first.json.id}`)).toEqual(['WorkspaceAssetAdded']);
    expect(await app.files()).toEqual([blobKey(sha256(bytes))]);

    // A retry that produced other bytes answers the asset staged first; its bytes are not kept.
    const other = await app.upload<StagedAssetView>(uploadForm(fields, [{ bytes: pngBytes({ width: 6, height: 6, seed: 12 }), type: 'image/png' }]));
    expect({ status: other.status, id: other.json.id, sha256: other.json.sha256 }).toEqual({ status: 200, id: first.json.id, sha256: sha256(bytes) });
    expect(await eventsOf(`workspace-asset-${first.json.id}`)).toEqual(['WorkspaceAssetAdded']);
    expect(await app.files()).toEqual([blobKey(sha256(bytes))]);
    expect(await app.rows('blobs')).toHaveLength(1);
  });

  it('expires staged assets once due: unsaved files are deleted, a saved copy keeps its bytes', async () => {
    const kept = pngBytes({ width: 5, height: 5, seed: 21 });
    const dropped = pngBytes({ width: 5, height: 5, seed: 22 });
    const savedAsset = (await app.upload<StagedAssetView>(uploadForm(generationFields(), [{ bytes: kept, type: 'image/png' }]))).json;
    const unsavedAsset = (await app.upload<StagedAssetView>(uploadForm(generationFields(), [{ bytes: dropped, type: 'image/png' }]))).json;
    const item = (await app.call<LibraryItemView>('POST', `/v1/workspace-assets/${savedAsset.id}/save`, { role: 'editor', body: { title: 'Keeper' } })).json;
    await settled(async () => {
      const staged = await app.call<Page<StagedAssetSummaryView>>('GET', '/v1/workspace-assets', { role: 'editor' });
      expect(staged.json.items).toHaveLength(3);
    });

    // A day early nothing is due.
    clock.advance(6 * DAY_MS);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await eventsOf(`workspace-asset-${unsavedAsset.id}`)).toEqual(['WorkspaceAssetAdded']);

    clock.advance(DAY_MS + 60_000);
    await settled(async () => {
      expect(await eventsOf(`workspace-asset-${unsavedAsset.id}`)).toEqual(['WorkspaceAssetAdded', 'WorkspaceAssetExpired']);
      expect(await eventsOf(`workspace-asset-${savedAsset.id}`)).toEqual(['WorkspaceAssetAdded', 'WorkspaceAssetExpired']);
      expect((await app.call<Page<StagedAssetSummaryView>>('GET', '/v1/workspace-assets', { role: 'editor' })).json.items).toEqual([]);
    });

    expect((await app.call('GET', `/v1/workspace-assets/${unsavedAsset.id}`, { role: 'editor' })).status).toBe(404);
    expect((await app.download(`/v1/workspace-assets/${savedAsset.id}/file`)).status).toBe(404);
    expect(await app.files()).not.toContain(blobKey(sha256(dropped)));
    expect(await app.files()).toContain(blobKey(sha256(kept)));
    const download = await app.download(`/v1/library/${item.id}/file`);
    expect({ status: download.status, same: download.bytes.equals(kept) }).toEqual({ status: 200, same: true });
    // What expired can no longer be saved.
    const late = await app.call<{ message: string }>('POST', `/v1/workspace-assets/${unsavedAsset.id}/save`, { role: 'editor' });
    expect(late.status).toBe(409);
  }, STEPWISE_TEST_TIMEOUT_MS);
});

describe('the orphan sweep, on its timer', () => {
  let app: AssetsApp;

  beforeAll(async () => {
    app = await AssetsApp.start({ env: { ASSETS_ORPHAN_SWEEP_INTERVAL_MS: '1000', ASSETS_ORPHAN_GRACE_MS: '60000' } });
  });
  afterAll(async () => {
    await app?.dispose();
  });

  /** A file under the data directory, last written `ageMs` ago. */
  async function plant(path: string, ageMs: number): Promise<string> {
    const full = join(app.dataDir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, 'left behind');
    const at = new Date(Date.now() - ageMs);
    await utimes(full, at, at);
    return path;
  }

  it('deletes old blobs nothing references and old temp files, and leaves the rest alone', async () => {
    const bytes = pngBytes({ width: 3, height: 3, seed: 31 });
    const registered = await app.upload<StagedAssetView>(uploadForm(generationFields(), [{ bytes, type: 'image/png' }]));
    expect(registered.status).toBe(201);
    const orphan = await plant(blobKey(sha256(randomUUID())), DAY_MS);
    const young = await plant(blobKey(sha256(randomUUID())), 0);
    const abandoned = await plant(`tmp/upload-${randomUUID()}`, DAY_MS);
    const arriving = await plant(`tmp/upload-${randomUUID()}`, 0);
    await settled(async () => expect(await app.files()).toEqual([blobKey(sha256(bytes)), young, arriving].sort()));
    expect(await app.files()).not.toContain(orphan);
    expect(await app.files()).not.toContain(abandoned);
  }, STEPWISE_TEST_TIMEOUT_MS);
});

