import { ASSET_MIME_TYPES, MAX_ASSET_BYTES, type AssetMimeType, type AssetType, type BlobData } from '@lib/contracts';
import { DomainError, ValidationError } from '@lib/service-kit';
import busboy from 'busboy';
import { createHash, randomUUID } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStorage } from '../storage/blob-storage.port';
import { unlinkIfPresent } from '../storage/fs-errors';
import { MediaInspector, type MediaInspection } from './media-inspector';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './upload-errors';

export interface UploadOptions {
  /** Where the file is written while it arrives: the storage's `tempDir`. */
  tempDir: string;
  /** The largest file accepted; MAX_ASSET_BYTES unless a test wants a small one. */
  maxBytes?: number;
  /** Text fields beside the file. */
  maxFields?: number;
  maxFieldBytes?: number;
}

/** An accepted file, complete in `tempPath`, not yet stored: `storeUpload` or `discardUpload` it. */
export interface ReceivedUpload {
  tempPath: string;
  sha256: string;
  sizeBytes: number;
  mimeType: AssetMimeType;
  assetType: AssetType;
  /**
   * The name the client gave, checked to hold no path separators, `..` or control characters
   * so it is safe to show and to put in a Content-Disposition; it is never used as a path.
   */
  filename: string | null;
  /** The text fields, unvalidated: the caller checks the ones it expects. */
  fields: Record<string, string>;
  durationSeconds: number | null;
}

const DEFAULT_MAX_FIELDS = 32;
const DEFAULT_MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELD_NAME_BYTES = 100;
const MAX_FILENAME_LENGTH = 255;
/** C0 and C1 controls, and the bidirectional overrides that make `gpj.exe` look like `exe.jpg`. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Reads a multipart/form-data request with exactly one file part (and any text fields): the file
 * streams to a temporary file while its SHA-256 is computed and its type detected and checked
 * from the bytes. Resolves only for an accepted file; every refusal (ValidationError 400,
 * PayloadTooLargeError 413, UnsupportedMediaTypeError 415) comes after the temporary file is
 * deleted, and as soon as the bytes decide it: the rest of the request is then left unread, so
 * the HTTP layer should answer with `Connection: close` when `request.complete` is false.
 */
export function receiveUpload(request: IncomingMessage, options: UploadOptions): Promise<ReceivedUpload> {
  return new UploadReceiver(request, options).receive();
}

/** Moves an accepted upload to its content address; the temporary file is gone afterwards, stored or not. */
export async function storeUpload(storage: BlobStorage, upload: ReceivedUpload): Promise<{ blob: BlobData; created: boolean }> {
  const { sha256, sizeBytes, mimeType, assetType } = upload;
  try {
    const { created } = await storage.put(sha256, upload.tempPath, { sizeBytes, mimeType });
    return { blob: { sha256, sizeBytes, mimeType, assetType }, created };
  } catch (error) {
    await discardUpload(upload);
    throw error;
  }
}

/** Deletes an accepted upload the caller decided not to keep (its fields were invalid, say). */
export async function discardUpload(upload: Pick<ReceivedUpload, 'tempPath'>): Promise<void> {
  await unlinkIfPresent(upload.tempPath);
}

type ReceivedFile = Omit<ReceivedUpload, 'fields'>;

class UploadReceiver {
  private readonly tempDir: string;
  private readonly maxBytes: number;
  private readonly maxFields: number;
  private readonly maxFieldBytes: number;
  private readonly fields = new Map<string, string>();
  private file: Promise<ReceivedFile> | null = null;
  private fileStream: Readable | null = null;
  private tempPath: string | null = null;
  /** Rejects with the first refusal, whoever finds it (the parser, the file, the request). */
  private readonly refused: Promise<never>;
  private refuse: (error: unknown) => void = () => undefined;

  constructor(
    private readonly request: IncomingMessage,
    options: UploadOptions,
  ) {
    this.tempDir = options.tempDir;
    this.maxBytes = options.maxBytes ?? MAX_ASSET_BYTES;
    this.maxFields = options.maxFields ?? DEFAULT_MAX_FIELDS;
    this.maxFieldBytes = options.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
    this.refused = new Promise<never>((_, reject) => (this.refuse = reject));
    // Always raced below; a refusal arriving after the outcome changes nothing.
    this.refused.catch(() => undefined);
  }

  async receive(): Promise<ReceivedUpload> {
    const parser = this.createParser();
    const parsed = new Promise<void>((resolve) => parser.on('close', resolve));
    this.request.on('error', () => this.refuse(new ValidationError('the request failed before its body ended')));
    this.request.on('close', () => {
      if (!this.request.complete) this.refuse(new ValidationError('the request ended before its body did'));
    });
    this.request.pipe(parser);
    try {
      await Promise.race([parsed, this.refused]);
      if (!this.file) throw new ValidationError('the request has no file part');
      const file = await Promise.race([this.file, this.refused]);
      return { ...file, fields: Object.fromEntries(this.fields) };
    } catch (error) {
      // Stop reading: the client may still be sending up to a gigabyte nobody will look at.
      this.request.unpipe(parser);
      parser.destroy();
      this.fileStream?.destroy();
      // The temporary file is closed before it is deleted, so no late write recreates it.
      await this.file?.catch(() => undefined);
      if (this.tempPath) await unlinkIfPresent(this.tempPath);
      throw error;
    }
  }

