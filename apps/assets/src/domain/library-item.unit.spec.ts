import type { LibraryItemEditableField } from '@lib/contracts';
import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { libraryItemId, stagedAssetId } from './asset-ids';
import { collectionDecider, type CollectionState } from './collection';
import { DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError } from '@lib/domain';
import type { CollectionEvent, LibraryItemEvent, WorkspaceAssetEvent } from './events';
import { libraryItemDecider, type LibraryItemCommand, type SaveLibraryItem } from './library-item';
import { workspaceAssetDecider, type WorkspaceAssetState } from './workspace-asset';

const spec = deciderSpec(libraryItemDecider);

const workspaceId = '11111111-1111-4111-8111-111111111111';
const jobId = '2c9a1f4e-7b3d-4e8a-9f60-1d2c3b4a5e6f';
const collectionId = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const sha256 = 'f'.repeat(64);
const owner: Actor = { userId: 'user-owner', workspaceId, role: 'editor' };
const someoneElse: Actor = { userId: 'user-other', workspaceId, role: 'owner' };
const viewer: Actor = { userId: 'user-owner', workspaceId, role: 'viewer' };
const assetId = stagedAssetId(workspaceId, owner.userId, jobId, 0);
const itemId = libraryItemId(assetId);
const t0 = new Date('2030-01-01T09:00:00.000Z');
const t1 = new Date('2030-01-02T09:00:00.000Z');
const afterExpiry = new Date('2030-01-08T09:00:00.000Z');

const blob = { sha256, sizeBytes: 2048, mimeType: 'image/webp' as const, assetType: 'image' as const };
const stagedEvent: WorkspaceAssetEvent = {
  type: 'WorkspaceAssetAdded',
  data: {
    assetId,
    userId: owner.userId,
    blob,
    generation: { jobId, assetIndex: 0, seed: 7, prompt: 'a fox in snow', model: 'flux-1', settings: {}, durationSeconds: null },
    createdAt: t0.toISOString(),
    expiresAt: afterExpiry.toISOString(),
  },
};
const staged: WorkspaceAssetState = deciderSpec(workspaceAssetDecider).given([stagedEvent]).state();
const discardedAsset: WorkspaceAssetState = deciderSpec(workspaceAssetDecider)
  .given([stagedEvent, { type: 'WorkspaceAssetDiscarded', data: { assetId, userId: owner.userId, sha256, discardedBy: owner.userId, discardedAt: t0.toISOString() } }])
  .state();

const collectionOf = (userId: string, ...more: CollectionEvent[]): CollectionState =>
  deciderSpec(collectionDecider)
    .given([{ type: 'CollectionCreated', data: { collectionId, userId, name: 'Foxes', description: null, createdAt: t0.toISOString() } }, ...more])
    .state();
const ownCollection = collectionOf(owner.userId);

const save = (over: Partial<SaveLibraryItem> = {}): LibraryItemCommand => ({ type: 'SaveLibraryItem', actor: owner, now: t1, sourceAssetId: assetId, source: staged, ...over });
const update = (changes: Record<string, unknown>, actor: Actor = owner): LibraryItemCommand => ({ type: 'UpdateLibraryItem', actor, now: t1, changes });
const move = (to: CollectionState | null, actor: Actor = owner): LibraryItemCommand => ({
  type: 'MoveLibraryItem',
  actor,
  now: t1,
  to: to === null ? null : { collectionId, state: to },
});
const remove = (actor: Actor = owner): LibraryItemCommand => ({ type: 'RemoveLibraryItem', actor, now: t1 });

