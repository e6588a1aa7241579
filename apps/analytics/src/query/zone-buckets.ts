import { ValidationError } from '@lib/service-kit';
import type { Interval } from './query.types';

const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Every UTC offset in the tz database lies within UTC-12..UTC+14, so the instants at which a
 * zone's clocks read a given wall time lie between 14 hours before and 12 hours after it
 * (taken as if it were UTC).
 */
const MAX_OFFSET_MS = 14 * HOUR_MS;
const MIN_OFFSET_MS = -12 * HOUR_MS;

/**
 * Bounds on what is remembered, past which it is forgotten and measured anew: zone names are
 * the caller's (any spelling Intl accepts: case, aliases), so they must not grow memory for ever.
 */
const MAX_ZONES = 32;
const MAX_REMEMBERED = 20_000;

const zones = new Map<string, ZoneOffsets>();

/**
 * One ZoneOffsets per zone name for the process: offsets are facts of the tz database, and
 * building a formatter and measuring offsets cost far more than looking them up again.
 */
function offsetsOf(timeZone: string): ZoneOffsets {
  let offsets = zones.get(timeZone);
  if (!offsets) {
    if (zones.size >= MAX_ZONES) zones.clear();
    offsets = new ZoneOffsets(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
    );
    zones.set(timeZone, offsets);
  }
  return offsets;
}

function floorTo(value: number, unit: number): number {
  return Math.floor(value / unit) * unit;
}

/**
 * A zone's UTC offset at any instant, from the runtime's tz database (ICU), asking Intl once per
 * UTC midnight touched plus a binary search per change of offset. Sound because no zone changes
 * its offset twice within a day: the closest two changes in the tz database since 1900 are
 * four days apart.
 */
export class ZoneOffsets {
  private readonly atMidnights = new Map<number, number>();
  private readonly changes = new Map<number, number>();

  constructor(private readonly formatter: Intl.DateTimeFormat) {}

  /** Wall-clock time minus UTC at `instant`, in milliseconds. */
  at(instant: number): number {
    const day = floorTo(instant, DAY_MS);
    const before = this.atMidnight(day);
    const after = this.atMidnight(day + DAY_MS);
    if (before === after) return before;
    return instant < this.changeAfter(day) ? before : after;
  }

  /** The instant of the one offset change within (lo, hi], a window shorter than two days. */
  changeWithin(lo: number, hi: number): number {
    for (let day = floorTo(lo, DAY_MS); day < hi; day += DAY_MS) {
      if (this.atMidnight(day) !== this.atMidnight(day + DAY_MS)) return this.changeAfter(day);
    }
    throw new Error(`No UTC offset change between ${new Date(lo).toISOString()} and ${new Date(hi).toISOString()}`);
  }

  /** The first instant (to the second: changes fall on whole seconds) of the new offset, within (day, day + 1 day]. */
  private changeAfter(day: number): number {
    let change = this.changes.get(day);
    if (change === undefined) {
      const before = this.atMidnight(day);
      let lo = day;
      let hi = day + DAY_MS;
      while (hi - lo > SECOND_MS) {
        const mid = lo + floorTo((hi - lo) / 2, SECOND_MS);
        if (this.measure(mid) === before) lo = mid;
        else hi = mid;
      }
      change = hi;
      if (this.changes.size >= MAX_REMEMBERED) this.changes.clear();
      this.changes.set(day, change);
    }
    return change;
  }

  private atMidnight(day: number): number {
    let offset = this.atMidnights.get(day);
    if (offset === undefined) {
      if (this.atMidnights.size >= MAX_REMEMBERED) this.atMidnights.clear();
      offset = this.measure(day);
      this.atMidnights.set(day, offset);
    }
    return offset;
  }

  /** The offset at a whole second, as the wall time Intl shows minus the instant. */
  private measure(instant: number): number {
    const field: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(instant)) {
      if (part.type !== 'literal') field[part.type] = Number(part.value);
    }
    return Date.UTC(field.year, field.month - 1, field.day, field.hour, field.minute, field.second) - instant;
  }
}

/**
 * The buckets of one interval in one time zone: local hours, local days (23 or 25 hours long
 * across a daylight-saving change), ISO weeks from Monday 00:00 local, calendar months.
 *
 * A bucket begins where the local clock first reads its start (a local midnight, the 1st of a
 * month); when the clocks jump over that reading, at the jump. Hours are the exception when the
 * clocks go back: the repeated hour is a bucket of its own each time, so hours stay an hour long.
 * Wall times are handled as "keys": the local date and time written as if it were UTC, in ms.
 */
