import { mintDevToken } from '@lib/auth';
import { encodeCursor } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import type { PostView } from '../src/posts/post.views';
import type { TemplateView } from '../src/templates/templates.service';
import { ContentApp, describeRoute, JWT_SECRET, ROUTES, urlOf, type Route } from './content-e2e-kit';

/** A request that must be refused whole: `{draft}`, `{approved}` and `{template}` in the URL name this workspace's fixtures. */
interface BadRequest {
  name: string;
  method: Route['method'];
  url: string;
  /** An object is sent as JSON, a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** What the message must say. */
  message: RegExp;
}

const DRAFT = '{draft}';
const APPROVED = '{approved}';
const TEMPLATE = '{template}';
const fixtures = { post: DRAFT, template: TEMPLATE };

function routeNamed(name: string): Route {
  const route = ROUTES.find((candidate) => describeRoute(candidate) === name);
  if (!route) throw new Error(`no route ${name}`);
  return route;
}

/** The refusals every route owes: bad ids, and for the writes, unknown fields, malformed, misshapen or oversized bodies and bad If-Match. */
function everyRouteRefusals(): BadRequest[] {
  return ROUTES.flatMap((route): BadRequest[] => {
    const name = describeRoute(route);
    const url = urlOf(route, fixtures);
    const refusals: BadRequest[] = [];
    if (route.target === 'post' || route.target === 'template') {
      refusals.push({ name: `${name}: an id that is not a UUID`, method: route.method, url: urlOf(route, { post: 'not-a-uuid', template: 'not-a-uuid' }), body: route.body?.(), status: 400, message: /id must be a UUID/ });
    }
    if (route.path.includes('{assetId}')) {
      refusals.push({ name: `${name}: an asset id that is not a UUID`, method: route.method, url: urlOf(route, { ...fixtures, asset: '42' }), status: 400, message: /assetId must be a UUID/ });
    }
    refusals.push({
      name: `${name}: an unknown query parameter`,
      method: route.method,
      url: `${url}${url.includes('?') ? '&' : '?'}sneaky=1`,
      body: route.body?.(),
      status: 400,
      message: /sneaky should not exist/,
    });
    if (route.method === 'GET') return refusals;
    refusals.push(
      { name: `${name}: an unknown field`, method: route.method, url, body: { ...route.body?.(), ownerId: randomUUID() }, status: 400, message: /property ownerId should not exist/ },
      { name: `${name}: malformed JSON`, method: route.method, url, body: '{"title": "unfinished', status: 400, message: /Request body is not valid JSON/ },
      { name: `${name}: a body that is not an object`, method: route.method, url, body: '["title"]', status: 400, message: /Request body must be a JSON object/ },
      { name: `${name}: a body over HTTP_BODY_LIMIT`, method: route.method, url, body: { ...route.body?.(), padding: 'x'.repeat(20_000) }, status: 413, message: /larger than the 16kb limit/ },
    );
    if (route.target === 'post' || route.target === 'template') {
      refusals.push({ name: `${name}: an If-Match that is not a version`, method: route.method, url, body: route.body?.(), headers: { 'if-match': 'W/"abc"' }, status: 400, message: /If-Match must be the resource version/ });
    }
    return refusals;
  });
}

const valid = (route: string) => routeNamed(route).body?.() ?? {};

