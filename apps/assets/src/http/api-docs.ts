import { apiErrorResponses } from '@lib/service-kit';

const ERROR_DESCRIPTIONS = {
  400: 'The input is invalid: unknown or missing fields, wrong types, broken rules, malformed JSON or multipart, a bad id, cursor or If-Match. Nothing was written.',
  403: 'The item is visible to the caller (unlisted or public) but not theirs to change.',
  404: 'No such resource for the caller: absent, another workspace’s, or another user’s private one.',
  409: 'The resource’s current state refuses the request (e.g. saving an expired staged asset), or a concurrent change outlasted the retries.',
  413: 'The body is larger than HTTP_BODY_LIMIT, or the uploaded file larger than ASSETS_MAX_UPLOAD_BYTES.',
  415: 'Not multipart/form-data, or the file is not (or not declared as what it is) a JPEG, PNG, WebP or MP4.',
} as const;

/** The error answers an endpoint may give besides 401/403 for the role (which @Permission() documents). */
export const ApiErrorResponses = apiErrorResponses(ERROR_DESCRIPTIONS);
