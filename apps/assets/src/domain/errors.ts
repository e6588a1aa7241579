/**
 * Domain errors: plain classes with a stable `code`; no HTTP in the domain. The application
 * layer maps them by code:
 *
 *   invalid_transition -> 409 Conflict     (the command is fine, the stream's state forbids it now)
 *   validation_failed  -> 400 Bad Request  (the input breaks a rule; nothing was written)
 *   not_found          -> 404 Not Found    (absent, another workspace's, or another user's private one)
 *   forbidden          -> 403 Forbidden    (the role may not, or a visible item is not the caller's)
 */
export type DomainErrorCode = 'invalid_transition' | 'validation_failed' | 'not_found' | 'forbidden';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'invalid_transition' as const;

  constructor(
    /** The command refused, e.g. `SaveLibraryItem`. */
    readonly command: string,
    /** The status it was refused in. */
    readonly status: string,
    detail?: string,
  ) {
    super(`${command} is not allowed in status ${status}` + (detail ? `: ${detail}` : ''));
    this.name = 'InvalidTransitionError';
  }
}

export interface Violation {
  /** Dotted path of the offending input, e.g. `tags.3`. */
  field: string;
  message: string;
}

/** Every rule the input breaks, not just the first, so one answer says everything wrong. */
export class DomainValidationError extends DomainError {
  readonly code = 'validation_failed' as const;

  constructor(readonly violations: readonly Violation[]) {
    super(violations.map((v) => `${v.field}: ${v.message}`).join('; ') || 'invalid input');
    this.name = 'DomainValidationError';
  }

  static single(field: string, message: string): DomainValidationError {
    return new DomainValidationError([{ field, message }]);
  }
}

export type AssetsEntity = 'workspace asset' | 'library item' | 'collection';

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;

  constructor(
    readonly entity: AssetsEntity,
    readonly id?: string,
  ) {
    super(id ? `${entity} ${id} not found` : `${entity} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;

  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`${command} is not allowed: ${reason}`);
    this.name = 'ForbiddenError';
  }
}

/** Collects violations while validating, then throws them together. */
export class Violations {
  private readonly list: Violation[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new DomainValidationError([...this.list]);
  }
}