export class BucketCalendar {
  private readonly offsets: ZoneOffsets;

  constructor(
    timeZone: string,
    readonly interval: Interval,
  ) {
    this.offsets = offsetsOf(timeZone);
  }

  /** The start of the bucket holding `instant` (epoch ms). */
  startOf(instant: number): number {
    for (let key = this.keyOf(instant); ; key = this.shift(key, -1)) {
      const starts = this.startsOf(key).filter((start) => start <= instant);
      if (starts.length > 0) return starts[starts.length - 1];
    }
  }

  /** The start of the bucket after the one that starts at `start`. */
  after(start: number): number {
    for (let key = this.keyOf(start); ; key = this.shift(key, 1)) {
      const next = this.startsOf(key).find((candidate) => candidate > start);
      if (next !== undefined) return next;
    }
  }

  private keyOf(instant: number): number {
    const wall = instant + this.offsets.at(instant);
    switch (this.interval) {
      case 'hour':
        return floorTo(wall, HOUR_MS);
      case 'day':
        return floorTo(wall, DAY_MS);
      case 'week': {
        // Days since Monday: 1970-01-01 was a Thursday, three days after one.
        const days = Math.floor(wall / DAY_MS);
        return (days - (((days + 3) % 7) + 7) % 7) * DAY_MS;
      }
      case 'month': {
        const date = new Date(wall);
        return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      }
    }
  }

  private shift(key: number, buckets: number): number {
    switch (this.interval) {
      case 'hour':
        return key + buckets * HOUR_MS;
      case 'day':
        return key + buckets * DAY_MS;
      case 'week':
        return key + buckets * 7 * DAY_MS;
      case 'month': {
        const date = new Date(key);
        return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + buckets, 1);
      }
    }
  }

  /**
   * The instants at which buckets keyed `key` begin, ascending: those at which the clock reads
   * `key` (two when the clocks go back over it: both for hours, the first otherwise), or the
   * jump when the clocks skip it.
   */
  private startsOf(key: number): number[] {
    // At most one offset change falls within the candidates' window, so these are all its offsets.
    const early = this.offsets.at(key - MAX_OFFSET_MS);
    const late = this.offsets.at(key - MIN_OFFSET_MS);
    const starts: number[] = [];
    // When both are valid the clocks went back (early > late), so key - early comes first.
    if (this.offsets.at(key - early) === early) starts.push(key - early);
    if (late !== early && this.offsets.at(key - late) === late) starts.push(key - late);
    if (starts.length === 0) return [this.offsets.changeWithin(key - MAX_OFFSET_MS, key - MIN_OFFSET_MS)];
    return this.interval === 'hour' ? starts : starts.slice(0, 1);
  }
}

export interface BucketRange {
  /** Bucket starts, ascending, epoch ms. */
  starts: number[];
  /** The end of the last bucket. */
  end: number;
}

/**
 * The buckets covering [from, to): the first holds `from`, the last holds the instant just
 * before `to`. More than `maxBuckets` is refused (400) before the rest are computed.
 */
export function bucketsCovering(calendar: BucketCalendar, from: number, to: number, maxBuckets: number): BucketRange {
  const starts = [calendar.startOf(from)];
  const last = calendar.startOf(to - 1);
  while (starts[starts.length - 1] < last) {
    if (starts.length === maxBuckets) {
      throw new ValidationError(`from..to spans more than ${maxBuckets} ${calendar.interval} buckets: narrow the range or choose a longer interval`);
    }
    starts.push(calendar.after(starts[starts.length - 1]));
  }
  return { starts, end: calendar.after(last) };
}

/**
 * The `count` bucket starts just before `first`, ascending; only those at `notBefore` or later,
 * so fewer when the period would reach before it (and no time is spent on the buckets past it).
 */
export function bucketsBefore(calendar: BucketCalendar, first: number, count: number, notBefore = Number.NEGATIVE_INFINITY): number[] {
  const starts: number[] = [];
  for (let start = first; starts.length < count; ) {
    start = calendar.startOf(start - 1);
    if (start < notBefore) break;
    starts.push(start);
  }
  return starts.reverse();
}
