import { NotFoundError } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service';
import { TemplatesService } from '../src/templates/templates.service';
import { HOUR_MS, TestClock, contentTestDatabase, requestContext, type ContentTestDatabase } from './content-test-kit';

describe('tenant isolation in the content services', () => {
  let db: ContentTestDatabase;
  let posts: PostsService;
  let templates: TemplatesService;
  const clock = new TestClock();
  const ours = requestContext(randomUUID(), 'owner');
  const theirs = requestContext(randomUUID(), 'owner');
  let postId: string;
  let templateId: string;
  const due = new Date(clock.now().getTime() + HOUR_MS);

  beforeAll(async () => {
    db = await contentTestDatabase('content_tenant');
    posts = new PostsService(db.pool, db.store, clock.now);
    templates = new TemplatesService(db.pool, db.store, clock.now);
    ({ id: postId } = await posts.draft(ours, { title: 'Ours', body: 'Only ours', variants: [{ platform: 'facebook' }] }));
    await posts.submit(ours, postId);
    await posts.approve(ours, postId);
    await posts.schedule(ours, postId, { scheduledAt: due.toISOString(), timeZone: 'Asia/Tokyo' });
    ({ id: templateId } = await templates.create(ours, { name: 'Launch', body: 'Hello {{name}}' }));
    await eventually(async () => {
      await db.readModels.catchUp();
      expect((await posts.list(ours)).items.map((item) => item.id)).toEqual([postId]);
      expect((await templates.list(ours)).items.map((item) => item.id)).toEqual([templateId]);
    });
  });
  afterAll(async () => {
    await db.dispose();
  });

  it("answers 404 for another workspace's post, to reads and to every command", async () => {
    await expect(posts.get(theirs, postId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(posts.get(theirs, postId, new Date())).rejects.toBeInstanceOf(NotFoundError);
    await expect(posts.history(theirs, postId)).rejects.toBeInstanceOf(NotFoundError);
    const commands: Array<() => Promise<unknown>> = [
      () => posts.edit(theirs, postId, { title: 'Theirs' }),
      () => posts.edit(theirs, postId, { title: 'Theirs' }, { expectedVersion: 4 }),
      () => posts.attachMedia(theirs, postId, randomUUID()),
      () => posts.detachMedia(theirs, postId, randomUUID()),
      () => posts.submit(theirs, postId),
      () => posts.approve(theirs, postId),
      () => posts.reject(theirs, postId, { reason: 'no' }),
      () => posts.schedule(theirs, postId, { scheduledAt: due.toISOString(), timeZone: 'UTC' }),
      () => posts.unschedule(theirs, postId),
      () => posts.publishNow(theirs, postId),
      () => posts.archive(theirs, postId),
    ];
    for (const command of commands) await expect(command()).rejects.toBeInstanceOf(NotFoundError);
    expect(await posts.get(ours, postId)).toMatchObject({ version: 4, status: 'scheduled', title: 'Ours' });
  });

  it("leaves another workspace's posts out of lists and the calendar", async () => {
    expect((await posts.list(theirs)).items).toEqual([]);
    expect((await posts.list(theirs, { status: 'scheduled' })).items).toEqual([]);
    const window = { from: new Date(due.getTime() - HOUR_MS), to: new Date(due.getTime() + HOUR_MS) };
    expect((await posts.calendar(theirs, window)).items).toEqual([]);
    expect((await posts.calendar(ours, window)).items.map((item) => item.id)).toEqual([postId]);
  });

  it("answers 404 for another workspace's template, and leaves its name free there", async () => {
    await expect(templates.get(theirs, templateId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(templates.update(theirs, templateId, { name: 'Hijacked' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(templates.delete(theirs, templateId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await templates.list(theirs)).items).toEqual([]);
    const own = await templates.create(theirs, { name: 'launch', body: 'Their own' });
    expect(own).toMatchObject({ name: 'launch', version: 1 });
    expect(await templates.get(ours, templateId)).toMatchObject({ name: 'Launch', version: 1 });
  });
});
