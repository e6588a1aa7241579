import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiParam } from '@nestjs/swagger';
import { apiErrorResponses } from '@lib/service-kit';

const ERROR_DESCRIPTIONS = {
  400: 'The input is invalid: unknown or missing fields, wrong types, broken rules, malformed JSON or multipart, a bad id, cursor or If-Match. Nothing was written.',
  403: 'The item is visible to the caller (unlisted or public) but not theirs to change.',
  404: 'No such resource for the caller: absent, another workspace’s, or another user’s private one.',
  409: 'The resource’s current state refuses the request (e.g. saving an expired staged asset), or a concurrent change outlasted the retries.',
  412: 'If-Match names a version that is no longer the current one; reload and retry. Nothing was written.',
  413: 'The body is larger than HTTP_BODY_LIMIT, or the uploaded file larger than ASSETS_MAX_UPLOAD_BYTES.',
  415: 'Not multipart/form-data, or the file is not (or not declared as what it is) a JPEG, PNG, WebP or MP4.',
} as const;

/** The error answers an endpoint may give besides 401/403 for the role (which @Permission() documents). */
export const ApiErrorResponses = apiErrorResponses(ERROR_DESCRIPTIONS);

/**
 * Optional If-Match: without it the command applies to whatever version is current; with it, a
 * version that is no longer current answers 412 and nothing changes.
 */
export function ApiIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The version last seen, as its ETag ("3") or bare (3). When present and no longer current: 412, nothing written.',
    }),
    ApiErrorResponses(412),
  );
}

export function ApiUuidParam(name: string, description: string): MethodDecorator {
  return ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } });
}
