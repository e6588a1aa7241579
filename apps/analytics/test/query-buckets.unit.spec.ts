import { ValidationError } from '@lib/service-kit';
import type { Interval } from '../src/query';
import { BucketCalendar, bucketsBefore, bucketsCovering } from '../src/query/zone-buckets';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const isos = (instants: readonly number[]): string[] => instants.map((instant) => new Date(instant).toISOString());

/** Bucket starts and end of [from, to) in `tz`, as ISO strings. */
function buckets(tz: string, interval: Interval, from: string, to: string): { starts: string[]; end: string } {
  const range = bucketsCovering(new BucketCalendar(tz, interval), at(from), at(to), 2000);
  return { starts: isos(range.starts), end: new Date(range.end).toISOString() };
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** What the zone's clocks read at an instant, by Intl directly: "2026-03-08 03:00". */
function wallClock(tz: string, instant: number): string {
  let clock = clocks.get(tz);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    clocks.set(tz, clock);
  }
  const parts = Object.fromEntries(clock.formatToParts(instant).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

describe('bucket boundaries in a time zone', () => {
  it('starts UTC days, weeks and months at UTC midnights', () => {
    expect(buckets('UTC', 'day', '2026-03-01T10:00:00Z', '2026-03-03T00:00:00Z')).toEqual({
      starts: ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      end: '2026-03-03T00:00:00.000Z',
    });
    // 2026-03-04 is a Wednesday: its ISO week started on Monday the 2nd.
    expect(buckets('UTC', 'week', '2026-03-04T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual({
      starts: ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z'],
      end: '2026-03-16T00:00:00.000Z',
    });
    expect(buckets('UTC', 'month', '2026-01-31T23:00:00Z', '2026-03-01T00:00:01Z')).toEqual({
      starts: ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      end: '2026-04-01T00:00:00.000Z',
    });
  });

  it('widens the range to whole buckets: the one holding from, through the one holding the instant before to', () => {
    expect(buckets('UTC', 'hour', '2026-03-01T10:59:59.999Z', '2026-03-01T12:00:00.001Z')).toEqual({
      starts: ['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z'],
      end: '2026-03-01T13:00:00.000Z',
    });
    expect(buckets('UTC', 'hour', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z').starts).toEqual(['2026-03-01T10:00:00.000Z']);
  });

  it('makes the New York days of the 2026 clock changes 23 and 25 hours long', () => {
    const spring = buckets('America/New_York', 'day', '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z');
    expect(spring).toEqual({
      starts: ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
      end: '2026-03-10T04:00:00.000Z',
    });
    const autumn = buckets('America/New_York', 'day', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z');
    expect(autumn).toEqual({
      starts: ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
      end: '2026-11-03T05:00:00.000Z',
    });
    expect((at(spring.starts[2]) - at(spring.starts[1])) / HOUR).toBe(23);
    expect((at(autumn.starts[2]) - at(autumn.starts[1])) / HOUR).toBe(25);
  });

  it('makes the Berlin days of the 2026 clock changes 23 and 25 hours long', () => {
    expect(buckets('Europe/Berlin', 'day', '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual({
      starts: ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      end: '2026-03-30T22:00:00.000Z',
    });
    expect(buckets('Europe/Berlin', 'day', '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z')).toEqual({
      starts: ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
      end: '2026-10-26T23:00:00.000Z',
    });
  });

  it('keeps local hours an hour long: the skipped hour is missing, the repeated one appears twice', () => {
    expect(buckets('America/New_York', 'hour', '2026-03-08T05:00:00Z', '2026-03-08T08:00:00Z').starts).toEqual([
      '2026-03-08T05:00:00.000Z', // 00:00 EST
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
    ]);
    expect(buckets('America/New_York', 'hour', '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z').starts).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('starts ISO weeks on Monday 00:00 local and months on the 1st, local', () => {
    // Berlin's week of the spring change: Monday 23 March 00:00 CET to Monday 30 March 00:00 CEST.
    expect(buckets('Europe/Berlin', 'week', '2026-03-29T12:00:00Z', '2026-03-29T13:00:00Z')).toEqual({
      starts: ['2026-03-22T23:00:00.000Z'],
      end: '2026-03-29T22:00:00.000Z',
    });
    expect(buckets('America/New_York', 'month', '2026-03-15T00:00:00Z', '2026-04-15T00:00:00Z')).toEqual({
      starts: ['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
      end: '2026-05-01T04:00:00.000Z',
    });
    // Sunday 1 March 2026 at 23:30 in New York is still in the ISO week that began on 23 February.
    expect(buckets('America/New_York', 'week', '2026-03-02T04:30:00Z', '2026-03-02T04:31:00Z').starts).toEqual(['2026-02-23T05:00:00.000Z']);
  });

  it('aligns half-hour zones to their own hours and days', () => {
    expect(buckets('Asia/Kolkata', 'day', '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z')).toEqual({
      starts: ['2026-02-28T18:30:00.000Z', '2026-03-01T18:30:00.000Z'],
      end: '2026-03-02T18:30:00.000Z',
    });
    expect(buckets('Asia/Kathmandu', 'hour', '2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z').starts).toEqual([
      '2026-02-28T23:15:00.000Z',
      '2026-03-01T00:15:00.000Z',
    ]);
  });

  it('starts a day at the jump when the clocks skip its midnight (Santiago, 6 September 2026)', () => {
    // 00:00 -04 does not exist: the clocks go from 23:59:59 -04 to 01:00 -03 at 04:00Z.
    expect(buckets('America/Santiago', 'day', '2026-09-05T12:00:00Z', '2026-09-07T12:00:00Z')).toEqual({
      starts: ['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z'],
      end: '2026-09-08T03:00:00.000Z',
    });
    // Back in April: Saturday 4 April runs to midnight -04, 25 hours.
    expect(buckets('America/Santiago', 'day', '2026-04-04T12:00:00Z', '2026-04-05T12:00:00Z')).toEqual({
      starts: ['2026-04-04T03:00:00.000Z', '2026-04-05T04:00:00.000Z'],
      end: '2026-04-06T04:00:00.000Z',
    });
  });

  it('starts a day at the first of two midnights when the clocks go back over it (Havana, 1 November 2026)', () => {
    // 01:00 CDT goes back to 00:00 CST at 05:00Z: the clock reads 00:00 at 04:00Z and again at 05:00Z.
    expect(buckets('America/Havana', 'day', '2026-11-01T04:30:00Z', '2026-11-02T12:00:00Z')).toEqual({
      starts: ['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
      end: '2026-11-03T05:00:00.000Z',
    });
  });

  it('handles half-hour clock changes (Lord Howe Island)', () => {
    // 5 April 2026: 02:00 +11 goes back to 01:30 +10:30, so the hour from 01:00 +11 lasts 90 minutes.
    expect(buckets('Australia/Lord_Howe', 'hour', '2026-04-04T14:00:00Z', '2026-04-04T16:00:00Z')).toEqual({
      starts: ['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z'],
      end: '2026-04-04T16:30:00.000Z',
    });
    // 4 October 2026: 02:00 +10:30 jumps to 02:30 +11, so the hour from the jump lasts 30 minutes.
    expect(buckets('Australia/Lord_Howe', 'hour', '2026-10-03T14:30:00Z', '2026-10-03T17:00:00Z')).toEqual({
      starts: ['2026-10-03T14:30:00.000Z', '2026-10-03T15:30:00.000Z', '2026-10-03T16:00:00.000Z'],
      end: '2026-10-03T17:00:00.000Z',
    });
  });

  it('tiles time without gaps in many zones: each bucket holds its instants, and starts on the local boundary', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana', 'Pacific/Chatham', 'Africa/Casablanca', 'America/St_Johns'];
    const intervals: Interval[] = ['hour', 'day', 'week', 'month'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (const tz of zones) {
      for (const interval of intervals) {
        const calendar = new BucketCalendar(tz, interval);
        for (let i = 0; i < 40; i++) {
          const instant = Date.UTC(2024, 0, 1) + Math.floor(random() * 3 * 365 * 24) * HOUR + Math.floor(random() * HOUR);
          const start = calendar.startOf(instant);
          const next = calendar.after(start);
          expect(start).toBeLessThanOrEqual(instant);
          expect(next).toBeGreaterThan(instant);
          expect(calendar.startOf(next - 1)).toBe(start);
          expect(calendar.startOf(next)).toBe(next);
          expect(calendar.startOf(start - 1)).toBeLessThan(start);
          const clock = wallClock(tz, start);
          const expected = { hour: /:00$/, day: / 00:00$/, week: / 00:00$/, month: /-01 00:00$/ }[interval];
          // Off the boundary only where the clocks jumped over it (the clock then reads later).
          if (!expected.test(clock)) expect(wallClock(tz, start - 1000)).not.toBe(clock);
        }
      }
    }
  });

  it('counts the previous period in whole buckets of its own length', () => {
    const calendar = new BucketCalendar('America/New_York', 'day');
    const current = bucketsCovering(calendar, at('2026-03-08T05:00:00Z'), at('2026-03-10T04:00:00Z'), 2000);
    expect(isos(bucketsBefore(calendar, current.starts[0], current.starts.length))).toEqual(['2026-03-06T05:00:00.000Z', '2026-03-07T05:00:00.000Z']);
  });

  it('refuses more than the maximum number of buckets', () => {
    const calendar = new BucketCalendar('UTC', 'hour');
    expect(bucketsCovering(calendar, 0, 2000 * HOUR, 2000).starts).toHaveLength(2000);
    expect(() => bucketsCovering(calendar, 0, 2000 * HOUR + 1, 2000)).toThrow(ValidationError);
    expect(() => bucketsCovering(calendar, 0, 2000 * HOUR + 1, 2000)).toThrow('more than 2000 hour buckets');
  });
});
