import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectFor, type Metric } from '@lib/contracts';
import { connectNats } from '@lib/messaging';
import { eventually, HttpTestApp, TestWorkspace } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsModule } from '../src/analytics.module';
import type { RefusedItem } from '../src/ingestion/ingestion.service';
import { DAY_MS, hoursAgo, postDraftedEnvelope } from './analytics-e2e-kit';

/** What the cases refer to, known once the app runs: in URLs as `{ws}`, `{theirs}`, `{theirPost}`. */
interface Fixtures {
  ws: string;
  theirs: string;
  theirPost: string;
}

/** A request that must be refused whole, writing nothing. */
interface BadRequest {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  /** An object is sent as JSON, a string as it is; a function is called with the fixtures when the case runs. */
  body?: unknown;
  status: number;
  /** What the message must say (a function: when it names a fixture). */
  message: RegExp | ((fixtures: Fixtures) => RegExp);
  /** The validation pipe's answer: exactly these paths in `details.fields` (the problem's place, e.g. one item's index). */
  fields?: string[];
  /**
   * Exactly these refused items in `details.items`: every refusal of a batch names them (none when
   * the fault is the batch's own), from the validation pipe's field paths or the ingestion
   * service's checks alike. Left out: the answer has no `details.items`.
   */
  items?: (fixtures: Fixtures) => RefusedItem[];
}

interface Route {
  method: 'GET' | 'POST';
  /** As OpenAPI writes it. */
  path: string;
  /** What a well-formed call sends: its query string, its body. */
  query?: string;
  body?: () => Record<string, unknown>;
}

const MAX_BATCH = 1_000;
const BODY_LIMIT = '1mb';
const FROM = '2030-01-01T00:00:00Z';
const TO = '2030-01-03T00:00:00Z';
const SERIES = `metric=posts_published&entityType=workspace&entityId={ws}&interval=day`;

/** A good observation, fresh when called: the tolerance checks compare with the clock of the request. */
const observation = (overrides: Record<string, unknown> = {}) => ({
  entityType: 'account',
  entityId: 'acme',
  platform: 'linkedin',
  metric: 'impressions',
  value: 10,
  kind: 'increment',
  observedAt: hoursAgo(1),
  ...overrides,
});
const metrics = (observations: unknown[]) => ({ batchId: `bad-input:${randomUUID()}`, observations });
const trackedEvent = (overrides: Record<string, unknown> = {}) => ({ name: 'signup', occurredAt: hoursAgo(1), ...overrides });
const events = (items: unknown[]) => ({ batchId: `bad-input:${randomUUID()}`, events: items });
/** `count` good observations with `bad` at `index`. */
const oneBadAmong = (count: number, index: number, bad: Record<string, unknown>) => () =>
  metrics(Array.from({ length: count }, (_, i) => observation(i === index ? bad : { entityId: `acct-${i}` })));

/** Every route of the API; the first test checks this list against /docs-json. */
const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/metrics', body: () => metrics([observation()]) },
  { method: 'POST', path: '/v1/events', body: () => events([trackedEvent()]) },
  { method: 'GET', path: '/v1/timeseries', query: `${SERIES}&from=${FROM}&to=${TO}` },
  { method: 'GET', path: '/v1/top', query: `metric=likes&entityType=post&from=${FROM}&to=${TO}` },
  { method: 'GET', path: '/v1/realtime' },
  { method: 'GET', path: '/v1/summary', query: `from=${FROM}&to=${TO}` },
  { method: 'GET', path: '/v1/admin/projections' },
  { method: 'POST', path: '/v1/admin/projections/{name}/rebuild' },
];

const describeRoute = (route: Route) => `${route.method} ${route.path}`;
/** The routes that take a batch, whose refusals name the refused items. */
const isBatchRoute = (route: Route) => route.path === '/v1/metrics' || route.path === '/v1/events';
const NO_ITEM = () => [];
const urlOf = (route: Route) => {
  const path = route.path.replace('{name}', 'timeseries');
  return route.query ? `${path}?${route.query}` : path;
};

