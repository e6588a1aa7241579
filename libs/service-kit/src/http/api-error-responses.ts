import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './error-body';

/**
 * Builds a service's `ApiErrorResponses(...statuses)` from its own descriptions, so each
 * endpoint documents only the error answers it may give, in the service's words.
 */
export function apiErrorResponses<Status extends number>(
  descriptions: Readonly<Record<Status, string>>,
): (...statuses: Status[]) => MethodDecorator & ClassDecorator {
  return (...statuses) => applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ErrorBody, description: descriptions[status] })));
}

/**
 * Optional If-Match: without it the command applies to whatever version is current (the domain
 * still refuses what the state does not allow); with it, a version that is no longer current
 * answers 412 and nothing changes.
 */
export function ApiIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The version last seen, as its ETag ("3") or bare (3). When present and no longer current: 412, nothing written.',
    }),
    ApiResponse({ status: 412, type: ErrorBody, description: 'If-Match names a version that is no longer the current one; reload and retry. Nothing was written.' }),
  );
}

export function ApiUuidParam(name: string, description: string): MethodDecorator {
  return ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } });
}
