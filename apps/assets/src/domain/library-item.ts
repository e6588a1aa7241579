import { LIBRARY_ITEM_EDITABLE_FIELDS, type BlobData, type LibraryItemEditableField, type Visibility } from '@lib/contracts';
import type { Decider } from '@lib/event-store';
import { WRITERS, requireRole, type Actor } from './actor';
import { libraryItemId } from './asset-ids';
import { requireOwnCollection, type CollectionState } from './collection';
import { DomainValidationError, InvalidTransitionError, NotFoundError, Violations } from '@lib/domain';
import { CommandForbiddenError } from './errors';
import type { LibraryItemEvent } from './events';
import { normalizeBoolean, normalizeTags, normalizeTitle, normalizeUuid, normalizeVisibility } from './rules';
import { isLive, requireOwnStagedAsset, type WorkspaceAssetState } from './workspace-asset';

/**
 * An item of a user's permanent library, saved from one of their staged assets:
 *
 *   (none) --Save (a live staged asset of the caller)--> saved --Update | Move--> saved
 *   saved --Remove--> removed --Save (the staged asset still live)--> saved
 *
 * The id is derived from the staged asset's, so saving twice finds the item and emits nothing.
 * Visibility: a `private` item is its owner's alone (404 to anyone else); `unlisted` and
 * `public` items are readable by the workspace (public ones are also listed to it); only the
 * owner ever writes (403 to the others who can see it).
 */

// ---- commands ----------------------------------------------------------------------------

interface LibraryItemCommandBase<TType extends string> {
  type: TType;
  actor: Actor;
  now: Date;
}

/** A collection an item is put in, as its stream says it is now (loaded by the caller). */
export interface CollectionTarget {
  collectionId: string;
  state: CollectionState;
}

export interface SaveLibraryItem extends LibraryItemCommandBase<'SaveLibraryItem'> {
  /** The staged asset saved; the item's id is `libraryItemId(sourceAssetId)`. */
  sourceAssetId: string;
  /** The staged asset's state, as its stream says it is now. */
  source: WorkspaceAssetState;
  title?: string | null;
  tags?: string[];
  favorite?: boolean;
  visibility?: string;
  /** Omitted or null: in no collection. */
  collection?: CollectionTarget | null;
}

/** A partial update: omitted fields stay; `title: null` clears the title. */
export interface LibraryItemChanges {
  title?: string | null;
  tags?: string[];
  favorite?: boolean;
  visibility?: string;
}

export interface UpdateLibraryItem extends LibraryItemCommandBase<'UpdateLibraryItem'> {
  changes: LibraryItemChanges;
}

export interface MoveLibraryItem extends LibraryItemCommandBase<'MoveLibraryItem'> {
  /** null: out of any collection. */
  to: CollectionTarget | null;
}

export type RemoveLibraryItem = LibraryItemCommandBase<'RemoveLibraryItem'>;

export type LibraryItemCommand = SaveLibraryItem | UpdateLibraryItem | MoveLibraryItem | RemoveLibraryItem;

// ---- state -------------------------------------------------------------------------------

export interface LibraryItemContent {
  title: string | null;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
}

export interface LibraryItem extends LibraryItemContent {
  status: 'saved' | 'removed';
  itemId: string;
  userId: string;
  sourceAssetId: string;
  blob: BlobData;
  prompt: string;
  model: string;
  seed: number | null;
  durationSeconds: number | null;
  /**
   * As the item's own events say. A collection deleted since still shows here until the item
   * moves again; the read models show such an item in no collection.
   */
  collectionId: string | null;
  savedAt: string;
  updatedAt: string;
}

export type LibraryItemState = { status: 'none' } | LibraryItem;

export function initialLibraryItemState(): LibraryItemState {
  return { status: 'none' };
}

export function evolveLibraryItem(state: LibraryItemState, event: LibraryItemEvent): LibraryItemState {
  switch (event.type) {
    case 'LibraryItemSaved': {
      const d = event.data;
      return {
        status: 'saved',
        itemId: d.itemId,
        userId: d.userId,
        sourceAssetId: d.sourceAssetId,
        blob: { ...d.blob },
        prompt: d.prompt,
        model: d.model,
        seed: d.seed,
        durationSeconds: d.durationSeconds,
        title: d.title,
        tags: [...d.tags],
        favorite: d.favorite,
        visibility: d.visibility,
        collectionId: d.collectionId,
        savedAt: d.savedAt,
        updatedAt: d.savedAt,
      };
    }
    case 'LibraryItemUpdated': {
      if (state.status === 'none') return state;
      const { title, tags, favorite, visibility, updatedAt } = event.data;
      return { ...state, title, tags: [...tags], favorite, visibility, updatedAt };
    }
    case 'LibraryItemMoved':
      return state.status === 'none' ? state : { ...state, collectionId: event.data.toCollectionId, updatedAt: event.data.movedAt };
    case 'LibraryItemRemoved':
      return state.status === 'none' ? state : { ...state, status: 'removed', collectionId: null, updatedAt: event.data.removedAt };
  }
}

/** Whether `actor` may see the item: its owner, or anyone of the workspace unless it is private. */
export function canRead(item: LibraryItem, actor: Actor): boolean {
  return item.userId === actor.userId || item.visibility !== 'private';
}

/**
 * The item, when `actor` may write it. Absent, removed, or another user's private item: 404;
 * another user's item the actor can see: 403.
 */