/** What each route's own input must not be. */
const ROUTE_REFUSALS: BadRequest[] = [
  // Drafting: types, required fields, nested variants, and the domain's own rules.
  { name: 'POST /v1/posts: a wrong type', method: 'POST', url: '/v1/posts', body: { title: 42 }, status: 400, message: /title must be a string/ },
  { name: 'POST /v1/posts: no title', method: 'POST', url: '/v1/posts', body: { body: 'Untitled' }, status: 400, message: /title must be a string/ },
  { name: 'POST /v1/posts: null hashtags', method: 'POST', url: '/v1/posts', body: { title: 'T', hashtags: null }, status: 400, message: /hashtags must be an array/ },
  { name: 'POST /v1/posts: a number among the hashtags', method: 'POST', url: '/v1/posts', body: { title: 'T', hashtags: ['ok', 7] }, status: 400, message: /each value in hashtags must be a string/ },
  { name: 'POST /v1/posts: an unknown field in a variant', method: 'POST', url: '/v1/posts', body: { title: 'T', variants: [{ platform: 'x', colour: 'red' }] }, status: 400, message: /variants\.0\.property colour should not exist/ },
  { name: 'POST /v1/posts: an unknown platform', method: 'POST', url: '/v1/posts', body: { title: 'T', variants: [{ platform: 'myspace' }] }, status: 400, message: /variants\.0\.platform must be one of/ },
  { name: 'POST /v1/posts: a variant that is not an object', method: 'POST', url: '/v1/posts', body: { title: 'T', variants: ['x'] }, status: 400, message: /nested property variants must be either object or array/ },
  { name: 'POST /v1/posts: a media id that is not a UUID', method: 'POST', url: '/v1/posts', body: { title: 'T', mediaAssetIds: ['photo.jpg'] }, status: 400, message: /each value in mediaAssetIds must be a UUID/ },
  { name: 'POST /v1/posts: a campaign id that is not a UUID', method: 'POST', url: '/v1/posts', body: { title: 'T', campaignId: 'spring' }, status: 400, message: /campaignId must be a UUID/ },
  { name: 'POST /v1/posts: a blank title', method: 'POST', url: '/v1/posts', body: { title: '   ' }, status: 400, message: /title: must not be blank/ },
  { name: 'POST /v1/posts: a hashtag with spaces', method: 'POST', url: '/v1/posts', body: { title: 'T', hashtags: ['not a tag'] }, status: 400, message: /is not a hashtag/ },
  { name: 'POST /v1/posts: a text too long for X', method: 'POST', url: '/v1/posts', body: { title: 'T', body: 'y'.repeat(300), variants: [{ platform: 'x' }] }, status: 400, message: /x takes at most 280 characters/ },

  // Lists: filters, page sizes and cursors.
  { name: 'GET /v1/posts: an unknown status', method: 'GET', url: '/v1/posts?status=deleted', status: 400, message: /status must be one of/ },
  { name: 'GET /v1/posts: a campaign id that is not a UUID', method: 'GET', url: '/v1/posts?campaignId=spring', status: 400, message: /campaignId must be a UUID/ },
  { name: 'GET /v1/posts: a limit of 0', method: 'GET', url: '/v1/posts?limit=0', status: 400, message: /limit must not be less than 1/ },
  { name: 'GET /v1/posts: a limit that is not a number', method: 'GET', url: '/v1/posts?limit=ten', status: 400, message: /limit must be an integer/ },
  { name: 'GET /v1/posts: an unknown parameter', method: 'GET', url: '/v1/posts?sort=title', status: 400, message: /property sort should not exist/ },
  { name: 'GET /v1/posts: a cursor with foreign characters', method: 'GET', url: '/v1/posts?cursor=%7B%7D', status: 400, message: /cursor must be a cursor returned by this API/ },
  { name: 'GET /v1/posts: a forged cursor', method: 'GET', url: `/v1/posts?cursor=${encodeCursor({ updatedAt: 'yesterday' })}`, status: 400, message: /cursor is not a cursor returned by this API/ },
  { name: 'GET /v1/templates: a limit over 100', method: 'GET', url: '/v1/templates?limit=101', status: 400, message: /limit must not be greater than 100/ },
  { name: 'GET /v1/templates: a post list cursor', method: 'GET', url: `/v1/templates?cursor=${encodeCursor({ updatedAt: new Date().toISOString(), id: randomUUID() })}`, status: 400, message: /cursor is not a cursor returned by this API/ },

  // As-of reads.
  { name: 'GET /v1/posts/{id}: asOf that is no instant', method: 'GET', url: `/v1/posts/${DRAFT}?asOf=yesterday`, status: 400, message: /asOf must be an ISO-8601 instant with an offset/ },
  { name: 'GET /v1/posts/{id}: asOf without offset', method: 'GET', url: `/v1/posts/${DRAFT}?asOf=2030-01-01T09:00:00`, status: 400, message: /asOf must be an ISO-8601 instant with an offset/ },
  { name: 'GET /v1/posts/{id}: asOf on a day that does not exist', method: 'GET', url: `/v1/posts/${DRAFT}?asOf=2030-02-30T09:00:00Z`, status: 400, message: /asOf must be an ISO-8601 instant/ },
  { name: 'GET /v1/posts/{id}: an unknown parameter', method: 'GET', url: `/v1/posts/${DRAFT}?version=1`, status: 400, message: /property version should not exist/ },

  // Edits and commands.
  { name: 'PATCH /v1/posts/{id}: a null title', method: 'PATCH', url: `/v1/posts/${DRAFT}`, body: { title: null }, status: 400, message: /title must be a string/ },
  { name: 'PATCH /v1/posts/{id}: media (not editable here)', method: 'PATCH', url: `/v1/posts/${DRAFT}`, body: { mediaAssetIds: [randomUUID()] }, status: 400, message: /property mediaAssetIds should not exist/ },
  { name: 'PATCH /v1/posts/{id}: a stale If-Match', method: 'PATCH', url: `/v1/posts/${DRAFT}`, body: { title: 'Lost' }, headers: { 'if-match': '"99"' }, status: 412, message: /version 99 is not the current version 1/ },
  { name: 'POST /v1/posts/{id}/media: no asset id', method: 'POST', url: `/v1/posts/${DRAFT}/media`, body: {}, status: 400, message: /assetId must be a UUID/ },
  { name: 'POST /v1/posts/{id}/media: a numeric asset id', method: 'POST', url: `/v1/posts/${DRAFT}/media`, body: { assetId: 7 }, status: 400, message: /assetId must be a UUID/ },
  { name: 'POST /v1/posts/{id}/approve: a numeric comment', method: 'POST', url: `/v1/posts/${DRAFT}/approve`, body: { comment: 5 }, status: 400, message: /comment must be a string/ },
  { name: 'POST /v1/posts/{id}/reject: no reason', method: 'POST', url: `/v1/posts/${DRAFT}/reject`, body: {}, status: 400, message: /reason must be a string/ },
  { name: 'POST /v1/posts/{id}/archive: a reason that is a list', method: 'POST', url: `/v1/posts/${DRAFT}/archive`, body: { reason: ['old'] }, status: 400, message: /reason must be a string/ },
  { name: 'POST /v1/posts/{id}/submit: a post not ready for review', method: 'POST', url: `/v1/posts/${DRAFT}/submit`, status: 400, message: /target at least one platform/ },

  // Scheduling: instants with offsets, in the future, in real time zones.
  { name: 'POST /v1/posts/{id}/schedule: nothing', method: 'POST', url: `/v1/posts/${APPROVED}/schedule`, body: {}, status: 400, message: /scheduledAt must be .*timeZone must be an IANA time zone/ },
  { name: 'POST /v1/posts/{id}/schedule: a time without offset', method: 'POST', url: `/v1/posts/${APPROVED}/schedule`, body: { scheduledAt: '2030-01-01T09:00:00', timeZone: 'Europe/Paris' }, status: 400, message: /scheduledAt must be an ISO-8601 instant with an offset/ },
  { name: 'POST /v1/posts/{id}/schedule: a time in the past', method: 'POST', url: `/v1/posts/${APPROVED}/schedule`, body: { scheduledAt: '2020-01-01T09:00:00+01:00', timeZone: 'Europe/Paris' }, status: 400, message: /scheduledAt: must be in the future/ },
  { name: 'POST /v1/posts/{id}/schedule: an unknown time zone', method: 'POST', url: `/v1/posts/${APPROVED}/schedule`, body: { ...valid('POST /v1/posts/{id}/schedule'), timeZone: 'Mars/Olympus_Mons' }, status: 400, message: /timeZone must be an IANA time zone/ },
  { name: 'POST /v1/posts/{id}/schedule: an offset for a time zone', method: 'POST', url: `/v1/posts/${APPROVED}/schedule`, body: { ...valid('POST /v1/posts/{id}/schedule'), timeZone: '+01:00' }, status: 400, message: /timeZone must be an IANA time zone/ },

  // The calendar window.
  { name: 'GET /v1/calendar: no window', method: 'GET', url: '/v1/calendar', status: 400, message: /from must be an ISO-8601 instant.*to must be an ISO-8601 instant/ },
  { name: 'GET /v1/calendar: a window that ends before it starts', method: 'GET', url: '/v1/calendar?from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z', status: 400, message: /to must be after from/ },
  { name: 'GET /v1/calendar: a window over 366 days', method: 'GET', url: '/v1/calendar?from=2030-01-01T00:00:00Z&to=2031-06-01T00:00:00Z', status: 400, message: /at most 366 days/ },
  { name: 'GET /v1/calendar: a forged cursor', method: 'GET', url: `/v1/calendar?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z&cursor=${encodeCursor({ scheduledAt: 1 })}`, status: 400, message: /cursor is not a cursor returned by this API/ },

  // Templates.
  { name: 'POST /v1/templates: nothing', method: 'POST', url: '/v1/templates', body: {}, status: 400, message: /name must be a string.*body must be a string/ },
  { name: 'POST /v1/templates: an unknown platform', method: 'POST', url: '/v1/templates', body: { ...valid('POST /v1/templates'), platforms: ['myspace'] }, status: 400, message: /each value in platforms must be one of/ },
  { name: 'POST /v1/templates: a broken placeholder', method: 'POST', url: '/v1/templates', body: { name: 'Broken', body: 'Hi {{first name}}' }, status: 400, message: /is not a placeholder/ },
  { name: 'PATCH /v1/templates/{id}: a null name', method: 'PATCH', url: `/v1/templates/${TEMPLATE}`, body: { name: null }, status: 400, message: /name must be a string/ },
];

