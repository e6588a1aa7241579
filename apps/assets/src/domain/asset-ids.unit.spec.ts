import { libraryItemId, stagedAssetId, uuidV5 } from './asset-ids';

describe('derived ids', () => {
  it('computes RFC 9562 UUID v5 (the DNS namespace example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives the same staged asset id for the same (workspace, user, job, index), whatever the case of the uuids', () => {
    const ws = '11111111-1111-4111-8111-11111111111A';
    const job = '22222222-2222-4222-8222-22222222222B';
    const id = stagedAssetId(ws, 'user-1', job, 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stagedAssetId(ws.toLowerCase(), 'user-1', job.toLowerCase(), 0)).toBe(id);
    expect(new Set([id, stagedAssetId(ws, 'user-2', job, 0), stagedAssetId(ws, 'user-1', job, 1), stagedAssetId(job, 'user-1', ws, 0)]).size).toBe(4);
  });

  it("derives a library item's id from its staged asset's, distinct from it", () => {
    const asset = stagedAssetId('11111111-1111-4111-8111-111111111111', 'user-1', '22222222-2222-4222-8222-222222222222', 3);
    expect(libraryItemId(asset)).toBe(libraryItemId(asset.toUpperCase()));
    expect(libraryItemId(asset)).not.toBe(asset);
  });
});