  private createParser(): busboy.Busboy {
    const contentType = this.request.headers['content-type'] ?? '';
    if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
      throw new UnsupportedMediaTypeError(`an upload must be multipart/form-data, not ${JSON.stringify(contentType)}`);
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: this.request.headers,
        // Keep the client's name as given: busboy's default would strip a path and hide it from the check.
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: this.maxFields, fieldSize: this.maxFieldBytes, fieldNameSize: MAX_FIELD_NAME_BYTES },
      });
    } catch (error) {
      throw new ValidationError(`malformed multipart request: ${messageOf(error)}`);
    }
    parser.on('file', (_name, stream, info) => {
      // Its failures reach us through the parser's 'error' and the reading loop; busboy may
      // destroy it again once nobody iterates it any more, which must not crash the process.
      stream.on('error', () => undefined);
      this.fileStream = stream;
      this.file = this.receiveFile(stream, info);
      this.file.catch((error: unknown) => this.refuse(error));
    });
    parser.on('filesLimit', () => this.refuse(new ValidationError('the request has more than one file part')));
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated) {
        this.refuse(new ValidationError(`a field name is longer than ${MAX_FIELD_NAME_BYTES} bytes`));
      } else if (info.valueTruncated) {
        this.refuse(new ValidationError(`field ${JSON.stringify(name)} is longer than ${this.maxFieldBytes} bytes`));
      } else if (this.fields.has(name)) {
        this.refuse(new ValidationError(`field ${JSON.stringify(name)} is given twice`));
      } else {
        this.fields.set(name, value);
      }
    });
    parser.on('fieldsLimit', () => this.refuse(new ValidationError(`the request has more than ${this.maxFields} fields`)));
    parser.on('error', (error) => this.refuse(new ValidationError(`malformed multipart body: ${messageOf(error)}`)));
    return parser;
  }

  private async receiveFile(stream: Readable, info: busboy.FileInfo): Promise<ReceivedFile> {
    const filename = checkedFilename(info.filename);
    const declared = info.mimeType;
    if (!isAssetMimeType(declared)) {
      throw new UnsupportedMediaTypeError(`declared ${declared}, which is not one of ${ASSET_MIME_TYPES.join(', ')}`, {
        declared,
        accepted: ASSET_MIME_TYPES,
      });
    }
    this.tempPath = join(this.tempDir, `upload-${randomUUID()}`);
    const handle = await open(this.tempPath, 'wx');
    const hash = createHash('sha256');
    const inspector = new MediaInspector();
    let sizeBytes = 0;
    let inspection: MediaInspection;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        sizeBytes += chunk.length;
        if (sizeBytes > this.maxBytes) {
          throw new PayloadTooLargeError(`the file is larger than the ${describeBytes(this.maxBytes)} limit`, { limitBytes: this.maxBytes });
        }
        checkedType(declared, inspector, () => inspector.write(chunk));
        hash.update(chunk);
        await writeAll(handle, chunk);
      }
      if (sizeBytes === 0) throw new ValidationError('the file part is empty');
      inspection = checkedType(declared, inspector, () => inspector.end());
    } catch (error) {
      // The part's stream fails when the body ends inside it: the client's fault, unlike a failed write.
      if (!(error instanceof DomainError) && stream.errored) throw new ValidationError(`the file part is cut off: ${messageOf(error)}`);
      throw error;
    } finally {
      await handle.close();
    }
    return {
      tempPath: this.tempPath,
      sha256: hash.digest('hex'),
      sizeBytes,
      mimeType: inspection.mimeType,
      assetType: inspection.mimeType === 'video/mp4' ? 'video' : 'image',
      filename,
      durationSeconds: inspection.durationSeconds,
    };
  }
}

/**
 * Runs an inspection step, then holds the declared type against the detected one: a mismatch
 * is the refusal that explains most (a PNG sent as video/mp4 is refused for that, not for not
 * being a valid MP4), and a file of no accepted type names the declared one too.
 */
function checkedType<T>(declared: AssetMimeType, inspector: MediaInspector, step: () => T): T {
  let result: T | undefined;
  let failure: unknown = null;
  try {
    result = step();
  } catch (error) {
    failure = error;
  }
  const detected = inspector.detected;
  if (detected !== null && detected !== declared) {
    throw new UnsupportedMediaTypeError(`declared ${declared} but the bytes are ${detected}`, { declared, detected });
  }
  if (failure instanceof UnsupportedMediaTypeError) {
    throw new UnsupportedMediaTypeError(`declared ${declared} but ${failure.message}`, { declared, detected: null });
  }
  if (failure) throw failure;
  return result as T;
}

function checkedFilename(filename: string | undefined): string | null {
  if (filename === undefined || filename === '') return null;
  if (filename.length > MAX_FILENAME_LENGTH) throw new ValidationError(`the filename is longer than ${MAX_FILENAME_LENGTH} characters`);
  if (/[/\\]/.test(filename) || filename.includes('..') || CONTROL_CHARACTERS.test(filename)) {
    throw new ValidationError(`filename ${JSON.stringify(filename)} must not contain path separators, '..' or control characters`);
  }
  return filename;
}

function isAssetMimeType(value: string): value is AssetMimeType {
  return (ASSET_MIME_TYPES as readonly string[]).includes(value);
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let written = 0; written < chunk.length; ) {
    written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
  }
}

function describeBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes}-byte`;
}

function messageOf(error: unknown): string {
  const message: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : undefined;
  return typeof message === 'string' ? message : String(error);
}
