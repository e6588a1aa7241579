import { dropSchema, PrivateNatsServer, ServiceProcess, TEST_DATABASE_URL, testPool, uniqueSchemaName } from '@lib/testing';

/** ServiceProcess on the built content service (`npm run build` first; npm run test:e2e does). */
describe('ServiceProcess', () => {
  it('fails at once, with what the service wrote, when it exits before it is healthy', async () => {
    const started = Date.now();
    const error = await ServiceProcess.start({ service: 'content', env: { DATABASE_POOL_MAX: 'plenty' }, startTimeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/content .* exited \(1\) before it was healthy/);
    expect((error as Error).message).toMatch(/DATABASE_POOL_MAX/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('starts the service until /health answers 200, and stops it with SIGTERM', async () => {
    const nats = await PrivateNatsServer.start();
    const schema = uniqueSchemaName('service_process');
    const pool = testPool(1);
    let service: ServiceProcess | undefined;
    try {
      service = await ServiceProcess.start({
        service: 'content',
        env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, NATS_URL: nats.url, LOG_LEVEL: 'info' },
      });
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      await service.stop();
      await expect(fetch(`${service.url}/health`)).rejects.toThrow();
      expect(service.logTail()).not.toBe('');
    } finally {
      await service?.kill();
      await nats.dispose();
      await dropSchema(pool, schema);
      await pool.end();
    }
  });
});
