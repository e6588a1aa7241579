import type { Interval } from '../src/query';
import { readPlan, sourceOf, type ReadPlan } from '../src/query/read-plan';
import { rollupRanges, wholeHours } from '../src/query/rollup-ranges';
import { BucketCalendar, bucketsCovering } from '../src/query/zone-buckets';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string): number => Date.parse(iso);
const window = (from: string, to: string): { from: number; to: number } => ({ from: at(from), to: at(to) });

function boundaries(tz: string, interval: Interval, from: string, to: string): number[] {
  const range = bucketsCovering(new BucketCalendar(tz, interval), at(from), at(to), 2000);
  return [...range.starts, range.end];
}

/** Which parts of the plan read the instant: exactly one must. */
function readersOf(plan: ReadPlan, instant: number): Array<keyof ReadPlan> {
  return (['daily', 'hourly', 'raw'] as const).filter((store) => plan[store].some((w) => instant >= w.from && instant < w.to));
}

describe('read plans', () => {
  it('reads UTC days from the daily rollups alone', () => {
    const plan = readPlan(boundaries('UTC', 'day', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z'));
    expect(plan).toEqual({ daily: [window('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z')], hourly: [], raw: [] });
    expect(sourceOf(plan)).toBe('daily');
  });

  it('reads UTC hours, and days of whole-hour zones, from the hourly rollups as one window', () => {
    const hours = readPlan(boundaries('UTC', 'hour', '2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z'));
    expect(hours).toEqual({ daily: [], hourly: [window('2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z')], raw: [] });
    const days = readPlan(boundaries('America/New_York', 'day', '2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z'));
    expect(days).toEqual({ daily: [], hourly: [window('2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z')], raw: [] });
    expect(sourceOf(days)).toBe('hourly');
  });

  it('reads local months from daily rollups, but for the UTC days that hold a boundary', () => {
    const plan = readPlan(boundaries('America/New_York', 'month', '2026-03-01T05:00:00Z', '2026-05-01T04:00:00Z'));
    expect(plan).toEqual({
      daily: [window('2026-03-02T00:00:00Z', '2026-04-01T00:00:00Z'), window('2026-04-02T00:00:00Z', '2026-05-01T00:00:00Z')],
      hourly: [window('2026-03-01T05:00:00Z', '2026-03-02T00:00:00Z'), window('2026-04-01T00:00:00Z', '2026-04-02T00:00:00Z'), window('2026-05-01T00:00:00Z', '2026-05-01T04:00:00Z')],
      raw: [],
    });
  });

  it('reads half-hour zones raw only in the hours that hold a boundary', () => {
    const days = readPlan(boundaries('Asia/Kolkata', 'day', '2026-02-28T18:30:00Z', '2026-03-02T18:30:00Z'));
    expect(days).toEqual({
      daily: [],
      hourly: [window('2026-02-28T19:00:00Z', '2026-03-01T18:00:00Z'), window('2026-03-01T19:00:00Z', '2026-03-02T18:00:00Z')],
      raw: [window('2026-02-28T18:30:00Z', '2026-02-28T19:00:00Z'), window('2026-03-01T18:00:00Z', '2026-03-01T19:00:00Z'), window('2026-03-02T18:00:00Z', '2026-03-02T18:30:00Z')],
    });
    expect(sourceOf(days)).toBe('raw');
    const hours = readPlan(boundaries('Asia/Kolkata', 'hour', '2026-03-01T00:00:00Z', '2026-03-01T03:00:00Z'));
    expect(hours).toEqual({ daily: [], hourly: [], raw: [window('2026-02-28T23:30:00Z', '2026-03-01T03:30:00Z')] });
  });

  it.each([
    ['UTC', 'hour', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z'],
    ['America/New_York', 'day', '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z'],
    ['America/New_York', 'month', '2026-01-01T00:00:00Z', '2026-12-01T00:00:00Z'],
    ['Europe/Berlin', 'week', '2026-03-01T00:00:00Z', '2026-04-20T00:00:00Z'],
    ['Asia/Kolkata', 'week', '2026-03-01T00:00:00Z', '2026-04-20T00:00:00Z'],
    ['Asia/Kathmandu', 'day', '2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z'],
    ['Australia/Lord_Howe', 'hour', '2026-04-04T10:00:00Z', '2026-04-05T10:00:00Z'],
  ] as const)('tiles %s %s buckets exactly, no row read straddling a boundary', (tz, interval, from, to) => {
    const edges = boundaries(tz, interval, from, to);
    const plan = readPlan(edges);
    const straddles = (start: number, size: number): boolean => edges.some((edge) => edge > start && edge < start + size);
    const faults: string[] = [];
    for (let instant = edges[0]; instant < edges[edges.length - 1]; instant += 10 * MINUTE) {
      const readers = readersOf(plan, instant);
      const straddling =
        (readers[0] === 'daily' && straddles(Math.floor(instant / DAY) * DAY, DAY)) || (readers[0] === 'hourly' && straddles(Math.floor(instant / HOUR) * HOUR, HOUR));
      if (readers.length !== 1 || straddling) faults.push(`${new Date(instant).toISOString()}: ${readers.join(', ') || 'unread'}${straddling ? ' (straddles)' : ''}`);
    }
    expect(faults).toEqual([]);
    for (const instant of [edges[0] - 1, edges[edges.length - 1]]) expect(readersOf(plan, instant)).toEqual([]);
  });
});

describe('rollup ranges of top and summary', () => {
  it('widens to whole UTC hours', () => {
    expect(wholeHours(at('2026-03-01T10:20:00Z'), at('2026-03-01T12:00:01Z'))).toEqual(window('2026-03-01T10:00:00Z', '2026-03-01T13:00:00Z'));
  });

  it('reads whole UTC days from daily rollups and the edges from hourly ones', () => {
    expect(rollupRanges(at('2026-03-01T10:00:00Z'), at('2026-03-04T14:00:00Z'))).toEqual([
      { rollup: 'hourly', ...window('2026-03-01T10:00:00Z', '2026-03-02T00:00:00Z') },
      { rollup: 'daily', ...window('2026-03-02T00:00:00Z', '2026-03-04T00:00:00Z') },
      { rollup: 'hourly', ...window('2026-03-04T00:00:00Z', '2026-03-04T14:00:00Z') },
    ]);
    expect(rollupRanges(at('2026-03-01T00:00:00Z'), at('2026-03-31T00:00:00Z'))).toEqual([{ rollup: 'daily', ...window('2026-03-01T00:00:00Z', '2026-03-31T00:00:00Z') }]);
    expect(rollupRanges(at('2026-03-01T10:00:00Z'), at('2026-03-02T05:00:00Z'))).toEqual([{ rollup: 'hourly', ...window('2026-03-01T10:00:00Z', '2026-03-02T05:00:00Z') }]);
  });
});
