import { freePort } from '@lib/testing';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublicationError, type PublicationRequest } from '../src/publishing/publisher.port';
import { WebhookPublisher, webhookSignature } from '../src/publishing/webhook.publisher';

const SECRET = 'adapter-test-secret-0123456789abcdef';
const NOW = new Date('2030-01-01T09:00:00.000Z');
const request: PublicationRequest = {
  idempotencyKey: '0b5f3c52-8d53-4d4e-9a51-0f3f7f4f0f4f:x',
  workspaceId: '7c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5',
  postId: '0b5f3c52-8d53-4d4e-9a51-0f3f7f4f0f4f',
  platform: 'x',
  text: 'Hello #world',
  mediaAssetIds: [],
};

describe('WebhookPublisher', () => {
  let server: Server;
  let url: string;
  let answer: (headers: IncomingHttpHeaders, body: string) => { status: number; body: string } | null;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const reply = answer(req.headers, Buffer.concat(chunks).toString('utf8'));
        // null: never answer (a hung receiver).
        if (reply) res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const publisher = (timeoutMs = 2_000, target = (): string => url) => new WebhookPublisher({ url: target(), secret: SECRET, timeoutMs }, () => NOW);

  it('POSTs the request as JSON with its idempotency key, timestamp and signature', async () => {
    let seen: { headers: IncomingHttpHeaders; body: string } | null = null;
    answer = (headers, body) => {
      seen = { headers, body };
      return { status: 200, body: JSON.stringify({ externalId: ' 1790 ', url: 'https://x.example/status/1790' }) };
    };
    expect(await publisher().publish(request)).toEqual({ externalId: '1790', url: 'https://x.example/status/1790' });
    const { headers, body } = seen as unknown as { headers: IncomingHttpHeaders; body: string };
    expect(JSON.parse(body)).toEqual(request);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': request.idempotencyKey,
      'x-content-timestamp': String(NOW.getTime() / 1000),
      'x-content-signature': webhookSignature(SECRET, String(NOW.getTime() / 1000), body),
    });
    expect(headers['x-content-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('names the publication by its key when the answer does not, and drops a url that is not http(s)', async () => {
    answer = () => ({ status: 204, body: '' });
    expect(await publisher().publish(request)).toEqual({ externalId: request.idempotencyKey, url: null });
    answer = () => ({ status: 200, body: JSON.stringify({ id: 42, url: 'javascript:alert(1)' }) });
    expect(await publisher().publish(request)).toEqual({ externalId: '42', url: null });
  });

  it('classifies refusals: 4xx permanent, 408/429/5xx transient', async () => {
    for (const [status, permanent] of [
      [400, true],
      [404, true],
      [408, false],
      [429, false],
      [500, false],
      [503, false],
    ] as const) {
      answer = () => ({ status, body: JSON.stringify({ error: 'nope' }) });
      const error = await publisher().publish(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublicationError);
      expect(error).toMatchObject({ status, permanent });
    }
  });

  it('takes a receiver that does not answer in time, or cannot be reached, as transient', async () => {
    answer = () => null;
    await expect(publisher(200).publish(request)).rejects.toMatchObject({ permanent: false, status: null, message: 'no answer within 200 ms' });
    const closed = await freePort();
    await expect(publisher(2_000, () => `http://127.0.0.1:${closed}/hook`).publish(request)).rejects.toMatchObject({ permanent: false, status: null });
  });
});
