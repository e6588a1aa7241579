import { CommandForbiddenError } from './errors';

/**
 * Workspace roles (JWT `role`) plus `system`, the assets service's own workers (the expiry
 * sweep), which never come through HTTP.
 */
export const ACTOR_ROLES = ['owner', 'admin', 'editor', 'viewer', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/**
 * Who issues a command: the JWT `sub`, `ws` and `role`, or a worker with role `system`. The
 * workspace is part of it because a staged asset's id is derived from it.
 */
export interface Actor {
  userId: string;
  workspaceId: string;
  role: ActorRole;
}

/** Editors write; viewers only read. */
export const WRITERS: readonly ActorRole[] = ['owner', 'admin', 'editor'];
/** Only the service's workers expire staged assets. */
export const WORKERS: readonly ActorRole[] = ['system'];

export function requireRole(command: string, actor: Actor, allowed: readonly ActorRole[]): void {
  if (!allowed.includes(actor.role)) throw new CommandForbiddenError(command, `needs role ${allowed.join(' or ')}, actor is ${actor.role}`);
}
