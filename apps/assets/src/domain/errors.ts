import { ForbiddenError } from '@lib/domain';

/** The role may not, or a visible item is not the caller's; the 403 answer names the command. */
export class CommandForbiddenError extends ForbiddenError {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`${command} is not allowed: ${reason}`, { command });
  }
}
