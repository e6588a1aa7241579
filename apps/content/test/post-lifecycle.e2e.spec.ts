import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EventEnvelope, Platform } from '@lib/contracts';
import type { Page } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CalendarEntryView } from '../src/http/calendar/calendar-entry';
import type { PostHistoryEntry, PostSummaryView, PostView } from '../src/posts/post.views';
import { ContentApp, Workspace } from './content-e2e-kit';

const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789abcdef';
const RETRY_BASE_MS = 100;

interface Delivery {
  postId: string;
  platform: Platform;
  idempotencyKey: string;
  signatureValid: boolean;
  status: number;
  receivedAt: number;
}

/**
 * The platforms' side of the webhook publisher: records every delivery, checking its signature
 * as a real receiver would, and accepts it, unless it is one of the first deliveries of a post
 * it was told to fail.
 */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Post id → how many deliveries of each of its publications to answer 500 first. */
  readonly failFirst = new Map<string, number>();
  private readonly server: Server = createServer((request, response) => {
    void this.receive(request).then((status) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ext-${randomUUID()}` })));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/publications`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  of(postId: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.postId === postId);
  }

  private async receive(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const { postId, platform } = JSON.parse(raw) as { postId: string; platform: Platform };
    const idempotencyKey = String(request.headers['idempotency-key']);
    const earlier = this.deliveries.filter((delivery) => delivery.idempotencyKey === idempotencyKey).length;
    const status = earlier < (this.failFirst.get(postId) ?? 0) ? 500 : 201;
    this.deliveries.push({
      postId,
      platform,
      idempotencyKey,
      signatureValid: signatureIsValid(raw, request.headers['x-content-timestamp'], request.headers['x-content-signature']),
      status,
      receivedAt: Date.now(),
    });
    return status;
  }
}

function signatureIsValid(raw: string, timestamp: unknown, signature: unknown): boolean {
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${raw}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** `instant` as a client in `timeZone` would write it: local wall-clock time and that zone's offset then. */
function zonedIso(instant: Date, timeZone: string): { iso: string; wallClock: string } {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant).find((part) => part.type === 'timeZoneName');
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name?.value ?? '');
  if (!match) throw new Error(`no offset for ${timeZone}: ${name?.value}`);
  const offsetMinutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  const wallClock = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return { iso: `${wallClock}${match[1]}${match[2]}:${match[3]}`, wallClock };
}