const CASES = [...everyRouteRefusals(), ...ROUTE_REFUSALS];

describe('bad input is refused whole, on every route', () => {
  let api: ContentApp;
  let ids: { draft: string; approved: string; template: string };

  beforeAll(async () => {
    api = await ContentApp.start({ HTTP_BODY_LIMIT: '16kb' });
    const draft = await api.call<PostView>('POST', '/v1/posts', { role: 'editor', body: { title: 'Just a draft' } });
    const approved = await api.call<PostView>('POST', '/v1/posts', { role: 'editor', body: { title: 'Approved', body: 'Ready', variants: [{ platform: 'linkedin' }] } });
    await api.call('POST', `/v1/posts/${approved.json.id}/submit`, { role: 'editor' });
    await api.call('POST', `/v1/posts/${approved.json.id}/approve`, { role: 'owner' });
    const template = await api.call<TemplateView>('POST', '/v1/templates', { role: 'editor', body: { name: 'Welcome', body: 'Hello {{name}}' } });
    ids = { draft: draft.json.id, approved: approved.json.id, template: template.json.id };
  });
  afterAll(async () => {
    await api?.dispose();
  });

  it.each(CASES.map((request) => [request.name, request] as const))('%s', async (_name, request) => {
    const url = request.url.replace(DRAFT, ids.draft).replace(APPROVED, ids.approved).replace(TEMPLATE, ids.template);
    const before = await api.eventCount();
    const answer = await api.call<{ statusCode: number; message: string | string[] }>(request.method, url, { role: 'owner', body: request.body, headers: request.headers });
    expect({ status: answer.status, message: JSON.stringify(answer.json.message) }).toEqual({ status: request.status, message: expect.stringMatching(request.message) });
    expect(answer.json.statusCode).toBe(request.status);
    expect(await api.eventCount()).toBe(before);
  });

  describe('without a valid token', () => {
    const tokens: Array<[string, () => Promise<string | undefined>, RegExp]> = [
      ['no token', async () => undefined, /Missing bearer token/],
      ['another scheme', async () => 'Basic dXNlcjpwYXNz', /Authorization header must be "Bearer <JWT>"/],
      ['a malformed token', async () => 'Bearer not.a.jwt', /Token is malformed/],
      ['an expired token', async () => `Bearer ${await mintDevToken({ sub: randomUUID(), ws: api.workspace.id, role: 'owner', secret: JWT_SECRET, expiresIn: -60 })}`, /Token has expired/],
      ['a token signed with another secret', async () => `Bearer ${await mintDevToken({ sub: randomUUID(), ws: api.workspace.id, role: 'owner', secret: 'someone-else-s-secret-long-enough-too' })}`, /Token signature is invalid/],
    ];
    const cases = ROUTES.flatMap((route) => tokens.map(([what, authorization, message]) => [`${describeRoute(route)}: ${what}`, route, authorization, message] as const));

    it.each(cases)('%s answers 401', async (_name, route, authorization, message) => {
      const before = await api.eventCount();
      const answer = await api.call<{ message: string }>(route.method, urlOf(route, { post: ids.draft, template: ids.template }), {
        authorization: await authorization(),
        body: route.body?.(),
      });
      expect(answer.status).toBe(401);
      expect(answer.json.message).toMatch(message);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await api.eventCount()).toBe(before);
    });
  });
});