export function requireOwnItem(state: LibraryItemState, actor: Actor, command: string): LibraryItem {
  if (state.status !== 'saved' || !canRead(state, actor)) throw new NotFoundError('library item');
  if (state.userId !== actor.userId) throw new CommandForbiddenError(command, 'only the owner of a library item changes it');
  return state;
}

function contentOf(item: LibraryItemContent): LibraryItemContent {
  return { title: item.title, tags: [...item.tags], favorite: item.favorite, visibility: item.visibility };
}

function targetCollectionId(target: CollectionTarget | null | undefined, actor: Actor, v: Violations): string | null {
  if (target === undefined || target === null) return null;
  const collectionId = normalizeUuid(target.collectionId, v, 'collectionId');
  v.throwIfAny();
  requireOwnCollection(target.state, actor, collectionId);
  return collectionId;
}

// ---- decide ------------------------------------------------------------------------------

function save(command: SaveLibraryItem, state: LibraryItemState): LibraryItemEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const source = requireOwnStagedAsset(command.source, command.actor, command.sourceAssetId);
  // Saved already: the same item is the answer, whatever became of the staged asset since.
  if (state.status === 'saved') return [];
  if (!isLive(source, command.now)) {
    throw new InvalidTransitionError(command.type, source.status === 'staged' ? 'expired' : source.status, { detail: `staged asset ${source.assetId} can no longer be saved` });
  }
  const v = new Violations();
  const title = normalizeTitle(command.title, v);
  const tags = command.tags === undefined ? [] : normalizeTags(command.tags, v);
  const favorite = command.favorite === undefined ? false : normalizeBoolean(command.favorite, v, 'favorite');
  const visibility = command.visibility === undefined ? 'private' : normalizeVisibility(command.visibility, v);
  v.throwIfAny();
  const collectionId = targetCollectionId(command.collection, command.actor, v);
  const { generation } = source;
  return [
    {
      type: 'LibraryItemSaved',
      data: {
        itemId: libraryItemId(source.assetId),
        userId: source.userId,
        sourceAssetId: source.assetId,
        blob: { ...source.blob },
        prompt: generation.prompt,
        model: generation.model,
        seed: generation.seed,
        durationSeconds: generation.durationSeconds,
        title,
        tags,
        favorite,
        visibility,
        collectionId,
        savedAt: command.now.toISOString(),
      },
    },
  ];
}

function update(command: UpdateLibraryItem, state: LibraryItemState): LibraryItemEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const item = requireOwnItem(state, command.actor, command.type);
  const v = new Violations();
  const changes: Record<string, unknown> = typeof command.changes === 'object' && command.changes !== null ? { ...command.changes } : {};
  if (typeof command.changes !== 'object' || command.changes === null) v.add('changes', 'must be an object');
  for (const key of Object.keys(changes)) {
    if (!(LIBRARY_ITEM_EDITABLE_FIELDS as readonly string[]).includes(key)) v.add(key, 'is not an editable field');
  }
  const has = (field: LibraryItemEditableField): boolean => changes[field] !== undefined;
  const current = contentOf(item);
  const next: LibraryItemContent = {
    title: has('title') ? normalizeTitle(changes.title, v) : current.title,
    tags: has('tags') ? normalizeTags(changes.tags, v) : current.tags,
    favorite: has('favorite') ? normalizeBoolean(changes.favorite, v, 'favorite') : current.favorite,
    visibility: has('visibility') ? normalizeVisibility(changes.visibility, v) : current.visibility,
  };
  v.throwIfAny();
  const changedFields = LIBRARY_ITEM_EDITABLE_FIELDS.filter((field) => JSON.stringify(current[field]) !== JSON.stringify(next[field]));
  if (changedFields.length === 0) return [];
  return [{ type: 'LibraryItemUpdated', data: { itemId: item.itemId, userId: item.userId, ...next, changedFields, updatedAt: command.now.toISOString() } }];
}

function move(command: MoveLibraryItem, state: LibraryItemState): LibraryItemEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const item = requireOwnItem(state, command.actor, command.type);
  const toCollectionId = targetCollectionId(command.to, command.actor, new Violations());
  if (toCollectionId === item.collectionId) return [];
  return [
    {
      type: 'LibraryItemMoved',
      data: { itemId: item.itemId, userId: item.userId, fromCollectionId: item.collectionId, toCollectionId, movedAt: command.now.toISOString() },
    },
  ];
}

function remove(command: RemoveLibraryItem, state: LibraryItemState): LibraryItemEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const item = requireOwnItem(state, command.actor, command.type);
  return [
    {
      type: 'LibraryItemRemoved',
      data: { itemId: item.itemId, userId: item.userId, sha256: item.blob.sha256, collectionId: item.collectionId, removedAt: command.now.toISOString() },
    },
  ];
}

export function decideLibraryItem(command: LibraryItemCommand, state: LibraryItemState): LibraryItemEvent[] {
  switch (command.type) {
    case 'SaveLibraryItem':
      return save(command, state);
    case 'UpdateLibraryItem':
      return update(command, state);
    case 'MoveLibraryItem':
      return move(command, state);
    case 'RemoveLibraryItem':
      return remove(command, state);
    default:
      throw DomainValidationError.single('type', `unknown command ${String((command as { type?: unknown }).type)}`);
  }
}

export const libraryItemDecider: Decider<LibraryItemState, LibraryItemCommand, LibraryItemEvent> = {
  decide: decideLibraryItem,
  evolve: evolveLibraryItem,
  initialState: initialLibraryItemState,
};
