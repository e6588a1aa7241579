import type { AssetMimeType } from '@lib/contracts';
import { ValidationError } from '@lib/service-kit';
import { UnsupportedMediaTypeError } from './upload-errors';

export interface MediaInspection {
  mimeType: AssetMimeType;
  /** MP4: the movie's duration from moov/mvhd; null for images, or when the file does not say. */
  durationSeconds: number | null;
}

/** 400: the bytes start as an accepted type but do not hold together (truncated, corrupt). */
export class MalformedMediaError extends ValidationError {}

const FORMAT_NAMES: Readonly<Record<AssetMimeType, string>> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'video/mp4': 'MP4',
};

/**
 * Detects a file's type from its bytes and checks its structure to the very end, as the bytes
 * stream past: nothing is kept but a few header bytes, so a 1 GiB video costs what a 1 KiB
 * image does. `detected` is known after the first bytes (so a wrong declared type can be refused
 * before the rest is read); `end()` says whether the whole file holds together.
 *
 * The format parsers below are generators that ask for bytes (read n, skip n, ...) and get them
 * when enough chunks have arrived, so each is written as a plain walk over its structure.
 */
export class MediaInspector {
  private readonly parser: Parser<MediaInspection> = inspect();
  private request: Request | null = null;
  private result: MediaInspection | null = null;
  private failure: unknown = null;
  private detectedType: AssetMimeType | null = null;
  private buffer = EMPTY;
  private filled = 0;
  private skipLeft = 0;
  private afterFF = false;

  constructor() {
    this.resume(undefined);
  }

  /** The type the bytes so far show, or null until enough have arrived. */
  get detected(): AssetMimeType | null {
    return this.detectedType;
  }

  /** Throws UnsupportedMediaTypeError or MalformedMediaError as soon as the bytes rule the file out. */
  write(chunk: Buffer): void {
    this.guard(() => this.feed(chunk));
  }

  /** The end of the file: its inspection, or the reason it is refused (truncated, not accepted). */
  end(): MediaInspection {
    return this.guard(() => {
      while (this.request?.kind === 'atEnd' || this.request?.kind === 'skipToEnd') {
        this.resume(this.request.kind === 'atEnd' ? true : undefined);
      }
      if (this.result) return this.result;
      if (!this.detectedType) throw new UnsupportedMediaTypeError(NOT_ACCEPTED);
      const where = this.request && 'what' in this.request ? ` inside ${this.request.what}` : '';
      throw new MalformedMediaError(`the ${FORMAT_NAMES[this.detectedType]} file ends${where}: it is truncated`);
    });
  }

  /** Once refused, always refused. */
  private guard<T>(step: () => T): T {
    if (this.failure) throw this.failure;
    try {
      return step();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const request = this.request;
      if (!request) throw new Error('MediaInspector: bytes after the parser finished');
      const available = chunk.length - at;
      switch (request.kind) {
        case 'peek':
        case 'read': {
          const taken = Math.min(request.length - this.filled, available);
          chunk.copy(this.buffer, this.filled, at, at + taken);
          this.filled += taken;
          at += taken;
          if (this.filled === request.length) {
            const bytes = this.buffer;
            this.resume(bytes);
            // Peeked bytes are still unread: the parser's next request gets them first.
            if (request.kind === 'peek') this.feed(bytes);
          }
          break;
        }
        case 'skip': {
          const taken = Math.min(this.skipLeft, available);
          this.skipLeft -= taken;
          at += taken;
          if (this.skipLeft === 0) this.resume(undefined);
          break;
        }
        case 'skipToEnd':
          at = chunk.length;
          break;
        case 'atEnd':
          this.resume(false);
          break;
        case 'scan': {
          const { consumed, marker } = this.scan(chunk, at);
          at += consumed;
          if (marker !== null) this.resume(marker);
          break;
        }
      }
    }
  }

  /**
   * JPEG entropy-coded data runs until a marker: 0xFF followed by anything but 0x00 (a stuffed
   * 0xFF), 0xD0-0xD7 (restart markers, part of the data) or 0xFF (fill).
   */
  private scan(chunk: Buffer, from: number): { consumed: number; marker: number | null } {
    let at = from;
    while (at < chunk.length) {
      if (this.afterFF) {
        const byte = chunk[at++];
        if (byte === 0xff) continue;
        this.afterFF = false;
        if (byte !== 0x00 && (byte < 0xd0 || byte > 0xd7)) return { consumed: at - from, marker: byte };
        continue;
      }
      const ff = chunk.indexOf(0xff, at);
      if (ff === -1) return { consumed: chunk.length - from, marker: null };
      this.afterFF = true;
      at = ff + 1;
    }
    return { consumed: at - from, marker: null };
  }

