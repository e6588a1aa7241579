import type { RequestContext } from '@lib/service-kit';
import type { Actor } from './domain';

/** The caller as the domain's role and ownership rules see it. */
export function domainActor(context: RequestContext): Actor {
  return { userId: context.actor.userId, workspaceId: context.actor.workspaceId, role: context.actor.role };
}
