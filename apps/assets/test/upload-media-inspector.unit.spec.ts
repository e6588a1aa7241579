import type { AssetMimeType } from '@lib/contracts';
import { MalformedMediaError, MediaInspector, type MediaInspection } from '../src/upload/media-inspector';
import { UnsupportedMediaTypeError } from '../src/upload/upload-errors';
import { box, jpegBytes, mp4Bytes, noise, pngBytes, truncated, webpBytes } from './fixtures/media-files';

/** Feeds the bytes in chunks of `chunkSize` (or as split by `cuts`), then ends the file. */
function inspect(bytes: Buffer, chunkSize = bytes.length || 1): MediaInspection {
  const inspector = new MediaInspector();
  for (let at = 0; at < bytes.length; at += chunkSize) inspector.write(bytes.subarray(at, at + chunkSize));
  return inspector.end();
}

function refusal(bytes: Buffer, chunkSize?: number): unknown {
  try {
    inspect(bytes, chunkSize);
  } catch (error) {
    return error;
  }
  return null;
}

const image = (mimeType: AssetMimeType): MediaInspection => ({ mimeType, durationSeconds: null });

const VALID: ReadonlyArray<[string, Buffer, MediaInspection]> = [
  ['PNG', pngBytes(), image('image/png')],
  ['PNG 40×30', pngBytes({ width: 40, height: 30 }), image('image/png')],
  ['JPEG', jpegBytes(), image('image/jpeg')],
  ['JPEG with an embedded thumbnail', jpegBytes({ width: 32, height: 16, thumbnail: true }), image('image/jpeg')],
  ['WebP', webpBytes(), image('image/webp')],
  ['MP4, moov last', mp4Bytes({ durationSeconds: 3 }), { mimeType: 'video/mp4', durationSeconds: 3 }],
  ['MP4, moov first', mp4Bytes({ durationSeconds: 1.5, moovFirst: true }), { mimeType: 'video/mp4', durationSeconds: 1.5 }],
  ['MP4, 64-bit mdat size', mp4Bytes({ durationSeconds: 4, largeSize: true }), { mimeType: 'video/mp4', durationSeconds: 4 }],
  [
    'MP4, mvhd version 1',
    mp4Bytes({ durationSeconds: 12.345, timescale: 90_000, mvhdVersion: 1 }),
    { mimeType: 'video/mp4', durationSeconds: 12.345 },
  ],
  ['MP4, mdat to the end of the file', mp4Bytes({ durationSeconds: 2, mdatToEnd: true }), { mimeType: 'video/mp4', durationSeconds: 2 }],
  ['MP4 of brand mp42 only', mp4Bytes({ brands: ['mp42', 'mp42'] }), { mimeType: 'video/mp4', durationSeconds: 2 }],
];

