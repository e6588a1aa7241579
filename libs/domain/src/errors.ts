/**
 * Domain errors: plain classes with a stable `code`; no HTTP in the domain. The application
 * layer maps them by code (see asApplicationErrors in @lib/service-kit):
 *
 *   invalid_transition -> 409 Conflict     (the command is fine, the stream's state forbids it now)
 *   validation_failed  -> 400 Bad Request  (the input breaks a rule; nothing was written)
 *   not_found          -> 404 Not Found    (absent, or not the caller's to see)
 *   forbidden          -> 403 Forbidden    (the actor may not do this)
 *
 * 400 rather than 422 for rule violations: the API answers every refused input the same way,
 * whether the DTO validation or the decider caught it.
 */
export type DomainErrorCode = 'invalid_transition' | 'validation_failed' | 'not_found' | 'forbidden';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'invalid_transition' as const;
  /** The statuses it would have been accepted in, when the service reports them. */
  readonly allowed?: readonly string[];

  constructor(
    /** The command refused, e.g. `ApprovePost`. */
    readonly command: string,
    /** The status it was refused in. */
    readonly status: string,
    options: { allowed?: readonly string[]; detail?: string } = {},
  ) {
    const { allowed, detail } = options;
    super(
      `${command} is not allowed in status ${status}` +
        (allowed && allowed.length > 0 ? ` (only in ${allowed.join(', ')})` : '') +
        (detail ? `: ${detail}` : ''),
    );
    this.allowed = allowed;
  }
}

export interface Violation {
  /** Dotted path of the offending input, e.g. `variants.1.body`. */
  field: string;
  message: string;
}

/** Every rule the input breaks, not just the first, so one answer says everything wrong. */
export class DomainValidationError extends DomainError {
  readonly code = 'validation_failed' as const;

  constructor(readonly violations: readonly Violation[]) {
    super(violations.map((v) => `${v.field}: ${v.message}`).join('; ') || 'invalid input');
  }

  static single(field: string, message: string): DomainValidationError {
    return new DomainValidationError([{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;

  constructor(
    /** What is missing, as the client reads it, e.g. `library item`. */
    readonly entity: string,
    readonly id?: string,
  ) {
    super(id ? `${entity} ${id} not found` : `${entity} not found`);
  }
}

/** Services subclass it with their own facts; `details` is what the 403 answer tells the caller. */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;

  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** Collects violations while validating, then throws them together. */
export class Violations {
  private readonly list: Violation[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new DomainValidationError([...this.list]);
  }
}
