import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor, RequestWithActor } from '@lib/auth';
import type { EventMetadata } from '@lib/event-store';
import { correlationIdOf } from '../http/correlation-id';

/** Who asks and under which correlation id: every application-service method takes one. */
export interface RequestContext {
  actor: Actor;
  correlationId: string;
}

/**
 * Who calls and under which correlation id, as the application services take it:
 * `save(@Caller() caller: RequestContext, …)`. Only on endpoints that declare a @Permission().
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<RequestWithActor>();
  // The guard sets the actor on every endpoint with a @Permission(); a @Public() one has none.
  if (!request.actor) throw new Error('@Caller() is only available on endpoints that declare a @Permission()');
  return { actor: request.actor, correlationId: correlationIdOf(request) };
});

/** The tenant, the actor and the correlation id, carried by every event the request causes. */
export function eventMetadata(context: RequestContext): EventMetadata {
  return { workspaceId: context.actor.workspaceId, actorId: context.actor.userId, correlationId: context.correlationId, causationId: null };
}
