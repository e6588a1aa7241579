import type { RequestContext } from '@lib/service-kit';
import type { Actor } from './domain';

/** The caller as the domain's role rules see it. */
export function domainActor(context: RequestContext): Actor {
  return { id: context.actor.userId, role: context.actor.role };
}
