/**
 * The upload's client, in its own process as a real client would be: streams one file (after
 * the text fields) as a multipart/form-data POST and answers (over IPC) with the status, the
 * body and the time from the request's start to the response's end. Started by upload.ts with
 * the job as argv[2].
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface UploadJob {
  url: string;
  authorization: string;
  fields: Record<string, string>;
  file: string;
  filename: string;
  mimeType: string;
}

export interface UploadAnswer {
  status: number;
  body: string;
  ms: number;
}

export type UploadClientMessage = { answer: UploadAnswer } | { error: string };

async function upload(job: UploadJob): Promise<UploadAnswer> {
  const boundary = `bench-${randomBytes(12).toString('hex')}`;
  const fields = Object.entries(job.fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const head = Buffer.from(
    `${fields.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${job.filename}"\r\nContent-Type: ${job.mimeType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  const { size } = await stat(job.file);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of createReadStream(job.file, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    yield tail;
  }
  const start = performance.now();
  return new Promise<UploadAnswer>((resolve, reject) => {
    const req = request(job.url, {
      method: 'POST',
      headers: {
        authorization: job.authorization,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + size + tail.length,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - start }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // A refusal may answer before the body is sent: the response above then settles it.
    pipeline(Readable.from(body()), req).catch(() => undefined);
  });
}

function reply(message: UploadClientMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()));
}

if (require.main === module) {
  upload(JSON.parse(process.argv[2] ?? '') as UploadJob).then(
    async (answer) => {
      await reply({ answer });
      process.exit(0);
    },
    async (error: unknown) => {
      await reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
}
