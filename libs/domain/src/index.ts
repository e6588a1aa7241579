export {
  DomainError,
  DomainValidationError,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  Violations,
  type DomainErrorCode,
  type Violation,
} from './errors';
