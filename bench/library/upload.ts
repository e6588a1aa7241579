/**
 * Upload throughput: a generated MP4 (the test fixtures' boxes around a large mdat of noise)
 * POSTed as multipart/form-data by a client process to POST /v1/workspace-assets of the assets
 * service running in this process (receiveUpload: temporary file, SHA-256, type and structure
 * checks; storeUpload into LocalBlobStorage: fsync, link to its content address; the staged
 * asset's event and blob ledger rows), against plain copies of the same file on the same disk.
 * Rounds rotate the order; figures are medians.
 */
import { fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalBlobStorage } from '../../apps/assets/src/storage';
import { mp4Bytes, noise } from '../../apps/assets/test/fixtures/media-files';
import { median, round } from '../shared/stats';
import type { AssetsApp } from './assets-app';
import type { BenchConfig } from './config';
import { fmt, log, seconds } from '../shared/format';
import type { UploadAnswer, UploadClientMessage, UploadJob } from './upload-client';

export const METHODS = ['upload', 'copyFile', 'streamCopy', 'streamCopyFsync'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABELS: Record<Method, string> = {
  upload: 'POST /v1/workspace-assets (multipart; assets app, LocalBlobStorage)',
  copyFile: 'fs.copyFile (no fsync)',
  streamCopy: 'read stream piped to write stream (no fsync)',
  streamCopyFsync: 'read stream piped to write stream, then fsync',
};

export interface MethodFigures {
  runsMs: number[];
  medianMs: number;
  /** MiB (2^20 bytes) per second, from the median time. */
  mibPerSecond: number;
}

export interface UploadFigures {
  fileBytes: number;
  fileMiB: number;
  durationSeconds: number;
  rounds: number;
  directory: string;
  /** What the upload went through. */
  via: string;
  methods: Record<Method, MethodFigures>;
  /** Upload throughput over each copy's. */
  ratios: { ofCopyFile: number; ofStreamCopy: number; ofStreamCopyFsync: number };
}

/** What the upload route answers (StagedAssetView), as far as checked. */
interface StagedAnswer {
  id: string;
  sha256: string;
  sizeBytes: number;
  mimeType: string;
  generation: { durationSeconds: number | null };
}

const MIB = 1 << 20;
const CHUNK = MIB;
const VIDEO_SECONDS = 120;

/** Writes the video: fixtures' ftyp and moov, then an mdat box of `totalBytes` minus those, streamed from a generator. */
async function writeVideo(path: string, totalBytes: number): Promise<string> {
  // mp4Bytes ends with an empty mdat box: give it the real size and stream its payload after it.
  const head = mp4Bytes({ moovFirst: true, mdatBytes: 0, durationSeconds: VIDEO_SECONDS });
  const payload = totalBytes - head.length;
  head.writeUInt32BE(8 + payload, head.length - 8);
  const hash = createHash('sha256');
  async function* chunks(): AsyncGenerator<Buffer> {
    hash.update(head);
    yield head;
    for (let written = 0, n = 1; written < payload; written += CHUNK, n++) {
      const chunk = noise(Math.min(CHUNK, payload - written), n);
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path, { flags: 'wx' }));
  return hash.digest('hex');
}

function runClient(job: UploadJob): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'upload-client.js'), [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message: UploadClientMessage | undefined;
    child.on('message', (m: UploadClientMessage) => (message = m));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (message && 'answer' in message) resolve(message.answer);
      else reject(new Error(message && 'error' in message ? `upload client: ${message.error}` : `upload client exited (${signal ?? code}) without an answer`));
    });
  });
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** The video and the copies go in `directory`, which should be on the disk of `app`'s storage: the one measured. */
export async function measureUpload(config: BenchConfig, directory: string, app: AssetsApp): Promise<UploadFigures> {
  // The app's own storage, opened again: to check that a discarded upload's bytes are gone.
  const storage = await LocalBlobStorage.open(app.dataDir);
  const authorization = `Bearer ${await app.editorToken(randomUUID(), randomUUID())}`;
  const source = join(directory, 'source.mp4');
  const copy = join(directory, 'copy.mp4');
  const fileBytes = config.uploadMiB * MIB;
  let sha256 = '';
  const writeMs = await timed(async () => void (sha256 = await writeVideo(source, fileBytes)));
  log(`  wrote the ${fmt(config.uploadMiB)} MiB video to ${source} in ${seconds(writeMs)}`);

  const runs: Record<Method, number[]> = { upload: [], copyFile: [], streamCopy: [], streamCopyFsync: [] };
  const measure: Record<Method, () => Promise<number>> = {
    upload: async () => {
      const answer = await runClient({
        url: `${app.base}/v1/workspace-assets`,
        authorization,
        fields: { jobId: randomUUID(), assetIndex: '0', generationSeed: '42', prompt: 'drone footage of a lighthouse at night, blue hour', model: 'veo-3' },
        file: source,
        filename: 'bench-video.mp4',
        mimeType: 'video/mp4',
      });
      const staged = answer.status === 201 ? (JSON.parse(answer.body) as StagedAnswer) : null;
      if (
        staged === null ||
        staged.sha256 !== sha256 ||
        staged.sizeBytes !== fileBytes ||
        staged.mimeType !== 'video/mp4' ||
        staged.generation.durationSeconds !== VIDEO_SECONDS
      ) {
        throw new Error(`the upload was not staged as expected: ${answer.status} ${answer.body}`);
      }
      // Discarded, which deletes its bytes, so that the next round stores them again (a stored blob is never rewritten).
      const discarded = await fetch(`${app.base}/v1/workspace-assets/${staged.id}`, { method: 'DELETE', headers: { authorization } });
      if (discarded.status !== 204 || (await storage.stat(sha256)) !== null) throw new Error(`discarding the upload left its bytes (${discarded.status})`);
      return answer.ms;
    },
    copyFile: async () => {
      const ms = await timed(() => copyFile(source, copy));
      await unlink(copy);
      return ms;
    },
    streamCopy: async () => {
      const ms = await timed(() => pipeline(createReadStream(source), createWriteStream(copy)));
      await unlink(copy);
      return ms;
    },
    streamCopyFsync: async () => {
      const ms = await timed(async () => {
        await pipeline(createReadStream(source), createWriteStream(copy));
        const handle = await open(copy, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      await unlink(copy);
      return ms;
    },
  };
  for (let r = 0; r < config.uploadRounds; r++) {
    const order = METHODS.map((_, i) => METHODS[(i + r) % METHODS.length]);
    for (const method of order) {
      const ms = await measure[method]();
      runs[method].push(ms);
      log(`  round ${r + 1} ${method.padEnd(15)} ${seconds(ms).padStart(7)}  ${fmt(mibPerSecond(fileBytes, ms)).padStart(5)} MiB/s`);
    }
  }
  const methods = Object.fromEntries(
    METHODS.map((method) => {
      const medianMs = median(runs[method]);
      return [method, { runsMs: runs[method].map((ms) => round(ms, 1)), medianMs: round(medianMs, 1), mibPerSecond: round(mibPerSecond(fileBytes, medianMs), 1) }];
    }),
  ) as Record<Method, MethodFigures>;
  const ratio = (other: Method) => round(methods.upload.mibPerSecond / methods[other].mibPerSecond, 3);
  return {
    fileBytes,
    fileMiB: config.uploadMiB,
    durationSeconds: VIDEO_SECONDS,
    rounds: config.uploadRounds,
    directory,
    via: 'POST /v1/workspace-assets of the assets app in the bench process (createHttpApp, as main.ts), the client in its own process',
    methods,
    ratios: { ofCopyFile: ratio('copyFile'), ofStreamCopy: ratio('streamCopy'), ofStreamCopyFsync: ratio('streamCopyFsync') },
  };
}

function mibPerSecond(bytes: number, ms: number): number {
  return bytes / MIB / (ms / 1000);
}
