import { HttpTestApp, TestWorkspace } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { ContentModule } from '../src/content.module';

export const JWT_SECRET = 'content-e2e-secret-long-enough-for-hs256';

/** A workspace and its members, one per role, with tokens the content app accepts. */
export class Workspace extends TestWorkspace {
  constructor() {
    super(JWT_SECRET);
  }
}

/** The content service built in this process, as main.ts builds it (see HttpTestApp). */
export type ContentApp = HttpTestApp;
export const ContentApp = {
  start: (env: Record<string, string> = {}): Promise<ContentApp> =>
    HttpTestApp.start((moduleEnv) => ContentModule.forRoot({ env: moduleEnv }), { schemaPrefix: 'content_e2e', env, jwtSecret: JWT_SECRET }),
};

export type RouteTarget = 'post' | 'template' | 'projection' | 'none';

/** One endpoint of the API, with what it takes when called well. */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** As OpenAPI writes it: `/v1/posts/{id}/media/{assetId}`. */
  path: string;
  permission: string;
  /** What `{id}` (or `{name}`) names. */
  target: RouteTarget;
  /** A body it accepts; routes without one take none, or `{}`. */
  body?: () => Record<string, unknown>;
  /** A query string it needs. */
  query?: string;
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Every route of the content API: the tests go over all of them. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/posts', permission: 'post.write', target: 'none', body: () => ({ title: 'A post' }) },
  { method: 'GET', path: '/v1/posts', permission: 'post.read', target: 'none' },
  { method: 'GET', path: '/v1/posts/{id}', permission: 'post.read', target: 'post' },
  { method: 'GET', path: '/v1/posts/{id}/history', permission: 'post.read', target: 'post' },
  { method: 'PATCH', path: '/v1/posts/{id}', permission: 'post.write', target: 'post', body: () => ({ title: 'Edited' }) },
  { method: 'POST', path: '/v1/posts/{id}/media', permission: 'post.write', target: 'post', body: () => ({ assetId: randomUUID() }) },
  { method: 'DELETE', path: '/v1/posts/{id}/media/{assetId}', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/submit', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/approve', permission: 'post.approve', target: 'post', body: () => ({ comment: 'Fine' }) },
  { method: 'POST', path: '/v1/posts/{id}/reject', permission: 'post.approve', target: 'post', body: () => ({ reason: 'Not yet' }) },
  {
    method: 'POST',
    path: '/v1/posts/{id}/schedule',
    permission: 'post.write',
    target: 'post',
    body: () => ({ scheduledAt: inAnHour(), timeZone: 'Europe/Paris' }),
  },
  { method: 'POST', path: '/v1/posts/{id}/unschedule', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/publish', permission: 'post.write', target: 'post' },
  { method: 'POST', path: '/v1/posts/{id}/archive', permission: 'post.write', target: 'post', body: () => ({ reason: 'Old' }) },
  { method: 'GET', path: '/v1/calendar', permission: 'post.read', target: 'none', query: 'from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z' },
  { method: 'POST', path: '/v1/templates', permission: 'template.write', target: 'none', body: () => ({ name: `T ${randomUUID()}`, body: 'Hi {{name}}' }) },
  { method: 'GET', path: '/v1/templates', permission: 'template.read', target: 'none' },
  { method: 'GET', path: '/v1/templates/{id}', permission: 'template.read', target: 'template' },
  { method: 'PATCH', path: '/v1/templates/{id}', permission: 'template.write', target: 'template', body: () => ({ category: 'greetings' }) },
  { method: 'DELETE', path: '/v1/templates/{id}', permission: 'template.write', target: 'template' },
  { method: 'GET', path: '/v1/admin/projections', permission: 'projection.read', target: 'none' },
  { method: 'POST', path: '/v1/admin/projections/{name}/rebuild', permission: 'projection.rebuild', target: 'projection' },
];

export interface RouteIds {
  post?: string;
  template?: string;
  asset?: string;
  projection?: string;
}

/** The route's URL with its parameters filled in (and its required query string). */
export function urlOf(route: Route, ids: RouteIds): string {
  const id = route.target === 'post' ? ids.post : route.target === 'template' ? ids.template : undefined;
  const path = route.path
    .replace('{id}', id ?? '')
    .replace('{assetId}', ids.asset ?? randomUUID())
    .replace('{name}', ids.projection ?? 'post_summaries');
  return route.query ? `${path}?${route.query}` : path;
}

export function describeRoute(route: Route): string {
  return `${route.method} ${route.path}`;
}