/** The refusals every route owes: unknown query parameters, and for those taking a body, unknown fields and bodies malformed, misshapen or too large. */
function everyRouteRefusals(): BadRequest[] {
  return ROUTES.flatMap((route): BadRequest[] => {
    const name = describeRoute(route);
    const url = urlOf(route);
    const refusals: BadRequest[] = [
      { name: `${name}: an unknown query parameter`, method: route.method, url: `${url}${url.includes('?') ? '&' : '?'}sneaky=1`, body: route.body, status: 400, message: /sneaky should not exist/ },
    ];
    if (route.method === 'GET') return refusals;
    // A batch's own fault (as opposed to an item's): no item is named. Not JSON, too large or an
    // unknown query parameter are refused before the body is read as a batch: no items at all.
    const items = isBatchRoute(route) ? NO_ITEM : undefined;
    return [
      ...refusals,
      { name: `${name}: an unknown field`, method: route.method, url, body: () => ({ ...route.body?.(), workspaceId: randomUUID() }), status: 400, message: /property workspaceId should not exist/, items },
      { name: `${name}: malformed JSON`, method: route.method, url, body: '{"batchId": "unfinished', status: 400, message: /Request body is not valid JSON/ },
      { name: `${name}: a body that is not an object`, method: route.method, url, body: '["batchId"]', status: 400, message: /Request body must be a JSON object/, items },
      { name: `${name}: a body over HTTP_BODY_LIMIT`, method: route.method, url, body: () => ({ ...route.body?.(), padding: 'x'.repeat(1_100_000) }), status: 413, message: new RegExp(`larger than the ${BODY_LIMIT} limit`) },
    ];
  });
}

const ISO_INSTANT = /must be an ISO-8601 instant with an offset/;

