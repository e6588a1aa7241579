import { START, qualified, type ProjectionContext } from '@lib/event-store';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service';
import { postSummariesProjection } from '../src/projections/post-summaries.projection';
import { templatesProjection } from '../src/projections/templates.projection';
import { PublishingPipeline } from '../src/publishing/publishing-pipeline';
import { SandboxPublisher } from '../src/publishing/sandbox.publisher';
import { TemplatesService } from '../src/templates/templates.service';
import { HOUR_MS, TestClock, contentTestDatabase, deliverRound, requestContext, type ContentTestDatabase } from './content-test-kit';

describe('content read models are disposable', () => {
  let db: ContentTestDatabase;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await contentTestDatabase('content_rebuild');
    const posts = new PostsService(db.pool, db.store, clock.now);
    const templates = new TemplatesService(db.pool, db.store, clock.now);
    const pipeline = new PublishingPipeline(db.pool, db.store, clock.now, {
      publisher: new SandboxPublisher(db.pool, db.schema, clock.now),
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10, jitter: 0 },
      worker: { batchSize: 10, leaseMs: 60_000, pollIntervalMs: 20 },
      scheduler: { intervalMs: 20, batchSize: 10 },
    });
    for (const workspaceId of [randomUUID(), randomUUID()]) {
      const editor = requestContext(workspaceId, 'editor');
      const owner = requestContext(workspaceId, 'owner');
      const campaignId = randomUUID();
      const media = [randomUUID(), randomUUID(), randomUUID()];
      const drafted = await posts.draft(editor, { title: 'Draft only', variants: [{ platform: 'x' }], mediaAssetIds: media });
      await posts.detachMedia(editor, drafted.id, media[1]);
      await posts.edit(editor, drafted.id, { title: 'Draft, edited', campaignId, variants: [{ platform: 'x' }, { platform: 'threads' }] });

      const scheduled = await posts.draft(editor, { title: 'Scheduled', body: 'Soon', variants: [{ platform: 'linkedin' }], campaignId });
      await posts.submit(editor, scheduled.id);
      await posts.approve(owner, scheduled.id);
      await posts.schedule(editor, scheduled.id, { scheduledAt: new Date(clock.now().getTime() + HOUR_MS).toISOString(), timeZone: 'America/New_York' });

      const published = await posts.draft(editor, { title: 'Published', body: 'Out', variants: [{ platform: 'facebook' }] });
      await posts.submit(editor, published.id);
      await posts.approve(owner, published.id);
      await posts.publishNow(editor, published.id);
      await deliverRound(db, pipeline, clock, published.id, 1);

      const archived = await posts.draft(editor, { title: 'Archived', variants: [] });
      await posts.archive(editor, archived.id, { reason: 'not needed' });

      const kept = await templates.create(editor, { name: 'Kept', body: 'Hello {{name}}', platforms: ['x'] });
      await templates.update(editor, kept.id, { name: 'Kept, renamed', category: 'greetings' });
      const gone = await templates.create(editor, { name: 'Gone', body: 'Bye' });
      await templates.delete(editor, gone.id);
    }
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function rows(table: string, key: string): Promise<unknown[]> {
    return (await db.pool.query(`SELECT * FROM ${qualified(db.schema, table)} ORDER BY ${key}`)).rows;
  }

  async function caughtUp(): Promise<{ summaries: unknown[]; templates: unknown[] }> {
    return eventually(async () => {
      await db.readModels.catchUp();
      const [status] = await db.readModels.status('post_summaries');
      expect(status.lagEvents).toBe(0);
      const summaries = await rows('post_summaries', 'post_id');
      expect(summaries).toHaveLength(8);
      return { summaries, templates: await rows('templates', 'template_id') };
    });
  }

  it('rebuilds post_summaries and templates from the events into tables equal to the live ones', async () => {
    const live = await caughtUp();
    expect(live.templates).toHaveLength(2);

    expect(await db.readModels.rebuild('post_summaries')).toMatchObject({ swapped: true });
    expect(await db.readModels.rebuild('templates')).toMatchObject({ swapped: true });

    expect(await rows('post_summaries', 'post_id')).toEqual(live.summaries);
    expect(await rows('templates', 'template_id')).toEqual(live.templates);
  });

  it('applies each event once: replaying every event over the live tables changes nothing', async () => {
    const live = await caughtUp();
    const { events } = await db.store.readAll(START, { limit: 10_000 });
    const client = await db.pool.connect();
    try {
      const context: ProjectionContext = {
        client,
        schema: db.schema,
        rebuilding: false,
        table: (name) => qualified(db.schema, name),
        tableName: (name) => name,
      };
      const relevant = (types: readonly string[] | undefined) => events.filter((event) => types?.includes(event.type));
      await postSummariesProjection.apply(relevant(postSummariesProjection.eventTypes), context);
      await templatesProjection.apply(relevant(templatesProjection.eventTypes), context);
    } finally {
      client.release();
    }
    expect(await rows('post_summaries', 'post_id')).toEqual(live.summaries);
    expect(await rows('templates', 'template_id')).toEqual(live.templates);
  });

  it('refuses to rebuild the publishing process manager', async () => {
    await expect(db.publicationJobs.rebuild('publication_jobs')).rejects.toThrow('never rebuilt');
  });
});
