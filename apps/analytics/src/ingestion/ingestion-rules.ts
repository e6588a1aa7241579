import type { EntityType, ReportedEntityType } from '@lib/contracts';

/** A client's batch id: the stream of its batch is named after it. */
export const BATCH_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A tracked event's name: also the id of its `event/<name>` series. */
export const EVENT_NAME = /^[a-z0-9_.:-]{1,64}$/;
/** An account as the platform names it (a handle, a numeric id, an e-mail-like login). */
const ACCOUNT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The largest value an observation may carry: past 2^53 doubles stop counting in ones, well past any real count. */
export const MAX_OBSERVATION_VALUE = 1e15;
/** A tracked event's properties, as JSON. */
export const MAX_PROPERTIES_BYTES = 4096;
/** A tracked event's userId and sessionId: the client's own ids. */
export const MAX_CLIENT_ID_LENGTH = 128;

/** Posts and campaigns are other services' UUIDs; accounts are the platforms' own ids. */
export function isEntityId(entityType: ReportedEntityType, entityId: unknown): entityId is string {
  if (typeof entityId !== 'string') return false;
  return entityType === 'account' ? ACCOUNT_ID.test(entityId) : UUID.test(entityId);
}

export function describeEntityId(entityType: ReportedEntityType): string {
  return entityType === 'account' ? '1 to 128 of A-Z a-z 0-9 . _ : @ -' : 'a UUID';
}

/** The entity types whose ids are UUIDs: the other services' posts and campaigns, and workspaces. */
const UUID_ENTITY_TYPES: ReadonlySet<EntityType> = new Set<EntityType>(['post', 'campaign', 'workspace']);

/**
 * An entity id as it is stored and looked up, by ingestion and queries alike: UUIDs lower-cased,
 * as the other services and the token verifier write them, so that every spelling names the same
 * entity; the rest as sent (accounts are the platforms' own ids, platforms and event names are
 * vocabularies of their own).
 */
export function normalEntityId(entityType: EntityType, entityId: string): string {
  return UUID_ENTITY_TYPES.has(entityType) ? entityId.toLowerCase() : entityId;
}