  /** Answers the parser and runs it to its next request for bytes. */
  private resume(answer: Answer): void {
    let next = this.parser.next(answer);
    for (;;) {
      if (next.done) {
        this.result = next.value;
        this.request = null;
        return;
      }
      const request = next.value;
      if (request.kind === 'detected') {
        this.detectedType = request.mimeType;
        next = this.parser.next(undefined);
        continue;
      }
      this.request = request;
      if (request.kind === 'read' || request.kind === 'peek') {
        this.buffer = Buffer.alloc(request.length);
        this.filled = 0;
        if (request.length === 0) {
          next = this.parser.next(this.buffer);
          continue;
        }
      } else if (request.kind === 'skip') {
        this.skipLeft = request.length;
        if (request.length === 0) {
          next = this.parser.next(undefined);
          continue;
        }
      } else if (request.kind === 'scan') {
        this.afterFF = false;
      }
      return;
    }
  }
}

const NOT_ACCEPTED = 'the bytes are not JPEG, PNG, WebP or MP4';
const EMPTY = Buffer.alloc(0);

type Request =
  | { kind: 'peek'; length: number }
  | { kind: 'read'; length: number; what: string }
  | { kind: 'skip'; length: number; what: string }
  | { kind: 'skipToEnd' }
  | { kind: 'atEnd' }
  | { kind: 'scan'; what: string }
  | { kind: 'detected'; mimeType: AssetMimeType };
type Answer = Buffer | boolean | number | undefined;
type Parser<T> = Generator<Request, T, Answer>;

// The driver answers each request with its own kind of value (bytes, a flag, a marker), so the
// casts below only name what the request guarantees.

function* peek(length: number): Parser<Buffer> {
  return (yield { kind: 'peek', length }) as Buffer;
}
function* read(length: number, what: string): Parser<Buffer> {
  return (yield { kind: 'read', length, what }) as Buffer;
}
function* skip(length: number, what: string): Parser<void> {
  yield { kind: 'skip', length, what };
}
function* skipToEnd(): Parser<void> {
  yield { kind: 'skipToEnd' };
}
function* atEnd(): Parser<boolean> {
  return (yield { kind: 'atEnd' }) as boolean;
}
function* scanToMarker(what: string): Parser<number> {
  return (yield { kind: 'scan', what }) as number;
}
function* detected(mimeType: AssetMimeType): Parser<void> {
  yield { kind: 'detected', mimeType };
}

function malformed(message: string): MalformedMediaError {
  return new MalformedMediaError(message);
}

