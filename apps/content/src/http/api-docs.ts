import { apiErrorResponses } from '@lib/service-kit';

const ERROR_DESCRIPTIONS = {
  400: 'The input is invalid: unknown or missing fields, wrong types, broken rules, malformed JSON, a bad id, cursor or If-Match. Nothing was written.',
  404: 'No such resource in the caller’s workspace (another workspace’s data is absent too).',
  409: 'The resource’s current state refuses the request (e.g. approving a published post), or a concurrent change outlasted the retries.',
  413: 'The body is larger than HTTP_BODY_LIMIT.',
} as const;

/** The error answers an endpoint may give besides 401/403 (which @Permission() documents). */
export const ApiErrorResponses = apiErrorResponses(ERROR_DESCRIPTIONS);
