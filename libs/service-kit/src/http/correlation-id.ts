import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What a caller may send as its correlation id: short, and safe in logs and headers. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

const ids = new WeakMap<IncomingMessage, string>();

/**
 * The request's correlation id: the caller's `x-correlation-id` when acceptable, else a new UUID.
 * The same for every caller within one request (logger, handler, error answer).
 */
export function correlationIdOf(request: IncomingMessage): string {
  let id = ids.get(request);
  if (id === undefined) {
    const given = request.headers[CORRELATION_ID_HEADER];
    id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/** Express middleware, first in line: every answer (even a 413) carries the id back. */
export function correlationIdMiddleware(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  response.setHeader(CORRELATION_ID_HEADER, correlationIdOf(request));
  next();
}

/**
 * The request's correlation id as a handler parameter, for the metadata of the events the
 * request causes: `create(@Body() dto, @CurrentActor() actor, @CorrelationId() correlationId)`.
 */
export const CorrelationId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  correlationIdOf(context.switchToHttp().getRequest<IncomingMessage>()),
);
