import type { Decider } from '@lib/event-store';
import { WRITERS, requireRole, type Actor } from './actor';
import { DomainValidationError, InvalidTransitionError, NotFoundError, Violations } from '@lib/domain';
import type { CollectionEvent } from './events';
import { normalizeCollectionName, normalizeDescription, normalizeUuid } from './rules';

/**
 * A user's collection of library items:
 *
 *   (none) --Create--> active --Rename--> active --Delete--> deleted
 *
 * Collections are their owner's alone: to anyone else (another user of the workspace, another
 * workspace) a collection does not exist. Which items are in it is each item's own state (see
 * the library item's Move); its count and cover are the read model's. A deleted collection is
 * gone (404 to any further command) and its id is never reused.
 */

// ---- commands ----------------------------------------------------------------------------

interface CollectionCommandBase<TType extends string> {
  type: TType;
  actor: Actor;
  now: Date;
}

export interface CreateCollection extends CollectionCommandBase<'CreateCollection'> {
  /** A fresh uuid chosen by the caller; the stream is `collection-<collectionId>`. */
  collectionId: string;
  name: string;
  description?: string | null;
}

export interface RenameCollection extends CollectionCommandBase<'RenameCollection'> {
  name: string;
  /** Omitted: unchanged; null or blank: cleared. */
  description?: string | null;
}

export type DeleteCollection = CollectionCommandBase<'DeleteCollection'>;

export type CollectionCommand = CreateCollection | RenameCollection | DeleteCollection;

// ---- state -------------------------------------------------------------------------------

export interface Collection {
  status: 'active' | 'deleted';
  collectionId: string;
  userId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CollectionState = { status: 'none' } | Collection;

export function initialCollectionState(): CollectionState {
  return { status: 'none' };
}

export function evolveCollection(state: CollectionState, event: CollectionEvent): CollectionState {
  switch (event.type) {
    case 'CollectionCreated': {
      const d = event.data;
      return { status: 'active', collectionId: d.collectionId, userId: d.userId, name: d.name, description: d.description, createdAt: d.createdAt, updatedAt: d.createdAt };
    }
    case 'CollectionRenamed':
      return state.status === 'none' ? state : { ...state, name: event.data.name, description: event.data.description, updatedAt: event.data.renamedAt };
    case 'CollectionDeleted':
      return state.status === 'none' ? state : { ...state, status: 'deleted', updatedAt: event.data.deletedAt };
  }
}

/**
 * The collection, when it is live and `actor`'s; anything else is answered as absent. Also what
 * a library item's Move and Save check their target collection with.
 */
export function requireOwnCollection(state: CollectionState, actor: Actor, id?: string): Collection {
  if (state.status !== 'active' || state.userId !== actor.userId) throw new NotFoundError('collection', id);
  return state;
}

// ---- decide ------------------------------------------------------------------------------

export function decideCollection(command: CollectionCommand, state: CollectionState): CollectionEvent[] {
  switch (command.type) {
    case 'CreateCollection': {
      requireRole(command.type, command.actor, WRITERS);
      if (state.status !== 'none') throw new InvalidTransitionError(command.type, state.status, { detail: `collection ${state.collectionId} already exists` });
      const v = new Violations();
      const collectionId = normalizeUuid(command.collectionId, v, 'collectionId');
      const name = normalizeCollectionName(command.name, v);
      const description = normalizeDescription(command.description, v);
      v.throwIfAny();
      return [{ type: 'CollectionCreated', data: { collectionId, userId: command.actor.userId, name, description, createdAt: command.now.toISOString() } }];
    }
    case 'RenameCollection': {
      requireRole(command.type, command.actor, WRITERS);
      const collection = requireOwnCollection(state, command.actor);
      const v = new Violations();
      const name = normalizeCollectionName(command.name, v);
      const description = command.description === undefined ? collection.description : normalizeDescription(command.description, v);
      v.throwIfAny();
      if (name === collection.name && description === collection.description) return [];
      return [
        {
          type: 'CollectionRenamed',
          data: {
            collectionId: collection.collectionId,
            userId: collection.userId,
            name,
            previousName: collection.name,
            description,
            renamedAt: command.now.toISOString(),
          },
        },
      ];
    }
    case 'DeleteCollection': {
      requireRole(command.type, command.actor, WRITERS);
      const collection = requireOwnCollection(state, command.actor);
      return [{ type: 'CollectionDeleted', data: { collectionId: collection.collectionId, userId: collection.userId, deletedAt: command.now.toISOString() } }];
    }
    default:
      throw DomainValidationError.single('type', `unknown command ${String((command as { type?: unknown }).type)}`);
  }
}

export const collectionDecider: Decider<CollectionState, CollectionCommand, CollectionEvent> = {
  decide: decideCollection,
  evolve: evolveCollection,
  initialState: initialCollectionState,
};
