import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './ports';

export interface ServiceProcessOptions {
  /** The service's directory under apps/: runs `dist/apps/<service>/src/main.js`, built by `npm run build`. */
  service: string;
  /** Added to this process's environment; PORT is the kit's. */
  env?: Record<string, string>;
  /** Default: a free port, kept across restarts. */
  port?: number;
  /** How long a start waits for GET /health to answer 200; default 60 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it sends SIGKILL; default 10 s. */
  stopTimeoutMs?: number;
}

/** Output kept for error messages: enough for the last few stack traces, bounded over long runs. */
const OUTPUT_LIMIT = 64 * 1024;

/**
 * A built service run as its own process, as `npm start` runs it, for tests that kill it,
 * restart it, or check what it does at start and shutdown. Its stdout and stderr are kept
 * (the tail) for error messages.
 */
export class ServiceProcess {
  readonly entry: string;
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    private readonly options: ServiceProcessOptions,
    readonly port: number,
  ) {
    this.entry = join(repositoryRoot(), 'dist/apps', options.service, 'src/main.js');
  }

  /** Spawns the service and waits until it is healthy; fails with its output if it exits first or takes too long. */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const service = new ServiceProcess(options, options.port ?? (await freePort()));
    await service.launch();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The end of what the service wrote to stdout and stderr, over all its runs. */
  logTail(chars = 4000): string {
    return this.output.slice(-chars);
  }

  /** Stops it if it runs, then starts it again on the same port with the same environment. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** SIGTERM, its graceful shutdown; SIGKILL if it has not exited after `stopTimeoutMs`. */
  async stop(): Promise<void> {
    await this.terminate('SIGTERM', this.options.stopTimeoutMs ?? 10_000);
  }

  /** SIGKILL: a crash, with no shutdown of any kind. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  private async launch(): Promise<void> {
    if (!existsSync(this.entry)) throw new Error(`${this.entry} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, [this.entry], {
      env: { ...process.env, ...this.options.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    try {
      await this.waitUntilHealthy(child);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  private async waitUntilHealthy(child: ChildProcess): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Checked first: a service that cannot start must not be waited on for the whole timeout.
      if (hasExited(child)) throw this.failure(`exited (${child.exitCode ?? child.signalCode}) before it was healthy`);
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // Not listening yet, or too slow to answer: try again until the deadline.
      }
      if (Date.now() > deadline) throw this.failure(`did not answer 200 on /health within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private failure(what: string): Error {
    return new Error(`${this.options.service} (${this.entry}) ${what}\n--- its output (tail) ---\n${this.logTail()}`);
  }

  private async terminate(signal: NodeJS.Signals, escalateAfterMs?: number): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || hasExited(child)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const escalation = escalateAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), escalateAfterMs);
    await exited;
    clearTimeout(escalation);
  }
}

/** The nearest folder above this file holding package.json: tests run from the sources, benchmarks from dist/. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