/** Each route's own input: the list for ingestion and queries, and the types and required fields of each. */
const ROUTE_REFUSALS: BadRequest[] = [
  // POST /v1/metrics: shapes and types, answered by the validation pipe per field.
  { name: 'POST /v1/metrics: nothing', method: 'POST', url: '/v1/metrics', body: {}, status: 400, message: /batchId must be a string.*observations must be an array/, fields: ['batchId', 'observations'], items: NO_ITEM },
  { name: 'POST /v1/metrics: no observations', method: 'POST', url: '/v1/metrics', body: () => metrics([]), status: 400, message: /observations must contain at least 1 elements/, fields: ['observations'], items: NO_ITEM },
  { name: 'POST /v1/metrics: a numeric batch id', method: 'POST', url: '/v1/metrics', body: () => ({ ...metrics([observation()]), batchId: 42 }), status: 400, message: /batchId must be a string/, fields: ['batchId'], items: NO_ITEM },
  { name: 'POST /v1/metrics: an unknown field in an item', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ colour: 'red' })]), status: 400, message: /observations\.0\.property colour should not exist/, fields: ['observations.0.colour'], items: () => [{ index: 0, reasons: ['property colour should not exist'] }] },
  { name: 'POST /v1/metrics: an item without observedAt', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ observedAt: undefined })]), status: 400, message: /observations\.0\.observedAt must be an ISO-8601 instant/, fields: ['observations.0.observedAt'], items: () => [{ index: 0, reasons: ['observedAt must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z'] }] },
  { name: 'POST /v1/metrics: an item that is not an object', method: 'POST', url: '/v1/metrics', body: () => metrics([observation(), 'impressions']), status: 400, message: /nested property observations must be either object or array/, fields: ['observations.1'], items: () => [{ index: 1, reasons: ['each value in nested property observations must be either object or array'] }] },
  { name: 'POST /v1/metrics: an unknown metric', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ metric: 'karma' })]), status: 400, message: /observations\.0\.metric must be one of the following values: impressions/, fields: ['observations.0.metric'], items: () => [{ index: 0, reasons: [expect.stringMatching(/^metric must be one of the following values: impressions/)] }] },
  { name: 'POST /v1/metrics: an activity metric (counted from the services’ events, never reported)', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ metric: 'posts_published' })]), status: 400, message: /observations\.0\.metric must be one of/, fields: ['observations.0.metric'], items: () => [{ index: 0, reasons: [expect.stringMatching(/^metric must be one of the following values: impressions/)] }] },
  { name: 'POST /v1/metrics: NaN as a string', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ value: 'NaN' })]), status: 400, message: /observations\.0\.value must be a JSON number, not a string/, fields: ['observations.0.value'], items: () => [{ index: 0, reasons: ['value must be a JSON number, not a string'] }] },
  {
    name: 'POST /v1/metrics: the JSON token NaN (not JSON at all)',
    method: 'POST',
    url: '/v1/metrics',
    body: () => JSON.stringify(metrics([observation({ value: 0 })])).replace('"value":0', '"value":NaN'),
    status: 400,
    message: /Request body is not valid JSON/,
  },
  { name: 'POST /v1/metrics: a negative counter', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ kind: 'increment', value: -5 })]), status: 400, message: /observations\.0\.value must be from 0 to 1000000000000000/, fields: ['observations.0.value'], items: () => [{ index: 0, reasons: ['value must be from 0 to 1000000000000000'] }] },
  { name: 'POST /v1/metrics: a kind of null', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ kind: null })]), status: 400, message: /observations\.0\.kind must be one of the following values: cumulative, increment/, fields: ['observations.0.kind'], items: () => [{ index: 0, reasons: ['kind must be one of the following values: cumulative, increment'] }] },
  { name: 'POST /v1/metrics: a post id that is not a UUID', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ entityType: 'post', entityId: 'launch-post' })]), status: 400, message: /observations\.0\.entityId of a post must be a UUID/, fields: ['observations.0.entityId'], items: () => [{ index: 0, reasons: ['entityId of a post must be a UUID'] }] },
  { name: 'POST /v1/metrics: an aggregate as the entity', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ entityType: 'workspace', entityId: randomUUID() })]), status: 400, message: /observations\.0\.entityType must be one of the following values: post, account, campaign/, fields: ['observations.0.entityType', 'observations.0.entityId'], items: () => [{ index: 0, reasons: ['entityType must be one of the following values: post, account, campaign', 'entityId needs an entityType (post, account, campaign)'] }] },
  { name: 'POST /v1/metrics: an unknown platform', method: 'POST', url: '/v1/metrics', body: () => metrics([observation({ platform: 'myspace' })]), status: 400, message: /observations\.0\.platform must be one of the following values: instagram/, fields: ['observations.0.platform'], items: () => [{ index: 0, reasons: [expect.stringMatching(/^platform must be one of the following values: instagram/)] }] },
  { name: 'POST /v1/metrics: ANALYTICS_MAX_BATCH + 1 items', method: 'POST', url: '/v1/metrics', body: () => metrics(Array.from({ length: MAX_BATCH + 1 }, () => observation())), status: 400, message: /observations holds at most 1000 items; split the batch/, fields: ['observations'], items: NO_ITEM },
  { name: 'POST /v1/metrics: one unknown metric among 999 good items', method: 'POST', url: '/v1/metrics', body: oneBadAmong(MAX_BATCH, 617, { metric: 'karma' }), status: 400, message: /^\["observations\.617\.metric must be one of/, fields: ['observations.617.metric'], items: () => [{ index: 617, reasons: [expect.stringMatching(/^metric must be one of the following values: impressions/)] }] },

  // POST /v1/metrics: the clock and the entity directory, answered by the ingestion service per item.
  {
    name: 'POST /v1/metrics: a timestamp past the future tolerance',
    method: 'POST',
    url: '/v1/metrics',
    body: () => metrics([observation({ observedAt: hoursAgo(-0.25) })]),
    status: 400,
    message: /^"1 of 1 items were refused, so the batch was not recorded"$/,
    items: () => [{ index: 0, reasons: ['observedAt is more than 300 s in the future'] }],
  },
  {
    name: 'POST /v1/metrics: a timestamp older than ANALYTICS_MAX_LATENESS_DAYS',
    method: 'POST',
    url: '/v1/metrics',
    body: () => metrics([observation(), observation({ observedAt: new Date(Date.now() - 31 * DAY_MS).toISOString() })]),
    status: 400,
    message: /1 of 2 items were refused/,
    items: () => [{ index: 1, reasons: ['observedAt is more than 30 days in the past'] }],
  },
  {
    name: 'POST /v1/metrics: another workspace’s post',
    method: 'POST',
    url: '/v1/metrics',
    body: (f: Fixtures) => metrics([observation({ entityType: 'post', entityId: f.theirPost })]),
    status: 400,
    message: /1 of 1 items were refused/,
    items: (f) => [{ index: 0, reasons: [`post ${f.theirPost} is not found in this workspace`] }],
  },
  {
    name: 'POST /v1/metrics: another workspace’s post, its id in upper case',
    method: 'POST',
    url: '/v1/metrics',
    body: (f: Fixtures) => metrics([observation({ entityType: 'post', entityId: f.theirPost.toUpperCase() })]),
    status: 400,
    message: /1 of 1 items were refused/,
    items: (f) => [{ index: 0, reasons: [`post ${f.theirPost} is not found in this workspace`] }],
  },
  {
    name: 'POST /v1/metrics: one item with two reasons, every reason named',
    method: 'POST',
    url: '/v1/metrics',
    body: (f: Fixtures) => metrics([observation(), observation(), observation({ entityType: 'post', entityId: f.theirPost, observedAt: hoursAgo(-1) })]),
    status: 400,
    message: /1 of 3 items were refused/,
    items: (f) => [{ index: 2, reasons: ['observedAt is more than 300 s in the future', `post ${f.theirPost} is not found in this workspace`] }],
  },
  {
    name: 'POST /v1/metrics: one future item among 999 good ones',
    method: 'POST',
    url: '/v1/metrics',
    body: oneBadAmong(MAX_BATCH, 617, { observedAt: hoursAgo(-1) }),
    status: 400,
    message: /^"1 of 1000 items were refused, so the batch was not recorded"$/,
    items: () => [{ index: 617, reasons: ['observedAt is more than 300 s in the future'] }],
  },

  // POST /v1/events.
  { name: 'POST /v1/events: nothing', method: 'POST', url: '/v1/events', body: {}, status: 400, message: /batchId must be a string.*events must be an array/, fields: ['batchId', 'events'], items: NO_ITEM },
  { name: 'POST /v1/events: an event without a name', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ name: undefined })]), status: 400, message: /events\.0\.name must be a string/, fields: ['events.0.name'], items: () => [{ index: 0, reasons: ['name must be 1 to 64 of a-z 0-9 _ . : -', 'name must be a string'] }] },
  { name: 'POST /v1/events: a name that is no event name', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ name: 'Sign Up!' })]), status: 400, message: /events\.0\.name must be 1 to 64 of a-z 0-9/, fields: ['events.0.name'], items: () => [{ index: 0, reasons: ['name must be 1 to 64 of a-z 0-9 _ . : -'] }] },
  { name: 'POST /v1/events: an instant without offset', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ occurredAt: '2030-01-01T09:00:00' })]), status: 400, message: /events\.0\.occurredAt must be an ISO-8601 instant with an offset/, fields: ['events.0.occurredAt'], items: () => [{ index: 0, reasons: ['occurredAt must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z'] }] },
  { name: 'POST /v1/events: properties that are not an object', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ properties: 'plan=pro' })]), status: 400, message: /events\.0\.properties must be an object/, fields: ['events.0.properties'], items: () => [{ index: 0, reasons: ['properties must be an object'] }] },
  { name: 'POST /v1/events: properties over 4096 bytes', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ properties: { note: 'x'.repeat(5_000) } })]), status: 400, message: /events\.0\.properties must be at most 4096 bytes as JSON/, fields: ['events.0.properties'], items: () => [{ index: 0, reasons: ['properties must be at most 4096 bytes as JSON'] }] },
  { name: 'POST /v1/events: an entity id without its type', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ entityId: randomUUID() })]), status: 400, message: /events\.0\.entityId needs an entityType/, fields: ['events.0.entityId'], items: () => [{ index: 0, reasons: ['entityId needs an entityType (post, account, campaign)'] }] },
  { name: 'POST /v1/events: an unknown platform', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ platform: 'myspace' })]), status: 400, message: /events\.0\.platform must be one of/, fields: ['events.0.platform'], items: () => [{ index: 0, reasons: [expect.stringMatching(/^platform must be one of the following values: instagram/)] }] },
  // Text PostgreSQL cannot store (text, jsonb), refused by service-kit after the JSON parser.
  { name: 'POST /v1/events: a NUL in a userId', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ userId: 'u\u0000' })]), status: 400, message: /^"Request body contains a NUL character or an unpaired surrogate at body\.events\[0\]\.userId"$/ },
  { name: 'POST /v1/events: a lone surrogate in a sessionId', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ sessionId: '\ud800' })]), status: 400, message: /unpaired surrogate at body\.events\[0\]\.sessionId"$/ },
  { name: 'POST /v1/events: a NUL in a properties key', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ properties: { 'plan\u0000': 'pro' } })]), status: 400, message: /unpaired surrogate at body\.events\[0\]\.properties\[\\"plan\\\\u0000\\"\]"$/ },
  { name: 'POST /v1/events: a lone surrogate in a properties key', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ properties: { '\udc00': 'pro' } })]), status: 400, message: /unpaired surrogate at body\.events\[0\]\.properties\[\\"\\\\udc00\\"\]"$/ },
  { name: 'POST /v1/events: a lone surrogate in a properties value', method: 'POST', url: '/v1/events', body: () => events([trackedEvent({ properties: { plan: { tier: 'pro\ud83d' } } })]), status: 400, message: /unpaired surrogate at body\.events\[0\]\.properties\.plan\.tier"$/ },
  { name: 'POST /v1/events: ANALYTICS_MAX_BATCH + 1 events', method: 'POST', url: '/v1/events', body: () => events(Array.from({ length: MAX_BATCH + 1 }, () => trackedEvent())), status: 400, message: /events holds at most 1000 items; split the batch/, fields: ['events'], items: NO_ITEM },
  {
    name: 'POST /v1/events: an event in the future and one about another workspace’s post',
    method: 'POST',
    url: '/v1/events',
    body: (f: Fixtures) => events([trackedEvent({ occurredAt: hoursAgo(-1) }), trackedEvent(), trackedEvent({ entityType: 'post', entityId: f.theirPost })]),
    status: 400,
    message: /2 of 3 items were refused/,
    items: (f) => [
      { index: 0, reasons: ['occurredAt is more than 300 s in the future'] },
      { index: 2, reasons: [`post ${f.theirPost} is not found in this workspace`] },
    ],
  },

  // GET /v1/timeseries.
  {
    name: 'GET /v1/timeseries: nothing',
    method: 'GET',
    url: '/v1/timeseries',
    status: 400,
    message: /metric must be an array.*entityType must be one of.*entityId must be a string.*interval must be one of.*from must be an ISO-8601 instant.*to must be an ISO-8601 instant/,
    fields: ['metric', 'entityType', 'entityId', 'interval', 'from', 'to'],
  },
  { name: 'GET /v1/timeseries: an unknown interval', method: 'GET', url: `/v1/timeseries?${SERIES.replace('day', 'minute')}&from=${FROM}&to=${TO}`, status: 400, message: /interval must be one of the following values: hour, day, week, month/, fields: ['interval'] },
  { name: 'GET /v1/timeseries: from after to', method: 'GET', url: `/v1/timeseries?${SERIES}&from=${TO}&to=${FROM}`, status: 400, message: /^"from must be before to"$/ },
  { name: 'GET /v1/timeseries: too many buckets', method: 'GET', url: `/v1/timeseries?${SERIES.replace('day', 'hour')}&from=2030-01-01T00:00:00Z&to=2030-06-01T00:00:00Z`, status: 400, message: /from\.\.to spans more than 2000 hour buckets/ },
  { name: 'GET /v1/timeseries: an unknown time zone', method: 'GET', url: `/v1/timeseries?${SERIES}&from=${FROM}&to=${TO}&tz=Mars/Olympus`, status: 400, message: /tz must be an IANA time zone/, fields: ['tz'] },
  { name: 'GET /v1/timeseries: agg last of a workspace', method: 'GET', url: `/v1/timeseries?${SERIES}&from=${FROM}&to=${TO}&agg=last`, status: 400, message: /agg last is for single entities; workspace is an aggregate: use sum or avg/ },
  {
    name: 'GET /v1/timeseries: 11 metrics',
    method: 'GET',
    url: `/v1/timeseries?${SERIES.replace('posts_published', (['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks', 'video_views', 'followers', 'posts_drafted', 'posts_published'] satisfies Metric[]).join(','))}&from=${FROM}&to=${TO}`,
    status: 400,
    message: /metric must contain no more than 10 elements/,
    fields: ['metric'],
  },
  { name: 'GET /v1/timeseries: an unknown metric', method: 'GET', url: `/v1/timeseries?${SERIES.replace('posts_published', 'likes,karma')}&from=${FROM}&to=${TO}`, status: 400, message: /each value in metric must be one of/, fields: ['metric'] },
  { name: 'GET /v1/timeseries: a metric twice', method: 'GET', url: `/v1/timeseries?${SERIES.replace('posts_published', 'likes,likes')}&from=${FROM}&to=${TO}`, status: 400, message: /All metric's elements must be unique/, fields: ['metric'] },
  { name: 'GET /v1/timeseries: two entity ids', method: 'GET', url: `/v1/timeseries?${SERIES}&entityId={theirs}&from=${FROM}&to=${TO}`, status: 400, message: /entityId must be a string/, fields: ['entityId'] },
  { name: 'GET /v1/timeseries: an unknown platform', method: 'GET', url: `/v1/timeseries?${SERIES.replace('workspace&entityId={ws}', 'platform&entityId=myspace')}&from=${FROM}&to=${TO}`, status: 400, message: /a platform entityId must be one of instagram/ },
  { name: 'GET /v1/timeseries: an instant without offset', method: 'GET', url: `/v1/timeseries?${SERIES}&from=2030-01-01T00:00:00&to=${TO}`, status: 400, message: ISO_INSTANT, fields: ['from'] },
  { name: 'GET /v1/timeseries: a range before 1970', method: 'GET', url: `/v1/timeseries?${SERIES}&from=1969-12-31T00:00:00Z&to=${TO}`, status: 400, message: /from must not be before 1970-01-01T00:00:00Z/ },
  // PostgreSQL cannot read the ISO string JS writes past year 9999 ("+010000-01-01T00:00:00.000Z"), nor is there anything to read before 1970.
  { name: 'GET /v1/timeseries: an offset that carries to past 9999', method: 'GET', url: `/v1/timeseries?${SERIES}&from=9999-12-30T00:00:00Z&to=9999-12-31T23:00:00-18:00`, status: 400, message: /^"to must not be after 9999-12-31T23:59:59\.999Z"$/ },
  {
    name: 'GET /v1/timeseries: a range whose last bucket ends after 9999',
    method: 'GET',
    url: `/v1/timeseries?${SERIES}&from=9999-12-30T00:00:00Z&to=9999-12-31T12:00:00Z`,
    status: 400,
    message: /^"to is too late: widened to whole days in UTC, the range would end after 9999-12-31T23:59:59\.999Z"$/,
  },
  {
    name: 'GET /v1/timeseries: a range whose first bucket starts before 1970',
    method: 'GET',
    url: `/v1/timeseries?${SERIES}&from=1970-01-01T00:00:00Z&to=1970-01-03T00:00:00Z&tz=Asia/Tokyo`,
    status: 400,
    message: /^"from is too early: widened to whole days in Asia\/Tokyo, the range would start before 1970-01-01T00:00:00Z"$/,
  },
  {
    name: 'GET /v1/timeseries: a previous period that starts before 1970',
    method: 'GET',
    url: `/v1/timeseries?${SERIES.replace('day', 'month')}&from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&compare=previous`,
    status: 400,
    message: /^"from\.\.to cannot be compared: the previous period \(as long, just before from\) would start before 1970-01-01T00:00:00Z"$/,
  },
  { name: 'GET /v1/timeseries: an unknown comparison', method: 'GET', url: `/v1/timeseries?${SERIES}&from=${FROM}&to=${TO}&compare=year`, status: 400, message: /compare must be one of the following values: previous/, fields: ['compare'] },
  {
    name: 'GET /v1/timeseries: a half-hour zone over a range past raw retention',
    method: 'GET',
    url: `/v1/timeseries?${SERIES}&from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z&tz=Asia/Kolkata`,
    status: 400,
    message: /Asia\/Kolkata is not a whole number of hours from UTC.*kept 95 days/,
  },
  { name: 'GET /v1/timeseries: another workspace’s total', method: 'GET', url: `/v1/timeseries?${SERIES.replace('{ws}', '{theirs}')}&from=${FROM}&to=${TO}`, status: 404, message: (f) => new RegExp(`^"workspace ${f.theirs} not found"$`) },
  {
    name: 'GET /v1/timeseries: another workspace’s post',
    method: 'GET',
    url: `/v1/timeseries?${SERIES.replace('workspace&entityId={ws}', 'post&entityId={theirPost}')}&from=${FROM}&to=${TO}`,
    status: 404,
    message: (f) => new RegExp(`^"post ${f.theirPost} not found"$`),
  },

  // GET /v1/top.
  { name: 'GET /v1/top: nothing', method: 'GET', url: '/v1/top', status: 400, message: /metric must be one of.*entityType must be one of.*from must be.*to must be/, fields: ['metric', 'entityType', 'from', 'to'] },
  { name: 'GET /v1/top: a limit that is not a number', method: 'GET', url: `/v1/top?metric=likes&entityType=post&from=${FROM}&to=${TO}&limit=ten`, status: 400, message: /limit must be an integer number/, fields: ['limit'] },
  { name: 'GET /v1/top: a limit in exponent notation', method: 'GET', url: `/v1/top?metric=likes&entityType=post&from=${FROM}&to=${TO}&limit=1e1`, status: 400, message: /limit must be an integer number/, fields: ['limit'] },
  { name: 'GET /v1/top: a limit in hexadecimal', method: 'GET', url: `/v1/top?metric=likes&entityType=post&from=${FROM}&to=${TO}&limit=0x10`, status: 400, message: /limit must be an integer number/, fields: ['limit'] },
  { name: 'GET /v1/top: a limit over 100', method: 'GET', url: `/v1/top?metric=likes&entityType=post&from=${FROM}&to=${TO}&limit=101`, status: 400, message: /limit must not be greater than 100/, fields: ['limit'] },
  { name: 'GET /v1/top: a list of metrics', method: 'GET', url: `/v1/top?metric=likes,reach&entityType=post&from=${FROM}&to=${TO}`, status: 400, message: /metric must be one of the following values/, fields: ['metric'] },
  { name: 'GET /v1/top: from after to', method: 'GET', url: `/v1/top?metric=likes&entityType=post&from=${TO}&to=${FROM}`, status: 400, message: /^"from must be before to"$/ },
  {
    name: 'GET /v1/top: a range widened past 9999',
    method: 'GET',
    url: '/v1/top?metric=likes&entityType=post&from=9999-12-31T00:00:00Z&to=9999-12-31T23:30:00Z',
    status: 400,
    message: /^"to is too late: widened to whole UTC hours, the range would end after 9999-12-31T23:59:59\.999Z"$/,
  },

  // GET /v1/realtime.
  { name: 'GET /v1/realtime: minutes that are not a number', method: 'GET', url: '/v1/realtime?minutes=ten', status: 400, message: /minutes must be an integer number/, fields: ['minutes'] },
  { name: 'GET /v1/realtime: minutes with a fraction', method: 'GET', url: '/v1/realtime?minutes=1.5', status: 400, message: /minutes must be an integer number/, fields: ['minutes'] },
  { name: 'GET /v1/realtime: over an hour', method: 'GET', url: '/v1/realtime?minutes=61', status: 400, message: /minutes must not be greater than 60/, fields: ['minutes'] },
  { name: 'GET /v1/realtime: no minutes', method: 'GET', url: '/v1/realtime?minutes=0', status: 400, message: /minutes must not be less than 1/, fields: ['minutes'] },

  // GET /v1/summary.
  { name: 'GET /v1/summary: nothing', method: 'GET', url: '/v1/summary', status: 400, message: /from must be an ISO-8601 instant.*to must be an ISO-8601 instant/, fields: ['from', 'to'] },
  { name: 'GET /v1/summary: from after to', method: 'GET', url: `/v1/summary?from=${TO}&to=${FROM}`, status: 400, message: /^"from must be before to"$/ },
  { name: 'GET /v1/summary: a date without a time', method: 'GET', url: `/v1/summary?from=2030-01-01&to=${TO}`, status: 400, message: ISO_INSTANT, fields: ['from'] },
  // The previous period of 1970..9999 starts in year -6060.
  {
    name: 'GET /v1/summary: a range whose previous period starts before 1970',
    method: 'GET',
    url: '/v1/summary?from=1970-01-01T00:00:00Z&to=9999-01-01T00:00:00Z',
    status: 400,
    message: /^"from\.\.to cannot be compared: the previous period \(as long, just before from\) would start before 1970-01-01T00:00:00Z"$/,
  },
  { name: 'GET /v1/summary: a range widened past 9999', method: 'GET', url: '/v1/summary?from=9999-12-31T00:00:00Z&to=9999-12-31T23:30:00Z', status: 400, message: /^"to is too late: widened to whole UTC hours/ },

  // Admin.
  { name: 'POST /v1/admin/projections/{name}/rebuild: a projection that does not exist', method: 'POST', url: '/v1/admin/projections/everything/rebuild', status: 404, message: /no projection named everything; read models: timeseries, entity_owners/ },
];

const CASES = [...everyRouteRefusals(), ...ROUTE_REFUSALS];

describe('bad input is refused whole, on every analytics route', () => {
  let api: HttpTestApp;
  let nats: NatsConnection;
  let fixtures: Fixtures;
  const theirs = new TestWorkspace();

  beforeAll(async () => {
    api = await HttpTestApp.start((env) => AnalyticsModule.forRoot({ env }), { schemaPrefix: 'analytics_bad_input' });
    nats = await connectNats({ servers: api.nats.url, name: 'bad-input-e2e' });
    // Their post, as content tells analytics about it: drafted in their workspace.
    const drafted = postDraftedEnvelope(theirs.id);
    await jetstream(nats).publish(subjectFor('content', 'post', 'PostDrafted'), JSON.stringify(drafted), { msgID: drafted.id });
    await eventually(async () => {
      const owner = await api.pool.query(`SELECT workspace_id FROM "${api.schema}".entity_owners WHERE entity_type = 'post' AND entity_id = $1`, [drafted.data.postId]);
      expect(owner.rows).toEqual([{ workspace_id: theirs.id }]);
    }, 60_000);
    fixtures = { ws: api.workspace.id, theirs: theirs.id, theirPost: drafted.data.postId };
  }, 120_000);
  afterAll(async () => {
    await nats?.drain();
    await api?.dispose();
  });

  const fill = (text: string) => text.replace(/\{(ws|theirs|theirPost)\}/g, (_match, key: keyof Fixtures) => fixtures[key]);

  /** Sends the request as an owner (every permission) and checks it was refused as it says, with nothing written. */
  async function expectRefused(request: BadRequest): Promise<void> {
    const before = await api.eventCount();
    const body: unknown = typeof request.body === 'function' ? (request.body as (f: Fixtures) => unknown)(fixtures) : request.body;
    const answer = await api.call<{ statusCode: number; message: string | string[]; details?: { fields?: Record<string, string[]>; items?: RefusedItem[] } }>(request.method, fill(request.url), {
      role: 'owner',
      body,
    });
    const message = typeof request.message === 'function' ? request.message(fixtures) : request.message;
    expect({ status: answer.status, message: JSON.stringify(answer.json?.message) }).toEqual({ status: request.status, message: expect.stringMatching(message) });
    expect(answer.json.statusCode).toBe(request.status);
    if (request.fields) expect(Object.keys(answer.json.details?.fields ?? {})).toEqual(request.fields);
    // Present exactly when the case says: every refusal of a batch names its items, in one shape.
    expect(answer.json.details?.items).toEqual(request.items?.(fixtures));
    // Another workspace must look absent: never named unless the request named it.
    if (!request.url.includes('{theirs}')) expect(answer.text).not.toContain(theirs.id);
    expect(await api.eventCount()).toBe(before);
  }

  it('covers every route of /docs-json', async () => {
    const docs = await api.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs-json');
    expect(docs.status).toBe(200);
    const documented = Object.entries(docs.json.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map(describeRoute).sort());
  });

  it('takes every route’s well-formed call, so the refusals below are the bad input’s doing', async () => {
    const answers = await Promise.all(
      ROUTES.filter((route) => !route.path.endsWith('/rebuild')).map(async (route) => {
        const answer = await api.call(route.method, fill(urlOf(route)), { role: 'owner', body: route.body?.() });
        return [describeRoute(route), answer.status];
      }),
    );
    expect(answers).toEqual(ROUTES.filter((route) => !route.path.endsWith('/rebuild')).map((route) => [describeRoute(route), route.method === 'POST' ? 202 : 200]));
  });

  it.each(CASES.map((request) => [request.name, request] as const))('%s', async (_name, request) => {
    await expectRefused(request);
  });

  it('GET /v1/timeseries: any spelling of a UUID names the same entity, as ingestion stores it', async () => {
    // Their post in upper case is theirs all the same: 404, as any entity the caller cannot see.
    await expectRefused({
      name: 'upper-case post id',
      method: 'GET',
      url: `/v1/timeseries?${SERIES.replace('workspace&entityId={ws}', `post&entityId=${fixtures.theirPost.toUpperCase()}`)}&from=${FROM}&to=${TO}`,
      status: 404,
      message: (f) => new RegExp(`^"post ${f.theirPost} not found"$`),
    });
    // Our own workspace in upper case is ours.
    const ours = await api.call('GET', `/v1/timeseries?${SERIES.replace('{ws}', fixtures.ws.toUpperCase())}&from=${FROM}&to=${TO}`, { role: 'owner' });
    expect(ours.status).toBe(200);
  });

  // The validation pipe deletes `constructor`, `prototype` and `__proto__` keys at any depth (and
  // class-transformer skips them): properties are kept as sent, and the content hash covers every key.
  it('POST /v1/events: properties named constructor, prototype or __proto__ are recorded as sent, and counted in the content hash', async () => {
    const properties = JSON.parse('{"constructor":"Ford","model":"T","nested":{"constructor":1,"prototype":{"x":1},"__proto__":{"polluted":true}},"list":[{"__proto__":{"polluted":true}}],"__proto__":{"admin":true}}') as Record<string, unknown>;
    const event = trackedEvent();
    const body = events([{ ...event, properties }]);
    const answer = await api.call('POST', '/v1/events', { role: 'editor', body });
    expect(answer.status).toBe(202);
    const stored = await api.pool.query<{ properties: string }>(`SELECT data->'events'->0->>'properties' AS properties FROM "${api.schema}".events WHERE stream_id = $1`, [
      `tracked-event-batch-${api.workspace.id}-${body.batchId}`,
    ]);
    expect(stored.rows.map((row) => JSON.parse(row.properties) as unknown)).toEqual([properties]);
    expect(Object.keys(JSON.parse(stored.rows[0].properties) as object).sort()).toEqual(['__proto__', 'constructor', 'list', 'model', 'nested']);
    // Nothing reached a prototype.
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    expect(Reflect.get({}, 'admin')).toBeUndefined();

    const resend = (changed: Record<string, unknown>) => api.call('POST', '/v1/events', { role: 'editor', body: { ...body, events: [{ ...event, properties: changed }] } });
    expect((await resend(properties)).status).toBe(200);
    const before = await api.eventCount();
    for (const changed of [{ ...properties, constructor: 'Benz' }, JSON.parse(JSON.stringify(properties).replace('"admin":true', '"admin":false')) as Record<string, unknown>]) {
      expect((await resend(changed)).status).toBe(409);
    }
    expect(await api.eventCount()).toBe(before);
  });

});
