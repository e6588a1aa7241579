import { PreconditionFailedError } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service';
import { PublishingPipeline } from '../src/publishing/publishing-pipeline';
import { SandboxPublisher } from '../src/publishing/sandbox.publisher';
import { HOUR_MS, TestClock, contentTestDatabase, requestContext, type ContentTestDatabase } from './content-test-kit';

describe('a post from draft to published, through the scheduler and the sandbox publisher', () => {
  let db: ContentTestDatabase;
  let clock: TestClock;
  let posts: PostsService;
  let pipeline: PublishingPipeline;
  const workspaceId = randomUUID();
  const editor = requestContext(workspaceId, 'editor');
  const owner = requestContext(workspaceId, 'owner');
  const campaignId = randomUUID();
  const [firstAsset, secondAsset] = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    db = await contentTestDatabase('content_life');
    clock = new TestClock();
    posts = new PostsService(db.pool, db.store, clock.now);
    pipeline = new PublishingPipeline(db.pool, db.store, clock.now, {
      publisher: new SandboxPublisher(db.pool, db.schema, clock.now),
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, jitter: 0 },
      worker: { batchSize: 10, leaseMs: 60_000, pollIntervalMs: 20 },
      scheduler: { intervalMs: 20, batchSize: 10 },
    });
  });
  afterAll(async () => {
    await pipeline.stop();
    await Promise.all([db.readModels.stop(), db.publicationJobs.stop()]);
    await db.dispose();
  });

  async function summaryOf(postId: string) {
    await db.readModels.catchUp();
    const page = await posts.list(owner, { limit: 100 });
    return page.items.find((item) => item.id === postId);
  }

  it('drafts, edits media, goes through review and approval, is scheduled in a time zone, and the scheduler publishes it when due', async () => {
    const drafted = await posts.draft(editor, {
      title: 'Spring launch',
      body: 'We launch today',
      hashtags: ['launch'],
      variants: [{ platform: 'linkedin' }, { platform: 'x', body: 'Launching today' }],
      mediaAssetIds: [firstAsset],
      campaignId,
    });
    expect(drafted).toMatchObject({ status: 'draft', version: 2, title: 'Spring launch', platforms: ['linkedin', 'x'], mediaAssetIds: [firstAsset] });
    const postId = drafted.id;

    await posts.attachMedia(editor, postId, secondAsset);
    const detached = await posts.detachMedia(editor, postId, firstAsset, { expectedVersion: 3 });
    expect(detached).toMatchObject({ version: 4, mediaAssetIds: [secondAsset] });
    await expect(posts.edit(editor, postId, { title: 'Stale' }, { expectedVersion: 3 })).rejects.toBeInstanceOf(PreconditionFailedError);

    await posts.submit(editor, postId, { expectedVersion: 4 });
    const approved = await posts.approve(owner, postId, { comment: 'ship it' });
    expect(approved).toMatchObject({ status: 'approved', approval: { comment: 'ship it', approverRole: 'owner' } });

    const due = new Date(clock.now().getTime() + 2 * HOUR_MS);
    const scheduled = await posts.schedule(editor, postId, { scheduledAt: due.toISOString(), timeZone: 'europe/berlin' });
    expect(scheduled).toMatchObject({ status: 'scheduled', version: 7, schedule: { scheduledAt: due.toISOString(), timeZone: 'Europe/Berlin' } });

    await eventually(async () =>
      expect(await summaryOf(postId)).toMatchObject({
        status: 'scheduled',
        version: 7,
        campaignId,
        platforms: ['linkedin', 'x'],
        mediaAssetIds: [secondAsset],
        mediaCount: 1,
        authorId: editor.actor.userId,
        scheduledAt: due.toISOString(),
        timeZone: 'Europe/Berlin',
      }),
    );
    const calendar = await posts.calendar(owner, { from: new Date(due.getTime() - HOUR_MS), to: new Date(due.getTime() + HOUR_MS) });
    expect(calendar.items.map((item) => [item.id, item.scheduledAt, item.timeZone])).toEqual([[postId, due.toISOString(), 'Europe/Berlin']]);

    expect(await pipeline.scheduler.tick()).toEqual({ started: 0, reported: 0 });
    clock.advance(2 * HOUR_MS);
    expect(await pipeline.scheduler.tick()).toEqual({ started: 1, reported: 0 });
    expect(await pipeline.scheduler.tick()).toMatchObject({ started: 0 });

    await eventually(async () => {
      await db.publicationJobs.catchUp();
      expect(await pipeline.worker.runOnce()).toBe(2);
    });
    const published = await posts.get(owner, postId);
    expect(published).toMatchObject({ status: 'published', version: 9, publishingRound: 1 });
    expect(published.publications.map((p) => [p.platform, p.status, p.idempotencyKey])).toEqual([
      ['linkedin', 'published', `${postId}:linkedin`],
      ['x', 'published', `${postId}:x`],
    ]);
    const sandbox = await db.pool.query(
      `SELECT idempotency_key, platform, text, external_id FROM "${db.schema}".sandbox_publications WHERE post_id = $1 ORDER BY platform`,
      [postId],
    );
    expect(sandbox.rows).toEqual([
      { idempotency_key: `${postId}:linkedin`, platform: 'linkedin', text: 'We launch today\n\n#launch', external_id: published.publications[0].externalId },
      { idempotency_key: `${postId}:x`, platform: 'x', text: 'Launching today\n\n#launch', external_id: published.publications[1].externalId },
    ]);

    expect(await pipeline.worker.runOnce()).toBe(0);
    await eventually(async () => expect(await summaryOf(postId)).toMatchObject({ status: 'published', version: 9, publishedAt: published.publishedAt }));
    const calendarAfter = await posts.calendar(owner, { from: new Date(due.getTime() - HOUR_MS), to: new Date(due.getTime() + HOUR_MS) });
    expect(calendarAfter.items).toEqual([expect.objectContaining({ id: postId, status: 'published' })]);

    const history = await posts.history(owner, postId);
    expect(history.map((entry) => [entry.version, entry.type, entry.actorId])).toEqual([
      [1, 'PostDrafted', editor.actor.userId],
      [2, 'PostMediaAttached', editor.actor.userId],
      [3, 'PostMediaAttached', editor.actor.userId],
      [4, 'PostMediaDetached', editor.actor.userId],
      [5, 'PostSubmittedForReview', editor.actor.userId],
      [6, 'PostApproved', owner.actor.userId],
      [7, 'PostScheduled', editor.actor.userId],
      [8, 'PostPublishingStarted', 'content-scheduler'],
      [9, 'PostPublished', 'content-publisher'],
    ]);
    expect(history[0].correlationId).toBe(editor.correlationId);
    expect(history[8].correlationId).toBe(history[7].correlationId);

    const asApproved = await posts.get(owner, postId, new Date(history[5].occurredAt));
    expect(asApproved).toMatchObject({ status: 'approved', version: 6, schedule: null, publications: [] });
  });

  it('publishes through the running loops (publish now)', async () => {
    await Promise.all([db.readModels.start(), db.publicationJobs.start()]);
    pipeline.start();
    const { id } = await posts.draft(editor, { title: 'Now', body: 'Right now', variants: [{ platform: 'threads' }] });
    await posts.submit(editor, id);
    await posts.approve(owner, id);
    await posts.publishNow(editor, id);
    await eventually(async () => expect(await posts.get(owner, id)).toMatchObject({ status: 'published', publishingRound: 1 }));
    await eventually(async () => expect((await posts.list(owner, { status: 'published' })).items.map((item) => item.id)).toContain(id));
  });
});
