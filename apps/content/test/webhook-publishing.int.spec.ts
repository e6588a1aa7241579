import type { Platform } from '@lib/contracts';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@lib/testing';
import { PostsService } from '../src/posts/posts.service';
import { PublishingPipeline } from '../src/publishing/publishing-pipeline';
import { WebhookPublisher } from '../src/publishing/webhook.publisher';
import { HOUR_MS, TestClock, contentTestDatabase, deliverRound, requestContext, type ContentTestDatabase } from './content-test-kit';

const SECRET = 'webhook-test-secret-0123456789abcdef';
const BASE_DELAY_MS = 1_000;
const MAX_ATTEMPTS = 4;

interface Delivery {
  idempotencyKey: string;
  platform: Platform;
  postId: string;
  signatureValid: boolean;
  status: number;
}

type Answer = { status: number; body?: unknown };

/**
 * A receiver on 127.0.0.1 that checks each signature as a real one would, answers as the test
 * says, and deduplicates accepted publications by Idempotency-Key.
 */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly accepted = new Map<string, { externalId: string }>();
  answer: (delivery: { platform: Platform; attempt: number }) => Answer = () => ({ status: 200 });
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void readBody(request).then((raw) => {
        const body = JSON.parse(raw) as { platform: Platform; postId: string };
        const key = String(request.headers['idempotency-key']);
        const attempt = this.deliveries.filter((d) => d.idempotencyKey === key).length + 1;
        const previous = this.accepted.get(key);
        const answer: Answer = previous ? { status: 200, body: previous } : this.answer({ platform: body.platform, attempt });
        if (answer.status >= 200 && answer.status < 300 && !previous) this.accepted.set(key, answer.body as { externalId: string });
        this.deliveries.push({
          idempotencyKey: key,
          platform: body.platform,
          postId: body.postId,
          signatureValid: verify(raw, request.headers['x-content-timestamp'], request.headers['x-content-signature']),
          status: answer.status,
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/publications`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  of(postId: string): Delivery[] {
    return this.deliveries.filter((d) => d.postId === postId);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function verify(raw: string, timestamp: string | string[] | undefined, signature: string | string[] | undefined): boolean {
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('publishing through the webhook publisher', () => {
  let db: ContentTestDatabase;
  let clock: TestClock;
  let posts: PostsService;
  let pipeline: PublishingPipeline;
  const receiver = new Receiver();
  const workspaceId = randomUUID();
  const editor = requestContext(workspaceId, 'editor');
  const owner = requestContext(workspaceId, 'owner');
  let url: string;

  beforeAll(async () => {
    db = await contentTestDatabase('content_hook');
    clock = new TestClock();
    posts = new PostsService(db.pool, db.store, clock.now);
    url = await receiver.start();
    pipeline = new PublishingPipeline(db.pool, db.store, clock.now, {
      publisher: new WebhookPublisher({ url, secret: SECRET, timeoutMs: 5_000 }, clock.now),
      // No jitter drawn: each wait is exactly base * 2^(n-1) * (1 - 0.5 * 0.5).
      retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: BASE_DELAY_MS, maxDelayMs: 60_000, jitter: 0.5, random: () => 0.5 },
      worker: { batchSize: 10, leaseMs: 60_000, pollIntervalMs: 20 },
      scheduler: { intervalMs: 20, batchSize: 10 },
    });
  });
  afterAll(async () => {
    await receiver.stop();
    await db.dispose();
  });

  async function approvedPost(platforms: Platform[]): Promise<string> {
    const { id } = await posts.draft(editor, { title: 'Hooked', body: 'Via the webhook', variants: platforms.map((platform) => ({ platform })) });
    await posts.submit(editor, id);
    await posts.approve(owner, id);
    return id;
  }

  async function eventsOf(postId: string) {
    return posts.history(owner, postId);
  }

  async function jobsOf(postId: string) {
    const result = await db.pool.query<{ platform: string; round: number; status: string; attempts: number; next_attempt_at: Date }>(
      `SELECT platform, round, status, attempts, next_attempt_at FROM "${db.schema}".publication_jobs WHERE post_id = $1 ORDER BY round, platform`,
      [postId],
    );
    return result.rows;
  }

  it('signs each delivery so that the receiver can verify it, and takes the id and url from the answer', async () => {
    receiver.answer = () => ({ status: 201, body: { id: 'li-1', url: 'https://linkedin.example/posts/li-1' } });
    const postId = await approvedPost(['linkedin']);
    await posts.publishNow(editor, postId);
    await deliverRound(db, pipeline, clock, postId, 1);

    expect(receiver.of(postId)).toEqual([{ idempotencyKey: `${postId}:linkedin`, platform: 'linkedin', postId, signatureValid: true, status: 201 }]);
    const post = await posts.get(owner, postId);
    expect(post).toMatchObject({ status: 'published' });
    expect(post.publications).toEqual([expect.objectContaining({ platform: 'linkedin', externalId: 'li-1', url: 'https://linkedin.example/posts/li-1' })]);
  });

  it('retries a failing receiver with exponential backoff, with the same Idempotency-Key every time, and publishes once', async () => {
    receiver.answer = ({ attempt }) => (attempt <= 2 ? { status: 500, body: { error: 'try later' } } : { status: 200, body: { externalId: 'fb-1' } });
    const postId = await approvedPost(['facebook']);
    await posts.publishNow(editor, postId);
    const started = clock.now().getTime();
    await eventually(async () => {
      await db.publicationJobs.catchUp();
      expect(await jobsOf(postId)).toHaveLength(1);
    });

    expect(await pipeline.worker.runOnce()).toBe(1);
    expect((await jobsOf(postId))[0]).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: new Date(started + 750) });
    expect(await pipeline.worker.runOnce()).toBe(0);
    clock.advance(749);
    expect(await pipeline.worker.runOnce()).toBe(0);
    clock.advance(1);
    expect(await pipeline.worker.runOnce()).toBe(1);
    expect((await jobsOf(postId))[0]).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: new Date(started + 750 + 1_500) });
    clock.advance(1_500);
    expect(await pipeline.worker.runOnce()).toBe(1);
    expect((await jobsOf(postId))[0]).toMatchObject({ status: 'succeeded', attempts: 3 });

    expect(await posts.get(owner, postId)).toMatchObject({
      status: 'published',
      publications: [expect.objectContaining({ platform: 'facebook', externalId: 'fb-1' })],
    });
    const deliveries = receiver.of(postId);
    expect(deliveries.map((d) => [d.idempotencyKey, d.status, d.signatureValid])).toEqual([
      [`${postId}:facebook`, 500, true],
      [`${postId}:facebook`, 500, true],
      [`${postId}:facebook`, 200, true],
    ]);
    expect([...receiver.accepted.keys()].filter((key) => key.startsWith(postId))).toEqual([`${postId}:facebook`]);
  });

  it('gives up at once on a permanent refusal (400): PostPublishFailed, and no further delivery', async () => {
    receiver.answer = () => ({ status: 400, body: { error: 'media missing' } });
    const postId = await approvedPost(['threads']);
    await posts.publishNow(editor, postId);
    await deliverRound(db, pipeline, clock, postId, 1);

    const post = await posts.get(owner, postId);
    expect(post).toMatchObject({ status: 'failed', lastFailure: { attempts: 1 } });
    expect(post.lastFailure?.reason).toContain('threads: receiver answered 400');
    const failed = (await eventsOf(postId)).at(-1);
    expect(failed).toMatchObject({ type: 'PostPublishFailed', actorId: 'content-publisher', data: { failedPlatforms: ['threads'], published: [] } });

    clock.advance(24 * HOUR_MS);
    expect(await pipeline.worker.runOnce()).toBe(0);
    expect(await pipeline.scheduler.tick()).toEqual({ started: 0, reported: 0 });
    expect(receiver.of(postId)).toHaveLength(1);
  });

  it('reports the platform that succeeded when another keeps failing, and the retry round targets only the failed one', async () => {
    let linkedinUp = false;
    receiver.answer = ({ platform }) =>
      platform === 'linkedin' && !linkedinUp ? { status: 503, body: { error: 'down' } } : { status: 200, body: { externalId: `${platform}-ok` } };
    const postId = await approvedPost(['facebook', 'linkedin']);
    await posts.publishNow(editor, postId);
    await deliverRound(db, pipeline, clock, postId, 1);

    const failed = (await eventsOf(postId)).at(-1);
    expect(failed).toMatchObject({
      type: 'PostPublishFailed',
      data: {
        round: 1,
        platforms: ['facebook', 'linkedin'],
        failedPlatforms: ['linkedin'],
        published: [expect.objectContaining({ platform: 'facebook', externalId: 'facebook-ok', round: 1 })],
        failures: [expect.objectContaining({ platform: 'linkedin', attempts: MAX_ATTEMPTS })],
      },
    });
    expect(receiver.of(postId).filter((d) => d.platform === 'linkedin')).toHaveLength(MAX_ATTEMPTS);

    linkedinUp = true;
    const retried = await posts.publishNow(editor, postId);
    expect(retried).toMatchObject({ status: 'publishing', publishingRound: 2 });
    const started = (await eventsOf(postId)).at(-1);
    expect(started).toMatchObject({ type: 'PostPublishingStarted', data: { round: 2, alreadyPublished: ['facebook'] } });
    expect((started?.data as { publications: Array<{ platform: string }> }).publications.map((p) => p.platform)).toEqual(['linkedin']);
    await deliverRound(db, pipeline, clock, postId, 2);

    expect((await jobsOf(postId)).map((job) => [job.round, job.platform, job.status])).toEqual([
      [1, 'facebook', 'succeeded'],
      [1, 'linkedin', 'failed'],
      [2, 'linkedin', 'succeeded'],
    ]);
    const published = await posts.get(owner, postId);
    expect(published).toMatchObject({ status: 'published', publishingRound: 2 });
    expect(published.publications.map((p) => [p.platform, p.status, p.round, p.externalId])).toEqual([
      ['facebook', 'published', 1, 'facebook-ok'],
      ['linkedin', 'published', 2, 'linkedin-ok'],
    ]);
    const accepted = receiver.of(postId).filter((d) => d.status === 200);
    expect(accepted.map((d) => d.platform).sort()).toEqual(['facebook', 'linkedin']);
  });

  it('re-sends with the same key after a worker died between the receiver accepting and recording it', async () => {
    receiver.answer = () => ({ status: 200, body: { externalId: 'x-1' } });
    const postId = await approvedPost(['x']);
    await posts.publishNow(editor, postId);
    await eventually(async () => {
      await db.publicationJobs.catchUp();
      expect(await jobsOf(postId)).toHaveLength(1);
    });
    // The dead worker: claimed, delivered, never recorded.
    const now = clock.now();
    const [claimed] = await pipeline.jobs.claimDue(now, new Date(now.getTime() + 60_000), 10);
    await new WebhookPublisher({ url, secret: SECRET, timeoutMs: 5_000 }, clock.now).publish(claimed.request);

    expect(await pipeline.worker.runOnce()).toBe(0);
    clock.advance(60_000);
    expect(await pipeline.worker.runOnce()).toBe(1);

    expect(await posts.get(owner, postId)).toMatchObject({ status: 'published', publications: [expect.objectContaining({ externalId: 'x-1' })] });
    expect(receiver.of(postId).map((d) => d.idempotencyKey)).toEqual([`${postId}:x`, `${postId}:x`]);
    expect([...receiver.accepted.keys()].filter((key) => key.startsWith(postId))).toEqual([`${postId}:x`]);
  });

  it('reports a round that a dead worker settled but never reported, once, from the scheduler', async () => {
    const postId = await approvedPost(['linkedin']);
    await posts.publishNow(editor, postId);
    await eventually(async () => {
      await db.publicationJobs.catchUp();
      expect(await jobsOf(postId)).toHaveLength(1);
    });
    const now = clock.now();
    const [claimed] = await pipeline.jobs.claimDue(now, new Date(now.getTime() + 60_000), 10);
    await pipeline.jobs.recordSuccess(claimed, { externalId: 'li-9', url: null }, now);
    expect(await posts.get(owner, postId)).toMatchObject({ status: 'publishing' });

    // Two instances' sweeps race: the post hears of the round once.
    const ticks = await Promise.all([pipeline.scheduler.tick(), pipeline.scheduler.tick()]);
    expect(ticks.map((tick) => tick.started)).toEqual([0, 0]);
    expect(await posts.get(owner, postId)).toMatchObject({
      status: 'published',
      publications: [expect.objectContaining({ externalId: 'li-9' })],
    });
    expect((await eventsOf(postId)).filter((event) => event.type === 'PostPublished')).toHaveLength(1);
    expect(await pipeline.scheduler.tick()).toEqual({ started: 0, reported: 0 });
  });
});
