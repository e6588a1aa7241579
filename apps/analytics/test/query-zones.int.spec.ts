import { testPool } from '@lib/testing';
import type { Pool } from 'pg';
import { INTERVALS } from '../src/query';
import { BucketCalendar } from '../src/query/zone-buckets';

/**
 * The buckets are computed in JavaScript (ICU's tz database); the rollups and anyone checking
 * them by hand use PostgreSQL's date_trunc. Both must cut time at the same instants.
 */
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Australia/Adelaide',
  'America/Santiago',
  'America/Havana', // clocks go back from 01:00 to 00:00: midnight happens twice
  'Pacific/Chatham',
  'Africa/Casablanca',
  'America/St_Johns',
  'Asia/Gaza',
  'Pacific/Auckland',
];

/**
 * Where they differ on purpose, as (interval, start here, start in PostgreSQL). Here a bucket
 * begins where the clock first reads its start, or at the jump when the clocks skip it.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, readonly string[]>> = {
  // Midnight happens twice on 1 November (01:00 CDT back to 00:00 CST): PostgreSQL starts the
  // day at the second one, an hour after instants it puts in it (00:30 CDT); here, at the first.
  'America/Havana': ['day 2026-11-01T04:00:00.000Z 2026-11-01T05:00:00.000Z', 'month 2026-11-01T04:00:00.000Z 2026-11-01T05:00:00.000Z'],
  // Half-hour clock changes: 02:00 +11 back to 01:30 +10:30 (the hour from 01:00 +11 lasts 90
  // minutes here), and 02:00 +10:30 on to 02:30 +11 (the hour from the jump lasts 30 minutes here).
  'Australia/Lord_Howe': ['hour 2026-04-04T14:00:00.000Z 2026-04-04T14:30:00.000Z', 'hour 2026-10-03T15:30:00.000Z 2026-10-03T15:00:00.000Z'],
  // 02:45 +12:45 on to 03:45 +13:45: the hour 03:00 begins at the jump here.
  'Pacific/Chatham': ['hour 2026-09-26T14:00:00.000Z 2026-09-26T13:15:00.000Z'],
};

describe('bucket starts agree with PostgreSQL date_trunc', () => {
  let pool: Pool;

  beforeAll(() => {
    pool = testPool(1);
  });
  afterAll(async () => {
    await pool.end();
  });

  it.each(ZONES)('%s, every 37 minutes of 2026, for hours, days, weeks and months', async (tz) => {
    const { rows } = await pool.query<{ t: Date; hour: Date; day: Date; week: Date; month: Date }>(
      `SELECT t, date_trunc('hour', t, $1) AS hour, date_trunc('day', t, $1) AS day,
              date_trunc('week', t, $1) AS week, date_trunc('month', t, $1) AS month
       FROM generate_series('2026-01-01T00:00:00Z'::timestamptz, '2027-01-01T00:00:00Z', interval '37 minutes') AS t`,
      [tz],
    );
    const differences = new Set<string>();
    for (const interval of INTERVALS) {
      const calendar = new BucketCalendar(tz, interval);
      for (const row of rows) {
        const start = calendar.startOf(row.t.getTime());
        if (start !== row[interval].getTime()) differences.add(`${interval} ${new Date(start).toISOString()} ${row[interval].toISOString()}`);
      }
    }
    expect([...differences]).toEqual(KNOWN_DIFFERENCES[tz] ?? []);
  });
});
