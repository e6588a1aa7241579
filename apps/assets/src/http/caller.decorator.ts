import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestWithActor } from '@lib/auth';
import { correlationIdOf } from '@lib/service-kit';
import type { RequestContext } from '../request-context';

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
