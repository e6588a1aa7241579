import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LOCAL_SERVICES, serviceEntry } from './services';

/**
 * Starts every service as a separate process against the local PostgreSQL and NATS, waits for
 * each one's /health, and stops them all on Ctrl-C (or when one of them dies).
 * Ports: `<SERVICE>_PORT` (e.g. CONTENT_PORT) overrides the default.
 */
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/marketing';
const children = new Map<string, ChildProcess>();
let stopping = false;

function portOf(name: string, fallback: number): number {
  const raw = process.env[`${name.toUpperCase()}_PORT`];
  return raw ? Number(raw) : fallback;
}

function start(name: string, port: number): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', serviceEntry(name)], {
    env: {
      ...process.env,
      SERVICE_NAME: name,
      PORT: String(port),
      DATABASE_URL: process.env[`${name.toUpperCase()}_DATABASE_URL`] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
      DATABASE_SCHEMA: name,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the others`);
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

async function waitHealthy(name: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (stopping) throw new Error('stopped');
    if (Date.now() > deadline) throw new Error(`${name} did not report healthy on port ${port} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const services = LOCAL_SERVICES.map((s) => ({ name: s.name, port: portOf(s.name, s.port) }));
  for (const service of services) start(service.name, service.port);
  await Promise.all(services.map((s) => waitHealthy(s.name, s.port)));
  console.log('\nAll services are healthy:');
  console.table(services.map((s) => ({ service: s.name, api: `http://127.0.0.1:${s.port}/v1`, docs: `http://127.0.0.1:${s.port}/docs` })));
  console.log('Mint a token: node dist/scripts/mint-token.js --role editor    (Ctrl-C stops everything)\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll(1);
});
