import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
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
