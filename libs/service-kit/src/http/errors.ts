/**
 * Errors the domain and application layers throw; the HTTP layer maps them to statuses (see
 * HttpErrorFilter), so domain code never imports Nest's HTTP exceptions.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;

  constructor(
    message: string,
    /** Machine-readable facts for the client (e.g. `{ currentVersion: 4 }`); sent as `details`. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the input is wrong in a way DTO validation cannot see (e.g. a bad cursor). */
export class ValidationError extends DomainError {
  readonly statusCode = 400;
}

/** 404: absent, or belonging to another workspace (tenants must not learn of each other's data). */
export class NotFoundError extends DomainError {
  readonly statusCode = 404;
}

/** 409: the request clashes with existing data, e.g. a campaign name already taken in the workspace. */
export class ConflictError extends DomainError {
  readonly statusCode = 409;
}

/**
 * 409: a business rule refuses the command in the aggregate's current state, e.g. approving a
 * published post. 409 rather than 422 because the same request could succeed in another state:
 * the conflict is with the resource's state, not with the request's content (RFC 9110 §15.5.10).
 */
export class DomainRuleError extends DomainError {
  readonly statusCode = 409;
}

/** 412: the `If-Match` version no longer matches the resource's current version. */
export class PreconditionFailedError extends DomainError {
  readonly statusCode = 412;
}

/** 403: the actor may not issue this command (a role rule, or an item visible to it but not its own). */
export class ForbiddenActionError extends DomainError {
  readonly statusCode = 403;
}
