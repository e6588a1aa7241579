import { RoleForbiddenError } from './errors';

/**
 * Workspace roles (JWT `role`) plus `system`, the content service's own workers (scheduler,
 * publisher), which never come through HTTP.
 */
export const ACTOR_ROLES = ['owner', 'admin', 'editor', 'viewer', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** Who issues a command: the JWT `sub` and `role`, or a worker's id with role `system`. */
export interface Actor {
  id: string;
  role: ActorRole;
}

/** Editors write; viewers only read. */
export const WRITERS: readonly ActorRole[] = ['owner', 'admin', 'editor'];
/** Approvals need `admin` or `owner`. */
export const APPROVERS: readonly ActorRole[] = ['owner', 'admin'];
/** Only the service's workers report what a platform answered. */
export const WORKERS: readonly ActorRole[] = ['system'];

export function requireRole(command: string, actor: Actor, allowed: readonly ActorRole[]): void {
  if (!allowed.includes(actor.role)) throw new RoleForbiddenError(command, actor.role, allowed);
}
