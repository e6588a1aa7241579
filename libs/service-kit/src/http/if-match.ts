import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ValidationError } from './errors';

/** An entity tag carrying a stream version: `"3"`, or bare `3` for hand-written requests. */
const VERSION_TAG = /^\s*(?:"(\d{1,15})"|(\d{1,15}))\s*$/;

/**
 * The stream version in an `If-Match` header, or undefined when there is none. A version that
 * no longer matches is the handler's PreconditionFailedError (412).
 * @throws ValidationError (400) for a header that is not a single version tag
 */
export function parseIfMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = VERSION_TAG.exec(header);
  if (!match) throw new ValidationError('If-Match must be the resource version in quotes, e.g. If-Match: "3"');
  return Number(match[1] ?? match[2]);
}

/** `@IfMatchVersion() expectedVersion: number | undefined`, from the `If-Match` header. */
export const IfMatchVersion = createParamDecorator((_data: unknown, context: ExecutionContext): number | undefined =>
  parseIfMatchVersion(context.switchToHttp().getRequest<IncomingMessage>().headers['if-match']),
);
