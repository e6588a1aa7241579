import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface RunningS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

// s3rver in a process of its own, with OpenSSL's legacy provider: it encrypts ListObjectsV2
// continuation tokens with DES, which OpenSSL 3 has only there, so without it every listing
// longer than one page fails.
const SERVER = `
const S3rver = require(process.argv[1]);
new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[2] })
  .run()
  .then(({ address, port }) => console.log(JSON.stringify({ address, port })));
`;

/** A real S3-protocol server keeping its buckets under `directory`. */
export async function startS3rver(directory: string): Promise<RunningS3rver> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER, require.resolve('s3rver'), directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), exited(child)])) as [string];
  const { address, port } = JSON.parse(line) as { address: string; port: number };
  return {
    endpoint: `http://${address}:${port}`,
    stop: async () => {
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    },
  };
}

async function exited(child: ChildProcess): Promise<never> {
  const [code] = await once(child, 'exit');
  throw new Error(`s3rver exited with ${String(code)} before it listened`);
}
