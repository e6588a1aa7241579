import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetsApp } from './assets-e2e-kit';

/** /health answers for the blob storage too: a service that cannot store uploads is not healthy. */
describe('assets /health', () => {
  let app: AssetsApp;

  beforeAll(async () => {
    app = await AssetsApp.start();
  });

  afterAll(async () => {
    await app.dispose();
  });

  it('checks PostgreSQL, NATS and the blob storage', async () => {
    const answer = await app.call<{ status: string; info: Record<string, { status: string }> }>('GET', '/health');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json.info).sort()).toEqual(['database', 'nats', 'storage']);
    expect(answer.json.info.storage.status).toBe('up');
  });

  it('answers 503 naming the storage when its directory is gone', async () => {
    await rm(join(app.dataDir, 'tmp'), { recursive: true, force: true });
    const answer = await app.call<{ status: string; error: Record<string, { status: string }> }>('GET', '/health');
    expect(answer.status).toBe(503);
    expect(Object.keys(answer.json.error)).toEqual(['storage']);
  });
});