describe('a post through the HTTP API, published through the webhook, its events on NATS', () => {
  const receiver = new WebhookReceiver();
  let api: ContentApp;

  beforeAll(async () => {
    const url = await receiver.start();
    api = await ContentApp.start({
      PUBLISHER: 'webhook',
      PUBLISHER_WEBHOOK_URL: url,
      PUBLISHER_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SCHEDULER_INTERVAL_MS: '100',
      PUBLISH_WORKER_POLL_MS: '50',
      PUBLISH_RETRY_BASE_MS: String(RETRY_BASE_MS),
      PUBLISH_RETRY_MAX_MS: '1000',
      PUBLISH_RETRY_JITTER: '0',
    });
  });
  afterAll(async () => {
    await api?.dispose();
    await receiver.stop();
  });

  /** Drafts a post in `ws` and takes it through review to approved. */
  async function approvedPost(ws: Workspace, draft: Record<string, unknown>): Promise<string> {
    const drafted = await api.call<PostView>('POST', '/v1/posts', { as: ws, role: 'editor', body: draft });
    expect(drafted.status).toBe(201);
    const id = drafted.json.id;
    expect((await api.call('POST', `/v1/posts/${id}/submit`, { as: ws, role: 'editor' })).status).toBe(200);
    expect((await api.call('POST', `/v1/posts/${id}/approve`, { as: ws, role: 'admin' })).status).toBe(200);
    return id;
  }

  async function published(ws: Workspace, id: string): Promise<PostView> {
    return eventually(async () => {
      const post = await api.call<PostView>('GET', `/v1/posts/${id}`, { as: ws, role: 'viewer' });
      expect(post.json.status).toBe('published');
      return post.json;
    }, 20_000);
  }

  it('drafts, edits with If-Match, attaches media, goes through review by role, is scheduled in New York and published when due', async () => {
    const ws = new Workspace();
    const campaignId = randomUUID();
    const assetId = randomUUID();

    const drafted = await api.call<PostView>('POST', '/v1/posts', {
      as: ws,
      role: 'editor',
      body: { title: 'Spring launch', body: 'We launch today', hashtags: ['launch'], variants: [{ platform: 'linkedin' }, { platform: 'facebook' }], campaignId },
    });
    expect(drafted.status).toBe(201);
    expect(drafted.headers.get('etag')).toBe('"1"');
    expect(drafted.json).toMatchObject({ version: 1, status: 'draft', title: 'Spring launch', platforms: ['linkedin', 'facebook'], campaignId, authorId: ws.userId('editor') });
    const id = drafted.json.id;

    const edited = await api.call<PostView>('PATCH', `/v1/posts/${id}`, { as: ws, role: 'editor', headers: { 'if-match': '"1"' }, body: { title: 'Spring launch, day one' } });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).toBe('"2"');
    const stale = await api.call('PATCH', `/v1/posts/${id}`, { as: ws, role: 'editor', headers: { 'if-match': '1' }, body: { title: 'Lost update' } });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ statusCode: 412, details: { currentVersion: 2 } });
    // Apart by more than the millisecond that ?asOf= resolves, so that the edit can be told from the attachment.
    await new Promise((resolve) => setTimeout(resolve, 5));

    const attached = await api.call<PostView>('POST', `/v1/posts/${id}/media`, { as: ws, role: 'editor', headers: { 'if-match': '"2"' }, body: { assetId } });
    expect(attached.json).toMatchObject({ version: 3, mediaAssetIds: [assetId] });
    expect((await api.call<PostView>('POST', `/v1/posts/${id}/submit`, { as: ws, role: 'editor', headers: { 'if-match': '"3"' } })).json.status).toBe('in_review');

    const byEditor = await api.call('POST', `/v1/posts/${id}/approve`, { as: ws, role: 'editor', body: {} });
    expect(byEditor.status).toBe(403);
    expect(byEditor.json.message).toContain('post.approve');
    const approved = await api.call<PostView>('POST', `/v1/posts/${id}/approve`, { as: ws, role: 'admin', body: { comment: 'Good to go' } });
    expect(approved.json).toMatchObject({ status: 'approved', approval: { approvedBy: ws.userId('admin'), approverRole: 'admin', comment: 'Good to go' } });

    const due = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000);
    const newYork = zonedIso(due, 'America/New_York');
    const scheduled = await api.call<PostView>('POST', `/v1/posts/${id}/schedule`, {
      as: ws,
      role: 'editor',
      body: { scheduledAt: newYork.iso, timeZone: 'America/New_York' },
    });
    expect(scheduled.status).toBe(200);
    expect(scheduled.json).toMatchObject({ status: 'scheduled', version: 6, schedule: { scheduledAt: due.toISOString(), timeZone: 'America/New_York' } });

    const post = await published(ws, id);
    expect(post.publications.map((p) => [p.platform, p.status, p.idempotencyKey])).toEqual([
      ['linkedin', 'published', `${id}:linkedin`],
      ['facebook', 'published', `${id}:facebook`],
    ]);
    const deliveries = receiver.of(id);
    expect(deliveries.every((delivery) => delivery.signatureValid)).toBe(true);
    expect(deliveries.filter((delivery) => delivery.status === 201).map((delivery) => delivery.idempotencyKey).sort()).toEqual([`${id}:facebook`, `${id}:linkedin`]);

    const history = await api.call<PostHistoryEntry[]>('GET', `/v1/posts/${id}/history`, { as: ws, role: 'viewer' });
    expect(history.json.map((event) => [event.version, event.type])).toEqual([
      [1, 'PostDrafted'],
      [2, 'PostEdited'],
      [3, 'PostMediaAttached'],
      [4, 'PostSubmittedForReview'],
      [5, 'PostApproved'],
      [6, 'PostScheduled'],
      [7, 'PostPublishingStarted'],
      [8, 'PostPublished'],
    ]);
    expect(history.json[1]).toMatchObject({ actorId: ws.userId('editor'), data: { title: 'Spring launch, day one' } });
    expect(history.json[7]).toMatchObject({ actorId: 'content-publisher' });

    // As of the edit: edited, but no media yet.
    const asOf = history.json[1].occurredAt;
    const then = await api.call<PostView>('GET', `/v1/posts/${id}?asOf=${asOf}`, { as: ws, role: 'viewer' });
    expect(then.headers.get('etag')).toBe('"2"');
    expect(then.json).toMatchObject({ version: 2, status: 'draft', title: 'Spring launch, day one', mediaAssetIds: [] });

    const window = `from=${new Date(due.getTime() - 3_600_000).toISOString()}&to=${new Date(due.getTime() + 3_600_000).toISOString()}`;
    const calendar = await eventually(async () => {
      const answer = await api.call<Page<CalendarEntryView>>('GET', `/v1/calendar?${window}`, { as: ws, role: 'viewer' });
      expect(answer.json.items.map((entry) => [entry.id, entry.status])).toEqual([[id, 'published']]);
      return answer.json;
    });
    expect(calendar.items[0]).toMatchObject({ scheduledAt: due.toISOString(), timeZone: 'America/New_York', localScheduledAt: newYork.wallClock });
    // New York is 4 or 5 hours behind UTC, whatever the season.
    expect([4, 5].map((hours) => new Date(due.getTime() - hours * 3_600_000).toISOString().slice(0, 19))).toContain(newYork.wallClock);
  });

  it('shows each post of the calendar on the wall clock of its zone, across a daylight saving change', async () => {
    const ws = new Workspace();
    // US daylight saving time begins on 2030-03-10 at 02:00: 09:00 is UTC-5 the day before, UTC-4 that day.
    const post = (title: string) => approvedPost(ws, { title, body: 'See you then', variants: [{ platform: 'linkedin' }] });
    const [before, after, tokyo] = [await post('Before DST'), await post('After DST'), await post('Tokyo')];
    for (const [id, scheduledAt, timeZone] of [
      [before, '2030-03-09T14:00:00Z', 'America/New_York'],
      [after, '2030-03-10T09:00:00-04:00', 'America/New_York'],
      [tokyo, '2030-03-10T14:00:00Z', 'Asia/Tokyo'],
    ]) {
      expect((await api.call('POST', `/v1/posts/${id}/schedule`, { as: ws, role: 'editor', body: { scheduledAt, timeZone } })).status).toBe(200);
    }
    const calendar = (query: string) =>
      api.call<Page<CalendarEntryView>>('GET', `/v1/calendar?from=2030-03-01T00:00:00Z&to=2030-04-01T00:00:00Z&${query}`, { as: ws, role: 'viewer' }).then((answer) => answer.json);
    await eventually(async () => expect((await calendar('limit=100')).items).toHaveLength(3));
    const first = await calendar('limit=2');
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await calendar(`limit=2&cursor=${first.nextCursor}`);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((entry) => [entry.id, entry.scheduledAt, entry.timeZone, entry.localScheduledAt])).toEqual([
      [before, '2030-03-09T14:00:00.000Z', 'America/New_York', '2030-03-09T09:00:00'],
      [after, '2030-03-10T13:00:00.000Z', 'America/New_York', '2030-03-10T09:00:00'],
      [tokyo, '2030-03-10T14:00:00.000Z', 'Asia/Tokyo', '2030-03-10T23:00:00'],
    ]);
  });

  it('lists the workspace’s posts filtered by status and campaign, page by page', async () => {
    const ws = new Workspace();
    const campaignId = randomUUID();
    const drafts: string[] = [];
    for (const title of ['One', 'Two', 'Three']) {
      drafts.push((await api.call<PostView>('POST', '/v1/posts', { as: ws, role: 'editor', body: { title, campaignId } })).json.id);
    }
    const elsewhere = (await api.call<PostView>('POST', '/v1/posts', { as: ws, role: 'editor', body: { title: 'No campaign' } })).json.id;
    const approved = await approvedPost(ws, { title: 'Approved', body: 'Ready', campaignId, variants: [{ platform: 'x' }] });

    const list = (query: string) => api.call<Page<PostSummaryView>>('GET', `/v1/posts?${query}`, { as: ws, role: 'viewer' }).then((answer) => answer.json);
    await eventually(async () => expect((await list('status=approved')).items.map((item) => item.id)).toEqual([approved]));

    const firstPage = await list(`campaignId=${campaignId}&limit=3`);
    expect(firstPage.items).toHaveLength(3);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    const secondPage = await list(`campaignId=${campaignId}&limit=3&cursor=${firstPage.nextCursor}`);
    expect(secondPage.nextCursor).toBeNull();
    // Most recently changed first.
    expect([...firstPage.items, ...secondPage.items].map((item) => item.id)).toEqual([approved, ...[...drafts].reverse()]);

    expect((await list(`status=draft&campaignId=${campaignId}`)).items.map((item) => item.id).sort()).toEqual([...drafts].sort());
    expect((await list('status=draft')).items.map((item) => item.id).sort()).toEqual([...drafts, elsewhere].sort());
    expect((await list('status=published')).items).toEqual([]);
  });

  it('retries a failing receiver with backoff, with the same Idempotency-Key, and publishes once per platform', async () => {
    const ws = new Workspace();
    const id = await approvedPost(ws, { title: 'Flaky receiver', body: 'Try again', variants: [{ platform: 'linkedin' }, { platform: 'x' }] });
    receiver.failFirst.set(id, 2);
    expect((await api.call<PostView>('POST', `/v1/posts/${id}/publish`, { as: ws, role: 'editor' })).json.status).toBe('publishing');

    const post = await published(ws, id);
    expect(post.publications.map((p) => [p.platform, p.status, p.round])).toEqual([
      ['linkedin', 'published', 1],
      ['x', 'published', 1],
    ]);
    for (const platform of ['linkedin', 'x'] as const) {
      const deliveries = receiver.of(id).filter((delivery) => delivery.platform === platform);
      expect(deliveries.map((delivery) => [delivery.idempotencyKey, delivery.status, delivery.signatureValid])).toEqual([
        [`${id}:${platform}`, 500, true],
        [`${id}:${platform}`, 500, true],
        [`${id}:${platform}`, 201, true],
      ]);
      // The worker waits at least the backoff before each retry: base, then twice the base (no jitter).
      expect(deliveries[1].receivedAt - deliveries[0].receivedAt).toBeGreaterThanOrEqual(RETRY_BASE_MS);
      expect(deliveries[2].receivedAt - deliveries[1].receivedAt).toBeGreaterThanOrEqual(2 * RETRY_BASE_MS);
    }
    const history = await api.call<PostHistoryEntry[]>('GET', `/v1/posts/${id}/history`, { as: ws, role: 'viewer' });
    expect(history.json.map((event) => event.type).slice(-2)).toEqual(['PostPublishingStarted', 'PostPublished']);
  });

  describe('on NATS', () => {
    let connection: NatsConnection;
    beforeAll(async () => {
      connection = await connect({ servers: api.nats.url });
    });
    afterAll(async () => {
      await connection?.close();
    });

    it('publishes every event of the post to the CONTENT stream, with Nats-Msg-Id = event id and the envelope as body', async () => {
      const ws = new Workspace();
      const drafted = await api.call<PostView>('POST', '/v1/posts', {
        as: ws,
        role: 'editor',
        body: { title: 'On the wire', variants: [{ platform: 'threads' }], mediaAssetIds: [randomUUID()] },
      });
      const id = drafted.json.id;
      await api.call('PATCH', `/v1/posts/${id}`, { as: ws, role: 'editor', body: { body: 'Now with text' } });
      await api.call('POST', `/v1/posts/${id}/submit`, { as: ws, role: 'editor' });
      await api.call('POST', `/v1/posts/${id}/approve`, { as: ws, role: 'owner' });
      await api.call('POST', `/v1/posts/${id}/publish`, { as: ws, role: 'editor' });
      await published(ws, id);

      const consumer = await jetstream(connection).consumers.get('CONTENT', { filter_subjects: 'content.post.>' });
      const messages = await consumer.consume();
      const giveUp = setTimeout(() => void messages.stop(), 20_000);
      const seen: Array<{ subject: string; msgId: string | undefined; envelope: EventEnvelope }> = [];
      for await (const message of messages) {
        const envelope = message.json<EventEnvelope>();
        if (envelope.streamId !== `post-${id}`) continue;
        seen.push({ subject: message.subject, msgId: message.headers?.get('Nats-Msg-Id'), envelope });
        if (envelope.type === 'PostPublished') break;
      }
      clearTimeout(giveUp);
      await messages.close();

      expect(seen.map((m) => [m.subject, m.envelope.type, m.envelope.version])).toEqual([
        ['content.post.drafted', 'PostDrafted', 1],
        ['content.post.media-attached', 'PostMediaAttached', 2],
        ['content.post.edited', 'PostEdited', 3],
        ['content.post.submitted-for-review', 'PostSubmittedForReview', 4],
        ['content.post.approved', 'PostApproved', 5],
        ['content.post.publishing-started', 'PostPublishingStarted', 6],
        ['content.post.published', 'PostPublished', 7],
      ]);
      for (const { msgId, envelope } of seen) {
        expect(msgId).toBe(envelope.id);
        expect(envelope).toMatchObject({ workspaceId: ws.id, streamType: 'post', streamId: `post-${id}`, data: { postId: id } });
      }
      expect(seen[0].envelope.actorId).toBe(ws.userId('editor'));
    });
  });
});
