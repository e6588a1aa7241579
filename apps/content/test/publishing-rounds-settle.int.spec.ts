import type { Platform } from '@lib/contracts';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { PostsService } from '../src/posts/posts.service';
import { PublishingPipeline } from '../src/publishing/publishing-pipeline';
import type { PublicationReceipt, PublicationRequest, Publisher } from '../src/publishing/publisher.port';
import { TestClock, contentTestDatabase, deliverRound, requestContext, type ContentTestDatabase } from './content-test-kit';

/** Answers as the test says, per platform; succeeds by default. */
class ScriptedPublisher implements Publisher {
  fail: Partial<Record<Platform, () => never>> = {};

  async publish(request: PublicationRequest): Promise<PublicationReceipt> {
    this.fail[request.platform]?.();
    return { externalId: `ext-${request.idempotencyKey}`, url: null };
  }
}

/** No round may leave its post `publishing` for ever: each one ends in CompletePublishing. */
describe('every publishing round reaches its post', () => {
  let db: ContentTestDatabase;
  let clock: TestClock;
  let posts: PostsService;
  let pipeline: PublishingPipeline;
  const publisher = new ScriptedPublisher();
  const errors: unknown[] = [];
  const workspaceId = randomUUID();
  const editor = requestContext(workspaceId, 'editor');
  const owner = requestContext(workspaceId, 'owner');

  beforeAll(async () => {
    db = await contentTestDatabase('content_rounds');
    clock = new TestClock();
    posts = new PostsService(db.pool, db.store, clock.now);
    pipeline = new PublishingPipeline(db.pool, db.store, clock.now, {
      publisher,
      retry: { maxAttempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000, jitter: 0 },
      worker: { batchSize: 10, leaseMs: 60_000, pollIntervalMs: 20, onError: (error) => errors.push(error) },
      scheduler: { intervalMs: 20, batchSize: 10, onError: (error) => errors.push(error) },
    });
  });
  afterAll(async () => {
    await db.dispose();
  });
  beforeEach(() => {
    publisher.fail = {};
    errors.length = 0;
  });

  async function publishingPost(platform: Platform): Promise<string> {
    const { id } = await posts.draft(editor, { title: 'Round', body: 'Settles', variants: [{ platform }] });
    await posts.submit(editor, id);
    await posts.approve(owner, id);
    await posts.publishNow(editor, id);
    await eventually(async () => {
      await db.publicationJobs.catchUp();
      const jobs = await db.pool.query(`SELECT 1 FROM "${db.schema}".publication_jobs WHERE post_id = $1`, [id]);
      expect(jobs.rowCount).toBe(1);
    });
    return id;
  }

  it('fails the post when the publisher threw an error without a message, instead of leaving it publishing', async () => {
    publisher.fail.linkedin = () => {
      throw new Error('');
    };
    const postId = await publishingPost('linkedin');
    await deliverRound(db, pipeline, clock, postId, 1);
    await pipeline.scheduler.tick();

    const post = await posts.get(owner, postId);
    expect(post.status).toBe('failed');
    expect(post.lastFailure?.reason).toMatch(/^linkedin: \S/);
    expect(errors).toEqual([]);
  });

  it('reports stranded rounds even when an older one cannot be reported', async () => {
    // Two rounds settled by a worker that died before reporting them; the older one is refused
    // by the post (here: an external id longer than the domain takes).
    const poisoned = await publishingPost('x');
    const stranded = await publishingPost('linkedin');
    const now = clock.now();
    const claimed = await pipeline.jobs.claimDue(now, new Date(now.getTime() + 60_000), 10);
    expect(claimed.map((job) => job.request.postId).sort()).toEqual([poisoned, stranded].sort());
    for (const job of claimed) {
      const externalId = job.request.postId === poisoned ? 'x'.repeat(501) : 'li-1';
      await pipeline.jobs.recordSuccess(job, { externalId, url: null }, now);
    }

    await pipeline.scheduler.tick();

    expect(await posts.get(owner, stranded)).toMatchObject({ status: 'published', publications: [expect.objectContaining({ externalId: 'li-1' })] });
    expect(await posts.get(owner, poisoned)).toMatchObject({ status: 'publishing' });
    // The one that cannot be reported is said, not swallowed.
    expect(errors).toHaveLength(1);
  });
});