function latin1(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('latin1', start, end);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function* inspect(): Parser<MediaInspection> {
  const head = yield* peek(12);
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return yield* png();
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return yield* jpeg();
  if (latin1(head, 0, 4) === 'RIFF' && latin1(head, 8, 12) === 'WEBP') return yield* webp();
  if (latin1(head, 4, 8) === 'ftyp') return yield* mp4();
  throw new UnsupportedMediaTypeError(NOT_ACCEPTED);
}

/** Signature, IHDR first, chunks (length, type, data, CRC) walked to an empty IEND that ends the file. */
function* png(): Parser<MediaInspection> {
  yield* detected('image/png');
  yield* skip(8, 'the signature');
  let first = true;
  let sawImageData = false;
  for (;;) {
    const header = yield* read(8, 'a chunk header');
    const length = header.readUInt32BE(0);
    const type = latin1(header, 4, 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw malformed(`PNG chunk type ${JSON.stringify(type)} is not four letters`);
    if (length > 0x7fffffff) throw malformed(`PNG chunk ${type} claims ${length} bytes, over the format's limit`);
    if (first && (type !== 'IHDR' || length !== 13)) throw malformed('a PNG must start with its 13-byte IHDR chunk');
    first = false;
    if (type === 'IEND') {
      if (length !== 0) throw malformed('the PNG IEND chunk is not empty');
      if (!sawImageData) throw malformed('the PNG has no IDAT chunk');
      yield* skip(4, 'chunk IEND');
      if (!(yield* atEnd())) throw malformed('data follows the PNG IEND chunk');
      return { mimeType: 'image/png', durationSeconds: null };
    }
    if (type === 'IDAT') sawImageData = true;
    yield* skip(length + 4, `chunk ${type}`);
  }
}

const JPEG_SOI = 0xd8;
const JPEG_EOI = 0xd9;
const JPEG_SOS = 0xda;

/**
 * SOI, then segments by their lengths (so an EOI inside an embedded thumbnail is skipped, not
 * taken for the end), the entropy-coded data after each SOS scanned to its next marker, up to
 * the EOI that ends the file.
 */
function* jpeg(): Parser<MediaInspection> {
  yield* detected('image/jpeg');
  yield* skip(2, 'the SOI marker');
  let sawFrame = false;
  let sawScan = false;
  let marker = yield* nextJpegMarker();
  for (;;) {
    const name = `segment 0xFF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
    if (marker === JPEG_EOI) {
      if (!sawScan) throw malformed('the JPEG ends (EOI) before any image data (SOS)');
      if (!(yield* atEnd())) throw malformed('data follows the JPEG EOI marker');
      return { mimeType: 'image/jpeg', durationSeconds: null };
    }
    if (marker === JPEG_SOI || marker === 0x00) throw malformed(`unexpected JPEG ${name}`);
    // Restart markers and TEM stand alone, without a length.
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      marker = yield* nextJpegMarker();
      continue;
    }
    const length = (yield* read(2, `the length of ${name}`)).readUInt16BE(0);
    if (length < 2) throw malformed(`JPEG ${name} has an impossible length ${length}`);
    yield* skip(length - 2, name);
    // Start-of-frame markers: 0xC0-0xCF but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    if (marker === JPEG_SOS) {
      if (!sawFrame) throw malformed('JPEG image data (SOS) before its frame header (SOF)');
      sawScan = true;
      marker = yield* scanToMarker('the image data');
    } else {
      marker = yield* nextJpegMarker();
    }
  }
}

function* nextJpegMarker(): Parser<number> {
  const [first] = yield* read(1, 'a marker');
  if (first !== 0xff) throw malformed(`expected a JPEG marker, found byte 0x${first.toString(16).padStart(2, '0')}`);
  // Any number of 0xFF fill bytes may precede the marker's code.
  let [marker] = yield* read(1, 'a marker');
  while (marker === 0xff) [marker] = yield* read(1, 'a marker');
  return marker;
}

/** RIFF header, 'WEBP', chunks (padded to even sizes) that end exactly where the RIFF size says, which is the end of the file. */
function* webp(): Parser<MediaInspection> {
  yield* detected('image/webp');
  const riffSize = (yield* read(12, 'the RIFF header')).readUInt32LE(4);
  if (riffSize < 4 + 8) throw malformed(`the WebP RIFF size ${riffSize} leaves no room for an image`);
  let left = riffSize - 4;
  let first = true;
  while (left > 0) {
    if (left < 8) throw malformed('a WebP chunk header runs past the RIFF size');
    const header = yield* read(8, 'a chunk header');
    const fourcc = latin1(header, 0, 4);
    const size = header.readUInt32LE(4);
    if (first && fourcc !== 'VP8 ' && fourcc !== 'VP8L' && fourcc !== 'VP8X') {
      throw malformed(`a WebP must start with a VP8, VP8L or VP8X chunk, not ${JSON.stringify(fourcc)}`);
    }
    first = false;
    const padded = size + (size % 2);
    if (8 + padded > left) throw malformed(`WebP chunk ${JSON.stringify(fourcc)} runs past the RIFF size`);
    yield* skip(padded, `chunk ${JSON.stringify(fourcc)}`);
    left -= 8 + padded;
  }
  if (!(yield* atEnd())) throw malformed('the WebP file is longer than its RIFF size says');
  return { mimeType: 'image/webp', durationSeconds: null };
}

/** Brands of the MP4 family; ISO media of other brands (QuickTime, HEIF, AVIF, 3GP) is not accepted. */
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71', 'avc1', 'dash', 'M4V ']);
/** ftyp holds a few brands and mvhd about 100 bytes; anything far larger is not a real one. */
const MAX_SMALL_BOX_BYTES = 4096;

/**
 * ftyp first (with an MP4 brand), then top-level boxes walked by their sizes (32-bit, 64-bit
 * `largesize`, or 0 = to the end of the file) exactly to the end. A moov (whose mvhd gives the
 * duration) and an mdat must be there: without the mdat rule, a fast-start file cut right after
 * its moov would pass as whole.
 */
function* mp4(): Parser<MediaInspection> {
  const ftypSize = (yield* read(8, 'the ftyp box')).readUInt32BE(0);
  if (ftypSize < 16 || ftypSize > MAX_SMALL_BOX_BYTES || ftypSize % 4 !== 0) throw malformed(`the ftyp box has an impossible size ${ftypSize}`);
  const ftyp = yield* read(ftypSize - 8, 'the ftyp box');
  const brands = [latin1(ftyp, 0, 4)];
  for (let at = 8; at < ftyp.length; at += 4) brands.push(latin1(ftyp, at, at + 4));
  if (!brands.some((brand) => MP4_BRANDS.has(brand))) {
    throw new UnsupportedMediaTypeError(`the bytes are ISO media of brand ${JSON.stringify(brands[0])}, not MP4`);
  }
  yield* detected('video/mp4');
  let durationSeconds: number | null | undefined;
  let sawMediaData = false;
  while (!(yield* atEnd())) {
    const box = yield* boxHeader('a box header');
    if (box.type === 'mdat') sawMediaData = true;
    if (box.size === null) {
      if (box.type === 'moov') throw malformed('the MP4 moov box does not state its size');
      yield* skipToEnd();
      break;
    }
    if (box.type === 'moov') {
      if (durationSeconds !== undefined) throw malformed('the MP4 has two moov boxes');
      durationSeconds = yield* moov(box.size - box.headerSize);
    } else {
      yield* skip(box.size - box.headerSize, `box ${JSON.stringify(box.type)}`);
    }
  }
  if (durationSeconds === undefined) throw malformed('the MP4 has no moov box');
  if (!sawMediaData) throw malformed('the MP4 has no mdat box');
  return { mimeType: 'video/mp4', durationSeconds };
}

interface BoxHeader {
  type: string;
  /** The whole box, header included; null: it runs to the end of its container. */
  size: number | null;
  headerSize: number;
}

function* boxHeader(what: string): Parser<BoxHeader> {
  const header = yield* read(8, what);
  const size = header.readUInt32BE(0);
  const type = latin1(header, 4, 8);
  if (size === 0) return { type, size: null, headerSize: 8 };
  if (size === 1) {
    const large = (yield* read(8, `the size of box ${JSON.stringify(type)}`)).readBigUInt64BE(0);
    if (large < 16n || large > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`MP4 box ${JSON.stringify(type)} has an impossible size ${large}`);
    return { type, size: Number(large), headerSize: 16 };
  }
  if (size < 8) throw malformed(`MP4 box ${JSON.stringify(type)} has an impossible size ${size}`);
  return { type, size, headerSize: 8 };
}

/** Walks moov's children exactly to its end; the duration of its mvhd, if it has one. */
function* moov(length: number): Parser<number | null> {
  let left = length;
  let durationSeconds: number | null = null;
  while (left > 0) {
    if (left < 8) throw malformed('the MP4 moov box ends inside a box header');
    const box = yield* boxHeader('a box header inside moov');
    const size = box.size ?? left;
    if (size > left) throw malformed(`MP4 box moov.${box.type} runs past the end of moov`);
    if (box.type === 'mvhd') {
      if (size > MAX_SMALL_BOX_BYTES) throw malformed(`the MP4 mvhd box has an impossible size ${size}`);
      durationSeconds = mvhdDuration(yield* read(size - box.headerSize, 'the mvhd box'));
    } else {
      yield* skip(size - box.headerSize, `box moov.${box.type}`);
    }
    left -= size;
  }
  return durationSeconds;
}

/**
 * duration / timescale, in milliseconds' precision. Version 0 has 32-bit times, version 1
 * 64-bit; all ones means unknown, and fragmented files leave 0: both give null.
 */
function mvhdDuration(mvhd: Buffer): number | null {
  const version = mvhd.length > 0 ? mvhd[0] : -1;
  let timescale: number;
  let duration: bigint;
  let unknown: bigint;
  if (version === 0 && mvhd.length >= 20) {
    timescale = mvhd.readUInt32BE(12);
    duration = BigInt(mvhd.readUInt32BE(16));
    unknown = 0xffffffffn;
  } else if (version === 1 && mvhd.length >= 32) {
    timescale = mvhd.readUInt32BE(20);
    duration = mvhd.readBigUInt64BE(24);
    unknown = 0xffffffffffffffffn;
  } else {
    throw malformed(`the MP4 mvhd box (version ${version}, ${mvhd.length} bytes) is not one this reads`);
  }
  if (timescale === 0 || duration === 0n || duration === unknown) return null;
  return Math.round((Number(duration) / timescale) * 1000) / 1000;
}
