import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { collectionDecider, type CollectionCommand } from './collection';
import { DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError } from '@lib/domain';
import type { CollectionEvent } from './events';

const spec = deciderSpec(collectionDecider);

const workspaceId = '11111111-1111-4111-8111-111111111111';
const collectionId = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const owner: Actor = { userId: 'user-owner', workspaceId, role: 'editor' };
const someoneElse: Actor = { userId: 'user-other', workspaceId, role: 'owner' };
const viewer: Actor = { userId: 'user-owner', workspaceId, role: 'viewer' };
const t0 = new Date('2030-01-01T09:00:00.000Z');
const t1 = new Date('2030-01-02T09:00:00.000Z');

const create = (over: Record<string, unknown> = {}): CollectionCommand =>
  ({ type: 'CreateCollection', actor: owner, now: t0, collectionId, name: ' Foxes ', description: 'Red ones', ...over }) as CollectionCommand;
const rename = (name: string, description?: string | null, actor: Actor = owner): CollectionCommand => ({ type: 'RenameCollection', actor, now: t1, name, description });
const remove = (actor: Actor = owner): CollectionCommand => ({ type: 'DeleteCollection', actor, now: t1 });

const created: CollectionEvent = {
  type: 'CollectionCreated',
  data: { collectionId, userId: owner.userId, name: 'Foxes', description: 'Red ones', createdAt: t0.toISOString() },
};
const deleted: CollectionEvent = { type: 'CollectionDeleted', data: { collectionId, userId: owner.userId, deletedAt: t1.toISOString() } };

describe('CreateCollection', () => {
  it('given nothing, when created, then CollectionCreated with the name trimmed', () => {
    expect(spec.given([]).when(create()).then([created])).toMatchObject({ status: 'active', updatedAt: t0.toISOString() });
  });

  it('a blank or absent description is none', () => {
    expect(spec.given([]).when(create({ description: '  ' })).run().events[0].data).toMatchObject({ description: null });
    expect(spec.given([]).when(create({ description: undefined })).run().events[0].data).toMatchObject({ description: null });
  });

  it('refuses a name of 0 or over 100 characters, a description over 1000 and a bad id, all at once', () => {
    const error = spec.given([]).when(create({ collectionId: 'c-1', name: ' ', description: 'd'.repeat(1001) })).thenThrows(DomainValidationError);
    expect(error.violations.map((v) => v.field)).toEqual(['collectionId', 'name', 'description']);
    spec.given([]).when(create({ name: 'n'.repeat(101) })).thenThrows(DomainValidationError, { violations: [{ field: 'name', message: 'must be at most 100 characters' }] });
    spec.given([]).when(create({ name: '🦊'.repeat(100) })).then([{ ...created, data: { ...created.data, name: '🦊'.repeat(100) } }]);
  });

  it('given one, when created again, then InvalidTransitionError (also after deletion: ids are not reused)', () => {
    spec.given([created]).when(create()).thenThrows(InvalidTransitionError, { status: 'active' });
    spec.given([created, deleted]).when(create()).thenThrows(InvalidTransitionError, { status: 'deleted' });
  });

  it('refuses a viewer', () => {
    spec.given([]).when(create({ actor: viewer })).thenThrows(ForbiddenError);
  });
});

describe('RenameCollection', () => {
  it('renames, keeping the description when none is given', () => {
    spec.given([created]).when(rename('Vixens')).then([
      {
        type: 'CollectionRenamed',
        data: { collectionId, userId: owner.userId, name: 'Vixens', previousName: 'Foxes', description: 'Red ones', renamedAt: t1.toISOString() },
      },
    ]);
  });

  it('clears the description with null, and a rename to the same is nothing', () => {
    expect(spec.given([created]).when(rename('Foxes', null)).run().events[0].data).toMatchObject({ name: 'Foxes', description: null });
    spec.given([created]).when(rename(' Foxes ')).thenNothingHappened();
    spec.given([created]).when(rename('Foxes', 'Red ones')).thenNothingHappened();
  });

  it("answers another user's, a deleted or an absent collection as absent", () => {
    spec.given([created]).when(rename('Mine now', undefined, someoneElse)).thenThrows(NotFoundError, { entity: 'collection' });
    spec.given([created, deleted]).when(rename('Back')).thenThrows(NotFoundError);
    spec.given([]).when(rename('Nothing')).thenThrows(NotFoundError);
  });
});

describe('DeleteCollection', () => {
  it('given a collection, when its owner deletes it, then CollectionDeleted', () => {
    spec.given([created]).when(remove()).then([deleted]);
  });

  it("answers another user's or an already deleted collection as absent", () => {
    spec.given([created]).when(remove(someoneElse)).thenThrows(NotFoundError);
    spec.given([created, deleted]).when(remove()).thenThrows(NotFoundError);
  });
});
