import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from './actor';
import type { RequestWithActor } from './auth.guard';

/** The verified caller of a `@Permission()` endpoint: `{ userId, workspaceId, role }`. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<RequestWithActor>().actor;
  // Only reachable from a @Public() endpoint, where no token was checked: a programming error.
  if (!actor) throw new Error('@CurrentActor() is only available on endpoints that declare a @Permission()');
  return actor;
});
