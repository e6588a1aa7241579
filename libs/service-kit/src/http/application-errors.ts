import { DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError as DomainNotFoundError } from '@lib/domain';
import { ConcurrencyError } from '@lib/event-store';
import { DomainRuleError, ForbiddenActionError, NotFoundError, PreconditionFailedError, ValidationError } from './errors';

/** A stream id's trailing `-<uuid>`, after which its prefix names the entity. */
const STREAM_ID_SUFFIX = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs an application-service operation and turns the domain's errors, which know no HTTP,
 * into the service-kit errors the HTTP error filter answers with. `expectedVersion` is the
 * version the caller sent (If-Match), if any.
 */
export async function asApplicationErrors<T>(operation: () => Promise<T>, expectedVersion?: number): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toApplicationError(error, expectedVersion);
  }
}

function toApplicationError(error: unknown, expectedVersion: number | undefined): unknown {
  if (error instanceof DomainValidationError) {
    const fields: Record<string, string[]> = {};
    for (const { field, message } of error.violations) (fields[field] ??= []).push(message);
    return new ValidationError(error.message, { fields });
  }
  if (error instanceof InvalidTransitionError) {
    // Only services that report the accepted statuses answer with them.
    const allowed = error.allowed === undefined ? {} : { allowed: error.allowed };
    return new DomainRuleError(error.message, { command: error.command, status: error.status, ...allowed });
  }
  if (error instanceof DomainNotFoundError) return new NotFoundError(error.message);
  if (error instanceof ForbiddenError) return new ForbiddenActionError(error.message, error.details);
  // Without a caller-given version the handler retries conflicts itself, and one that outlasts
  // its retries stays a ConcurrencyError (409). Version 0 means the stream does not exist for
  // this workspace, which must look like any other absence.
  if (error instanceof ConcurrencyError && expectedVersion !== undefined) {
    // `library-item-<uuid>` -> `library item not found`, `post-<uuid>` -> `post not found`.
    if (error.actualVersion === 0) return new NotFoundError(`${error.streamId.replace(STREAM_ID_SUFFIX, '').replace(/-/g, ' ')} not found`);
    return new PreconditionFailedError(`version ${expectedVersion} is not the current version ${error.actualVersion}`, {
      currentVersion: error.actualVersion,
    });
  }
  return error;
}
