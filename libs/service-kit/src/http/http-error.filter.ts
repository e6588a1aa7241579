import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ConcurrencyError } from '@lib/event-store';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from './error-body';
import { DomainError } from './errors';

/**
 * Turns whatever a handler throws into `{ statusCode, error, message, details? }`: Nest's HTTP
 * exceptions (validation, guard, body parser), the domain errors of ./errors, the event store's
 * ConcurrencyError, and, for anything else, a 500 that reveals nothing and is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  constructor(private readonly bodyLimit: string) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toAnswer(exception);
    if (status >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    // A stream that failed half-way can only be cut off; its status line is long gone.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(status).json(body);
  }

  private toAnswer(exception: unknown): Answer {
    if (exception instanceof DomainError) {
      return errorAnswer(exception.statusCode, exception.message, exception.details);
    }
    if (exception instanceof ConcurrencyError) {
      return errorAnswer(HttpStatus.CONFLICT, 'The resource was changed by another request; reload it and retry', {
        currentVersion: exception.actualVersion,
      });
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    return errorAnswer(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }

  private fromHttpException(exception: HttpException): Answer {
    const status = exception.getStatus();
    // Body-parser errors reach us already mapped to HttpExceptions by Nest's express adapter,
    // with the parser's error (tagged with a `type`) as the cause; give them messages a client
    // can act on. A 413 a service throws itself (an upload over its own limit) keeps its message.
    const parserError = bodyParserErrorType(exception.cause);
    if (parserError === 'entity.too.large') {
      return errorAnswer(status, `Request body is larger than the ${this.bodyLimit} limit`);
    }
    if (parserError === 'entity.parse.failed' && exception.cause instanceof Error) {
      return errorAnswer(status, `Request body is not valid JSON: ${exception.cause.message}`);
    }
    const response = exception.getResponse();
    if (typeof response === 'string') return errorAnswer(status, response);
    if (isRecord(response) && 'message' in response) {
      const message = response.message;
      return errorAnswer(
        status,
        typeof message === 'string' || isStringArray(message) ? message : exception.message,
        isRecord(response.details) ? response.details : undefined,
      );
    }
    // Bodies of another shape are deliberate (terminus's health report): pass them on as they are.
    return { status, body: response };
  }
}

interface Answer {
  readonly status: number;
  readonly body: ErrorBody | object;
}

function errorAnswer(statusCode: number, message: string | string[], details?: Readonly<Record<string, unknown>>): Answer {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details ? { details } : {}) };
  return { status: statusCode, body };
}

function bodyParserErrorType(cause: unknown): unknown {
  return cause instanceof Error ? Reflect.get(cause, 'type') : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
