import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from './nats-server';
import { freePort } from './ports';

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return join(root, version, 'bin', name);
}

/**
 * A throw-away PostgreSQL cluster on a spare port, for tests that kill and restart the database
 * without touching the shared server. PostgreSQL refuses to run as root, so as root the cluster
 * belongs to the `postgres` user.
 */
export class PrivatePostgresServer {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(): Promise<PrivatePostgresServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-private-'));
    const server = new PrivatePostgresServer(await freePort(), dataDir);
    if (userInfo().uid === 0) {
      const { uid, gid } = postgresUser();
      chownSync(dataDir, uid, gid);
    }
    server.run(postgresBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** `immediate` is a crash: no checkpoint, recovery from WAL at the next start. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) this.run(postgresBin('pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.stop(mode);
    await this.startProcess();
  }

  dispose(): void {
    try {
      this.stop('immediate');
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  private async startProcess(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on -c synchronous_commit=on`;
    this.run(postgresBin('pg_ctl'), ['-D', this.dataDir, '-o', options, '-l', join(this.dataDir, 'server.log'), '-w', 'start']);
    await waitForPort(this.port, 20_000);
  }

  private run(command: string, args: string[]): void {
    const asRoot = userInfo().uid === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