const saved = (over: Partial<Extract<LibraryItemEvent, { type: 'LibraryItemSaved' }>['data']> = {}): LibraryItemEvent => ({
  type: 'LibraryItemSaved',
  data: {
    itemId,
    userId: owner.userId,
    sourceAssetId: assetId,
    blob,
    prompt: 'a fox in snow',
    model: 'flux-1',
    seed: 7,
    durationSeconds: null,
    title: null,
    tags: [],
    favorite: false,
    visibility: 'private',
    collectionId: null,
    savedAt: t1.toISOString(),
    ...over,
  },
});
const removed: LibraryItemEvent = {
  type: 'LibraryItemRemoved',
  data: { itemId, userId: owner.userId, sha256, collectionId: null, removedAt: t1.toISOString() },
};
const updated = (changedFields: LibraryItemEditableField[], over: Record<string, unknown>): LibraryItemEvent =>
  ({
    type: 'LibraryItemUpdated',
    data: { itemId, userId: owner.userId, title: null, tags: [], favorite: false, visibility: 'private', ...over, changedFields, updatedAt: t1.toISOString() },
  }) as LibraryItemEvent;

describe('SaveLibraryItem', () => {
  it('given a live staged asset of the caller, when saved, then LibraryItemSaved with its blob and generation, private by default', () => {
    expect(spec.given([]).when(save()).then([saved()])).toMatchObject({ status: 'saved', itemId, collectionId: null });
  });

  it('takes title, tags, favourite, visibility and an own collection; tags trimmed, lower-cased and deduplicated', () => {
    spec
      .given([])
      .when(save({ title: '  Snow fox ', tags: [' Winter', 'FOX', 'winter ', 'fox'], favorite: true, visibility: 'public', collection: { collectionId, state: ownCollection } }))
      .then([saved({ title: 'Snow fox', tags: ['winter', 'fox'], favorite: true, visibility: 'public', collectionId })]);
  });

  it('given the item saved already, when saved again, then nothing happens, even once the staged asset is gone', () => {
    spec.given([saved()]).when(save({ title: 'ignored' })).thenNothingHappened();
    spec.given([saved()]).when(save({ source: discardedAsset })).thenNothingHappened();
    spec.given([saved()]).when(save({ now: afterExpiry })).thenNothingHappened();
  });

  it('given it removed, when saved again while the staged asset is live, then the same item is saved again', () => {
    spec.given([saved(), removed]).when(save({ favorite: true })).then([saved({ favorite: true })]);
  });

  it("answers another user's staged asset, or none, as absent", () => {
    spec.given([]).when(save({ actor: someoneElse })).thenThrows(NotFoundError, { entity: 'workspace asset', id: assetId });
    spec.given([]).when(save({ source: { status: 'none' } })).thenThrows(NotFoundError, { entity: 'workspace asset' });
  });

  it('refuses a staged asset that expired (by the clock or by the sweep) or was discarded', () => {
    spec.given([]).when(save({ now: afterExpiry })).thenThrows(InvalidTransitionError, { status: 'expired' });
    spec.given([]).when(save({ source: discardedAsset })).thenThrows(InvalidTransitionError, { status: 'discarded' });
  });

  it("answers another user's or a deleted collection as absent", () => {
    spec.given([]).when(save({ collection: { collectionId, state: collectionOf(someoneElse.userId) } })).thenThrows(NotFoundError, { entity: 'collection', id: collectionId });
    const gone = collectionOf(owner.userId, { type: 'CollectionDeleted', data: { collectionId, userId: owner.userId, deletedAt: t0.toISOString() } });
    spec.given([]).when(save({ collection: { collectionId, state: gone } })).thenThrows(NotFoundError, { entity: 'collection' });
  });

  it('reports every broken rule at once', () => {
    const error = spec
      .given([])
      .when(save({ title: 't'.repeat(201), tags: ['ok', '', 'x'.repeat(51), 3 as unknown as string], favorite: 'yes' as unknown as boolean, visibility: 'secret' }))
      .thenThrows(DomainValidationError);
    expect(error.violations).toEqual([
      { field: 'title', message: 'must be at most 200 characters' },
      { field: 'tags.1', message: 'must not be blank' },
      { field: 'tags.2', message: 'must be at most 50 characters' },
      { field: 'tags.3', message: 'must be a string' },
      { field: 'favorite', message: 'must be true or false' },
      { field: 'visibility', message: 'must be one of private, unlisted, public' },
    ]);
  });

  it('counts tags once deduplicated: 30 distinct pass, 31 do not', () => {
    const thirty = Array.from({ length: 30 }, (_, i) => `tag${i}`);
    expect(spec.given([]).when(save({ tags: [...thirty, 'TAG0'] })).run().events[0].data).toMatchObject({ tags: thirty });
    spec.given([]).when(save({ tags: [...thirty, 'one-more'] })).thenThrows(DomainValidationError, { violations: [{ field: 'tags', message: 'at most 30 tags, got 31' }] });
  });

  it('refuses a viewer', () => {
    spec.given([]).when(save({ actor: viewer })).thenThrows(ForbiddenError);
  });
});

