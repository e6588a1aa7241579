import type { Page } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { PostSummaryView, PostView } from '../src/posts/post.views';
import type { TemplateView } from '../src/templates/templates.service';
import { ContentApp, describeRoute, ROUTES, urlOf, Workspace } from './content-e2e-kit';

describe('tenants never see each other', () => {
  let api: ContentApp;
  const theirs = new Workspace();
  const campaignId = randomUUID();
  const due = new Date(Date.now() + 3_600_000);
  const window = `from=${new Date(due.getTime() - 60_000).toISOString()}&to=${new Date(due.getTime() + 60_000).toISOString()}`;
  let postId: string;
  let templateId: string;

  beforeAll(async () => {
    api = await ContentApp.start();
    const post = await api.call<PostView>('POST', '/v1/posts', { role: 'editor', body: { title: 'Ours', body: 'Only ours', variants: [{ platform: 'facebook' }], campaignId } });
    postId = post.json.id;
    await api.call('POST', `/v1/posts/${postId}/submit`, { role: 'editor' });
    await api.call('POST', `/v1/posts/${postId}/approve`, { role: 'admin' });
    await api.call('POST', `/v1/posts/${postId}/schedule`, { role: 'editor', body: { scheduledAt: due.toISOString(), timeZone: 'Asia/Tokyo' } });
    templateId = (await api.call<TemplateView>('POST', '/v1/templates', { role: 'editor', body: { name: 'Launch', body: 'Hello {{name}}' } })).json.id;
    await eventually(async () => {
      const calendar = await api.call<Page<PostSummaryView>>('GET', `/v1/calendar?${window}`, { role: 'viewer' });
      expect(calendar.json.items.map((item) => item.id)).toEqual([postId]);
      const templates = await api.call<Page<TemplateView>>('GET', '/v1/templates', { role: 'viewer' });
      expect(templates.json.items.map((item) => item.id)).toEqual([templateId]);
    });
  });
  afterAll(async () => {
    await api?.dispose();
  });

  const addressed = ROUTES.filter((route) => route.target === 'post' || route.target === 'template');
  const cases = addressed.flatMap((route) => [
    [describeRoute(route), route, {}] as const,
    ...(route.method === 'GET' ? [] : [[`${describeRoute(route)} with If-Match`, route, { 'if-match': '"1"' }] as const]),
  ]);

  it.each(cases)("%s on this workspace's data with another workspace's token answers 404 and writes nothing", async (_name, route, headers) => {
    const before = await api.eventCount();
    const answer = await api.call<{ message: string }>(route.method, urlOf(route, { post: postId, template: templateId }), {
      as: theirs,
      role: 'owner',
      body: route.body?.(),
      headers,
    });
    expect(answer.status).toBe(404);
    expect(answer.json.message).toMatch(/not found/);
    expect(await api.eventCount()).toBe(before);
  });

  it("answers 404 for another workspace's post as it was", async () => {
    expect((await api.call('GET', `/v1/posts/${postId}?asOf=${new Date().toISOString()}`, { as: theirs, role: 'owner' })).status).toBe(404);
  });

  it("leaves this workspace's posts and templates out of another's lists and calendar", async () => {
    for (const query of ['', `?campaignId=${campaignId}`, '?status=scheduled']) {
      expect((await api.call<Page<PostSummaryView>>('GET', `/v1/posts${query}`, { as: theirs, role: 'owner' })).json).toEqual({ items: [], nextCursor: null });
    }
    expect((await api.call<Page<PostSummaryView>>('GET', `/v1/calendar?${window}`, { as: theirs, role: 'owner' })).json).toEqual({ items: [], nextCursor: null });
    expect((await api.call<Page<TemplateView>>('GET', '/v1/templates', { as: theirs, role: 'owner' })).json).toEqual({ items: [], nextCursor: null });
  });

  it("leaves this workspace's data as it was, and its template names free elsewhere", async () => {
    expect((await api.call<PostView>('GET', `/v1/posts/${postId}`, { role: 'viewer' })).json).toMatchObject({ version: 4, status: 'scheduled', title: 'Ours' });
    expect((await api.call<TemplateView>('GET', `/v1/templates/${templateId}`, { role: 'viewer' })).json).toMatchObject({ version: 1, name: 'Launch' });
    const own = await api.call<TemplateView>('POST', '/v1/templates', { as: theirs, role: 'editor', body: { name: 'launch', body: 'Their own' } });
    expect(own.status).toBe(201);
    expect(own.json.id).not.toBe(templateId);
  });
});
