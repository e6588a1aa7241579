import { ForbiddenError } from '@lib/domain';

/** The actor's role may not issue this command; the 403 answer names the roles that may. */
export class RoleForbiddenError extends ForbiddenError {
  constructor(
    readonly command: string,
    readonly role: string,
    readonly allowedRoles: readonly string[],
  ) {
    super(`${command} needs role ${allowedRoles.join(' or ')}, actor is ${role}`, { allowedRoles });
  }
}
