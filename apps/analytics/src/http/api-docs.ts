import { apiErrorResponses } from '@lib/service-kit';

const ERROR_DESCRIPTIONS = {
  400: 'The input is invalid: unknown or missing fields, wrong types, malformed JSON, bad instants or ranges. Nothing was written.',
  409: 'The batch id was already recorded with other content. Nothing was written.',
  413: 'The body is larger than HTTP_BODY_LIMIT.',
} as const;

/** The error answers an endpoint may give besides 401/403 (which @Permission() documents). */
export const ApiErrorResponses = apiErrorResponses(ERROR_DESCRIPTIONS);