describe('MediaInspector', () => {
  describe.each(VALID)('%s', (_name, bytes, expected) => {
    it('is detected and passes, whole or in chunks of any size', () => {
      expect(inspect(bytes)).toEqual(expected);
      for (const chunkSize of [1, 2, 3, 7, 13, 64]) expect(inspect(bytes, chunkSize)).toEqual(expected);
    });

    it('knows its type from the first bytes', () => {
      const inspector = new MediaInspector();
      inspector.write(bytes.subarray(0, 40));
      expect(inspector.detected).toBe(expected.mimeType);
    });
  });

  describe.each(VALID.filter(([name]) => !name.includes('to the end')))('%s, truncated', (_name, bytes) => {
    it('is refused whatever its length', () => {
      // Every cut of the small files, some 500 spread over the larger ones.
      for (let missing = 1; missing < bytes.length; missing += Math.ceil(bytes.length / 500)) {
        const error = refusal(truncated(bytes, missing), 64);
        // A few bytes, or an MP4 cut inside its ftyp, cannot even be recognised.
        expect(error).toBeInstanceOf(bytes.length - missing >= 40 ? MalformedMediaError : Error);
        expect(error instanceof MalformedMediaError || error instanceof UnsupportedMediaTypeError).toBe(true);
      }
    });
  });

  it('says where a truncated file ends', () => {
    expect(refusal(truncated(pngBytes(), 2))).toEqual(new MalformedMediaError('the PNG file ends inside chunk IEND: it is truncated'));
    expect(refusal(truncated(mp4Bytes(), 20))).toEqual(new MalformedMediaError('the MP4 file ends inside the mvhd box: it is truncated'));
    expect(refusal(truncated(jpegBytes(), 1))).toEqual(new MalformedMediaError('the JPEG file ends inside the image data: it is truncated'));
    const withThumbnail = jpegBytes({ thumbnail: true });
    const thumbnailEnd = withThumbnail.indexOf(Buffer.from([0xff, 0xd9])) + 2;
    // The thumbnail's EOI ends the APP1 segment that holds it, not the file.
    expect(refusal(withThumbnail.subarray(0, thumbnailEnd))).toEqual(new MalformedMediaError('the JPEG file ends inside a marker: it is truncated'));
  });

  it('cannot see a cut in an MP4 whose last box runs to the end of the file (the format allows no check)', () => {
    expect(inspect(truncated(mp4Bytes({ mdatToEnd: true }), 10))).toEqual({ mimeType: 'video/mp4', durationSeconds: 2 });
  });

  it.each([
    ['PNG', pngBytes(), 'data follows the PNG IEND chunk'],
    ['JPEG', jpegBytes(), 'data follows the JPEG EOI marker'],
    ['WebP', webpBytes(), 'the WebP file is longer than its RIFF size says'],
  ])('refuses a %s with data after its end', (_name, bytes, message) => {
    expect(refusal(Buffer.concat([bytes, Buffer.from([0])]))).toEqual(new MalformedMediaError(message));
  });

  it('refuses an MP4 with bytes after its last box', () => {
    expect(refusal(Buffer.concat([mp4Bytes(), Buffer.from([0, 0, 0])]))).toBeInstanceOf(MalformedMediaError);
  });

  it.each([
    ['text', Buffer.from('hello, this is not an image at all')],
    ['GIF', Buffer.concat([Buffer.from('GIF89a', 'latin1'), noise(40)])],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n', 'latin1')],
    ['too few bytes to tell', Buffer.from([0x89, 0x50, 0x4e])],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s as not an accepted type', (_name, bytes) => {
    expect(refusal(bytes)).toEqual(new UnsupportedMediaTypeError('the bytes are not JPEG, PNG, WebP or MP4'));
  });

  it.each([
    ['QuickTime', ['qt  ', 'qt  '], 'qt  '],
    ['HEIC', ['heic', 'mif1', 'heic'], 'heic'],
    ['AVIF', ['avif', 'mif1', 'miaf'], 'avif'],
  ])('refuses ISO media that is not MP4: %s', (_name, brands, major) => {
    expect(refusal(mp4Bytes({ brands }))).toEqual(new UnsupportedMediaTypeError(`the bytes are ISO media of brand "${major}", not MP4`));
  });

  describe('refuses broken structures', () => {
    const png = pngBytes();
    const ftyp = mp4Bytes().subarray(0, mp4Bytes().readUInt32BE(0));
    const moovOf = (bytes: Buffer): Buffer => {
      const at = bytes.indexOf('moov', 0, 'latin1') - 4;
      return bytes.subarray(at, at + bytes.readUInt32BE(at));
    };
    const moov = moovOf(mp4Bytes());
    const mdat = box('mdat', noise(16));
    const size = (bytes: Buffer, at: number, value: number, littleEndian = false): Buffer => {
      const copy = Buffer.from(bytes);
      if (littleEndian) copy.writeUInt32LE(value, at);
      else copy.writeUInt32BE(value, at);
      return copy;
    };

    it.each([
      ['a PNG whose first chunk is not IHDR', Buffer.concat([png.subarray(0, 12), Buffer.from('IDAT', 'latin1'), png.subarray(16)]), /IHDR/],
      ['a PNG with a chunk type that is not letters', Buffer.concat([png.subarray(0, 37), Buffer.from('ID1T', 'latin1'), png.subarray(41)]), /four letters/],
      ['a PNG without IDAT', Buffer.concat([png.subarray(0, 33), png.subarray(png.length - 12)]), /no IDAT/],
      [
        'a JPEG without image data',
        Buffer.concat([jpegBytes().subarray(0, 20), Buffer.from([0xff, 0xd9])]),
        /before any image data/,
      ],
      ['a JPEG with a segment length under 2', Buffer.concat([jpegBytes().subarray(0, 4), Buffer.from([0, 1]), noise(20)]), /impossible length 1/],
      ['a JPEG with junk where a marker belongs', Buffer.concat([jpegBytes().subarray(0, 20), Buffer.from([0x12, 0x34]), noise(20)]), /expected a JPEG marker/],
      ['a WebP whose first chunk is not an image', Buffer.concat([webpBytes().subarray(0, 12), Buffer.from('EXIF', 'latin1'), webpBytes().subarray(16)]), /VP8/],
      ['a WebP chunk running past the RIFF size', size(webpBytes(), 16, 100, true), /past the RIFF size/],
      ['an MP4 without moov', Buffer.concat([ftyp, mdat]), /no moov/],
      ['an MP4 without mdat', Buffer.concat([ftyp, moov]), /no mdat/],
      ['an MP4 with two moov boxes', Buffer.concat([ftyp, moov, mdat, moov]), /two moov/],
      ['an MP4 box smaller than its header', Buffer.concat([ftyp, size(mdat, 0, 4)]), /impossible size 4/],
      ['an MP4 moov child running past moov', Buffer.concat([ftyp, size(moov, 8, 200), mdat]), /runs past the end of moov/],
      ['an MP4 mvhd of an unknown version', Buffer.concat([ftyp, Buffer.from(moov).fill(2, 16, 17), mdat]), /mvhd box \(version 2/],
    ])('%s', (_name, bytes, message) => {
      const error = refusal(bytes);
      expect(error).toBeInstanceOf(MalformedMediaError);
      expect((error as Error).message).toMatch(message);
    });

    it('keeps refusing once it refused', () => {
      const inspector = new MediaInspector();
      expect(() => inspector.write(Buffer.from('plain text, not media'))).toThrow(UnsupportedMediaTypeError);
      expect(() => inspector.write(png)).toThrow(UnsupportedMediaTypeError);
      expect(() => inspector.end()).toThrow(UnsupportedMediaTypeError);
    });
  });

  it('gives no duration when mvhd has none: zero (fragmented files) or all ones (unknown)', () => {
    expect(inspect(mp4Bytes({ durationSeconds: 0 }))).toEqual({ mimeType: 'video/mp4', durationSeconds: null });
    const unknown = mp4Bytes({ moovFirst: true });
    unknown.writeUInt32BE(0xffffffff, unknown.indexOf('mvhd', 0, 'latin1') + 20);
    expect(inspect(unknown)).toEqual({ mimeType: 'video/mp4', durationSeconds: null });
  });
});
