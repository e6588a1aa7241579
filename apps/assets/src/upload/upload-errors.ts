import { DomainError } from '@lib/service-kit';

// Refusals of an upload, as the service-kit's DomainErrors so its HTTP error filter answers them
// with their status; a bad request (400) is the service-kit's ValidationError.

/** 413: the file is larger than the limit; the rest of the request was not read. */
export class PayloadTooLargeError extends DomainError {
  readonly statusCode = 413;
}

/** 415: the request is not multipart, or the file is not (or not declared as) an accepted type. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly statusCode = 415;
}
