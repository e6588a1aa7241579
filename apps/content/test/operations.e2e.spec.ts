import type { Page } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { CalendarEntryView } from '../src/http/calendar/calendar-entry';
import type { PostSummaryView, PostView } from '../src/posts/post.views';
import type { ProjectionStatusView } from '../src/projections/content-projections';
import { ContentApp, describeRoute, ROUTES } from './content-e2e-kit';

interface OpenApiOperation {
  security?: Array<Record<string, string[]>>;
  'x-permission'?: string;
  'x-minimum-role'?: string;
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** The value of the Prometheus sample `name` with (at least) these labels, in whatever order; undefined if absent. */
function sample(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  const line = exposition
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([label, value]) => candidate.includes(`${label}="${value}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operating the content service', () => {
  let api: ContentApp;
  const campaignId = randomUUID();

  beforeAll(async () => {
    api = await ContentApp.start();
    for (const title of ['First', 'Second', 'Third']) {
      await api.call('POST', '/v1/posts', { role: 'editor', body: { title, campaignId, variants: [{ platform: 'linkedin' }] } });
    }
    const scheduled = await api.call<PostView>('POST', '/v1/posts', { role: 'editor', body: { title: 'Scheduled', body: 'Soon', variants: [{ platform: 'x' }] } });
    await api.call('POST', `/v1/posts/${scheduled.json.id}/submit`, { role: 'editor' });
    await api.call('POST', `/v1/posts/${scheduled.json.id}/approve`, { role: 'owner' });
    await api.call('POST', `/v1/posts/${scheduled.json.id}/schedule`, { role: 'editor', body: { scheduledAt: '2030-06-01T09:00:00+02:00', timeZone: 'Europe/Berlin' } });
    await api.call('POST', '/v1/templates', { role: 'editor', body: { name: 'Greeting', body: 'Hi {{name}}' } });
    await eventually(async () => {
      const projections = await api.call<ProjectionStatusView[]>('GET', '/v1/admin/projections', { role: 'admin' });
      expect(projections.json.map((projection) => projection.lagEvents)).toEqual([0, 0, 0]);
    });
  });
  afterAll(async () => {
    await api?.dispose();
  });

  describe('projections', () => {
    /** What clients see of post_summaries: lists, pages, filters and the calendar. */
    async function listAnswers(): Promise<unknown[]> {
      const get = async <T>(path: string): Promise<T> => (await api.call<T>('GET', path, { role: 'viewer' })).json;
      const firstPage = await get<Page<PostSummaryView>>('/v1/posts?limit=2');
      return [
        firstPage,
        await get<Page<PostSummaryView>>(`/v1/posts?limit=2&cursor=${firstPage.nextCursor}`),
        await get<Page<PostSummaryView>>(`/v1/posts?campaignId=${campaignId}`),
        await get<Page<PostSummaryView>>('/v1/posts?status=scheduled'),
        await get<Page<CalendarEntryView>>('/v1/calendar?from=2030-01-01T00:00:00Z&to=2030-12-31T00:00:00Z'),
      ];
    }

    it('reports the status and lag of every projection to admins, not to editors', async () => {
      const status = await api.call<ProjectionStatusView[]>('GET', '/v1/admin/projections', { role: 'admin' });
      expect(status.json).toEqual([
        { name: 'post_summaries', kind: 'read-model', rebuildable: true, position: expect.any(Number), lagEvents: 0, lastError: null },
        { name: 'templates', kind: 'read-model', rebuildable: true, position: expect.any(Number), lagEvents: 0, lastError: null },
        { name: 'publication_jobs', kind: 'process-manager', rebuildable: false, position: expect.any(Number), lagEvents: 0, lastError: null },
      ]);
      expect((await api.call('GET', '/v1/admin/projections', { role: 'editor' })).status).toBe(403);
    });

    it('rebuilds post_summaries for an owner, and every list answers as before', async () => {
      const before = await listAnswers();
      expect((before[2] as Page<PostSummaryView>).items).toHaveLength(3);

      for (const role of ['editor', 'admin'] as const) {
        const refused = await api.call('POST', '/v1/admin/projections/post_summaries/rebuild', { role });
        expect(refused.status).toBe(403);
      }
      const rebuilt = await api.call('POST', '/v1/admin/projections/post_summaries/rebuild', { role: 'owner' });
      expect(rebuilt.status).toBe(200);
      expect(rebuilt.json).toEqual({ name: 'post_summaries', events: expect.any(Number), durationMs: expect.any(Number), swapped: true });
      expect(rebuilt.json.events).toBeGreaterThan(0);

      expect(await listAnswers()).toEqual(before);
    });

    it('refuses to rebuild the publishing process manager, or a projection that does not exist', async () => {
      const processManager = await api.call('POST', '/v1/admin/projections/publication_jobs/rebuild', { role: 'owner' });
      expect(processManager.status).toBe(409);
      expect(processManager.json.message).toContain('never rebuilt');
      const unknown = await api.call('POST', '/v1/admin/projections/everything/rebuild', { role: 'owner' });
      expect(unknown.status).toBe(404);
      expect(unknown.json.message).toBe('no projection named everything; read models: post_summaries, templates');
    });
  });

  it('documents every route in /docs-json with its permission and bearer auth, and no other', async () => {
    const docs = await api.call<OpenApiDocument>('GET', '/docs-json');
    expect(docs.status).toBe(200);
    const documented = Object.entries(docs.json.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map(describeRoute).sort());
    for (const route of ROUTES) {
      const operation = docs.json.paths[route.path][route.method.toLowerCase()];
      expect({ route: describeRoute(route), permission: operation['x-permission'], security: operation.security }).toEqual({
        route: describeRoute(route),
        permission: route.permission,
        security: [{ bearer: [] }],
      });
      expect(operation['x-minimum-role']).toEqual(expect.any(String));
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect((await api.call('GET', '/docs')).status).toBe(200);
  });

  it('is healthy with PostgreSQL and NATS', async () => {
    const health = await api.call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, nats: { status: 'up' } } });
  });

  it('exposes HTTP, projection and outbox relay metrics', async () => {
    const metrics = await eventually(async () => {
      const { text } = await api.call('GET', '/metrics');
      expect(sample(text, 'outbox_relay_published_total', { relay: 'content-outbox' })).toBeGreaterThan(0);
      return text;
    });
    expect(sample(metrics, 'http_request_duration_seconds_count', { route: '/v1/posts', method: 'POST', status: '201' })).toBeGreaterThan(0);
    for (const projection of ['post_summaries', 'templates', 'publication_jobs']) {
      expect(sample(metrics, 'projection_lag_events', { projection })).toEqual(expect.any(Number));
    }
    expect(sample(metrics, 'outbox_relay_lag_events', { relay: 'content-outbox' })).toEqual(expect.any(Number));
  });
});
