import type { Actor as RequestActor } from '@lib/auth';
import type { EventMetadata } from '@lib/event-store';
import type { Actor } from './domain';

/** Who asks and under which correlation id: every application-service method takes one. */
export interface RequestContext {
  actor: RequestActor;
  correlationId: string;
}

/** The caller as the domain's role and ownership rules see it. */
export function domainActor(context: RequestContext): Actor {
  return { userId: context.actor.userId, workspaceId: context.actor.workspaceId, role: context.actor.role };
}

/** The tenant, the actor and the correlation id, carried by every event the request causes. */
export function eventMetadata(context: RequestContext): EventMetadata {
  return { workspaceId: context.actor.workspaceId, actorId: context.actor.userId, correlationId: context.correlationId, causationId: null };
}