describe('UpdateLibraryItem', () => {
  it('emits the whole editable content with the fields that changed', () => {
    spec
      .given([saved()])
      .when(update({ title: 'Fox', tags: ['Snow'], favorite: false, visibility: 'unlisted' }))
      .then([updated(['title', 'tags', 'visibility'], { title: 'Fox', tags: ['snow'], visibility: 'unlisted' })]);
  });

  it('clears the title with null; an update that changes nothing is nothing', () => {
    spec.given([saved({ title: 'Fox' })]).when(update({ title: null })).then([updated(['title'], { title: null })]);
    spec.given([saved({ tags: ['a'] })]).when(update({ tags: ['A', 'a'], favorite: false })).thenNothingHappened();
  });

  it('refuses unknown fields and bad values', () => {
    const error = spec.given([saved()]).when(update({ collectionId: collectionId, tags: 'fox' })).thenThrows(DomainValidationError);
    expect(error.violations.map((v) => v.field)).toEqual(['collectionId', 'tags']);
  });

  it("answers another user's private item as absent, and refuses a visible one: only its owner writes", () => {
    spec.given([saved()]).when(update({ title: 'x' }, someoneElse)).thenThrows(NotFoundError, { entity: 'library item' });
    spec.given([saved({ visibility: 'public' })]).when(update({ title: 'x' }, someoneElse)).thenThrows(ForbiddenError);
    spec.given([saved({ visibility: 'unlisted' })]).when(update({ title: 'x' }, someoneElse)).thenThrows(ForbiddenError);
  });

  it('given it removed or never saved, then NotFoundError', () => {
    spec.given([saved(), removed]).when(update({ title: 'x' })).thenThrows(NotFoundError);
    spec.given([]).when(update({ title: 'x' })).thenThrows(NotFoundError);
  });
});

describe('MoveLibraryItem', () => {
  it('moves into an own collection and out of it; a move to where it is is nothing', () => {
    const moved: LibraryItemEvent = {
      type: 'LibraryItemMoved',
      data: { itemId, userId: owner.userId, fromCollectionId: null, toCollectionId: collectionId, movedAt: t1.toISOString() },
    };
    expect(spec.given([saved()]).when(move(ownCollection)).then([moved])).toMatchObject({ collectionId });
    spec.given([saved(), moved]).when(move(null)).then([
      { type: 'LibraryItemMoved', data: { itemId, userId: owner.userId, fromCollectionId: collectionId, toCollectionId: null, movedAt: t1.toISOString() } },
    ]);
    spec.given([saved(), moved]).when(move(ownCollection)).thenNothingHappened();
    spec.given([saved()]).when(move(null)).thenNothingHappened();
  });

  it("answers another user's collection as absent, and refuses another user's public item", () => {
    spec.given([saved()]).when(move(collectionOf(someoneElse.userId))).thenThrows(NotFoundError, { entity: 'collection' });
    spec.given([saved({ visibility: 'public' })]).when(move(collectionOf(someoneElse.userId), someoneElse)).thenThrows(ForbiddenError);
  });
});

describe('RemoveLibraryItem', () => {
  it('emits LibraryItemRemoved with the blob and the collection it left; then the item is gone', () => {
    spec.given([saved({ collectionId })]).when(remove()).then([{ ...removed, data: { ...removed.data, collectionId } } as LibraryItemEvent]);
    spec.given([saved(), removed]).when(remove()).thenThrows(NotFoundError);
  });

  it("answers another user's private item as absent", () => {
    spec.given([saved()]).when(remove(someoneElse)).thenThrows(NotFoundError);
    spec.given([saved()]).when(remove(viewer)).thenThrows(ForbiddenError);
  });
});
