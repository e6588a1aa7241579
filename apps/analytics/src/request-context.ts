import type { Actor } from '@lib/auth';
import type { EventMetadata } from '@lib/event-store';

/** Who asks and under which correlation id: every application-service method takes one. */
export interface RequestContext {
  actor: Actor;
  correlationId: string;
}

/** The tenant, the actor and the correlation id, carried by every event the request causes. */
export function eventMetadata(context: RequestContext): EventMetadata {
  return { workspaceId: context.actor.workspaceId, actorId: context.actor.userId, correlationId: context.correlationId, causationId: null };
}
