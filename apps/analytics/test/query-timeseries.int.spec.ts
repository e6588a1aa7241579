import { randomUUID } from 'node:crypto';
import { TimeseriesQueries, type TimeseriesAnswer, type TimeseriesRequest } from '../src/query';
import { everyFewMinutes, insertObservations, insertRollups, queryTestDatabase, storeObservations, type QueryTestDatabase, type RollupRow } from './query-test-kit';

const workspaceId = randomUUID();
const hourlyPost = randomUUID(); // an increment of 1 at half past every hour, around the 2026 clock changes
const dailyPost = randomUUID(); // daily rollups only
const followers = randomUUID(); // a cumulative series: 100 before March, then 120 and 110 on 2 March
const lateStarter = randomUUID(); // first observed on 2 March
const kolkataPost = randomUUID();
const rollupsOnly = randomUUID(); // observed long ago: hourly rollups, no raw rows left
const tiered = randomUUID(); // rows that differ between the stores, to tell which one a part is read from

const values = (answer: TimeseriesAnswer): Array<number | null> => answer.points.map((point) => point.value);
const starts = (answer: TimeseriesAnswer): string[] => answer.points.map((point) => point.t);

describe('timeseries queries', () => {
  let db: QueryTestDatabase;
  let now = new Date('2026-12-31T00:00:00Z');
  let queries: TimeseriesQueries;
  const ask = (request: Partial<TimeseriesRequest>): Promise<TimeseriesAnswer> =>
    queries.timeseries({
      workspaceId,
      metrics: ['impressions'],
      entityType: 'post',
      entityId: hourlyPost,
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T00:00:00Z'),
      interval: 'day',
      tz: 'UTC',
      agg: 'sum',
      compare: null,
      ...request,
    });

  beforeAll(async () => {
    db = await queryTestDatabase('analytics_query_series', '2026-01', '2026-12');
    queries = new TimeseriesQueries(db.pool, db.schema, { now: () => now, rawRetentionDays: 95 });
    const hourly = { workspaceId, entityType: 'post', entityId: hourlyPost, metric: 'impressions', platform: 'instagram' } as const;
    await storeObservations(db, [
      ...everyFewMinutes(hourly, '2026-03-05T00:30:00Z', '2026-04-01T00:00:00Z', 60),
      ...everyFewMinutes(hourly, '2026-10-22T00:30:00Z', '2026-11-05T00:00:00Z', 60),
      ...everyFewMinutes({ ...hourly, metric: 'likes' }, '2026-03-05T00:30:00Z', '2026-03-06T00:00:00Z', 60, 2),
    ]);
    const daily = (bucketStart: string, sum: number, count: number): RollupRow => ({
      workspaceId,
      entityType: 'post',
      entityId: dailyPost,
      metric: 'impressions',
      bucketStart,
      sum,
      count,
      min: 0,
      max: sum,
      last: sum,
      lastAt: bucketStart,
    });
    await insertRollups(db, 'daily', [
      daily('2026-02-26T00:00:00Z', 4, 1),
      daily('2026-02-27T00:00:00Z', 6, 2),
      daily('2026-03-01T00:00:00Z', 10, 2),
      daily('2026-03-02T00:00:00Z', 20, 8),
      daily('2026-03-04T00:00:00Z', 5, 1),
    ]);
    const cumulative = { workspaceId, entityType: 'account', entityId: followers, metric: 'followers', platform: 'x' } as const;
    await storeObservations(db, [
      { ...cumulative, at: '2026-02-27T12:00:00Z', value: 100 },
      { ...cumulative, at: '2026-03-02T10:00:00Z', value: 120, delta: 20 },
      { ...cumulative, at: '2026-03-02T15:00:00Z', value: 110, delta: -10 },
      { ...cumulative, entityId: lateStarter, at: '2026-03-02T10:00:00Z', value: 7 },
    ]);
    const kolkata = { workspaceId, entityType: 'post', entityId: kolkataPost, metric: 'impressions', platform: 'x' } as const;
    await storeObservations(
      db,
      [
        { ...kolkata, at: '2026-03-01T18:29:00Z', value: 1 },
        { ...kolkata, at: '2026-03-01T18:31:00Z', value: 2 },
        { ...kolkata, at: '2026-03-02T10:00:00Z', value: 4 },
        { ...kolkata, entityId: randomUUID(), at: '2026-03-02T11:00:00Z', value: 8 },
        { ...kolkata, workspaceId: randomUUID(), at: '2026-03-02T11:00:00Z', value: 1000 },
      ],
      { aggregates: true },
    );
    await insertRollups(db, 'hourly', [
      {
        workspaceId,
        entityType: 'post',
        entityId: rollupsOnly,
        metric: 'likes',
        bucketStart: '2026-02-20T10:00:00Z',
        sum: 77,
        count: 1,
        min: 77,
        max: 77,
        last: 77,
        lastAt: '2026-02-20T10:15:00Z',
      },
    ]);
  });
  afterAll(async () => {
    await db.dispose();
  });
  beforeEach(() => {
    now = new Date('2026-12-31T00:00:00Z');
  });

  describe('days across daylight-saving changes, from hourly rollups', () => {
    it('New York, 8 March 2026: a 23-hour day', async () => {
      const answer = await ask({ tz: 'America/New_York', from: new Date('2026-03-07T05:00:00Z'), to: new Date('2026-03-10T04:00:00Z') });
      expect(answer.source).toBe('hourly');
      expect(starts(answer)).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
      expect(values(answer)).toEqual([24, 23, 24]);
      expect(answer).toMatchObject({ from: '2026-03-07T05:00:00.000Z', to: '2026-03-10T04:00:00.000Z', tz: 'America/New_York', interval: 'day' });
    });

    it('New York, 1 November 2026: a 25-hour day', async () => {
      const answer = await ask({ tz: 'America/New_York', from: new Date('2026-10-31T04:00:00Z'), to: new Date('2026-11-03T05:00:00Z') });
      expect(starts(answer)).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
      expect(values(answer)).toEqual([24, 25, 24]);
    });

    it('Berlin, 29 March and 25 October 2026: 23 and 25 hours', async () => {
      const spring = await ask({ tz: 'Europe/Berlin', from: new Date('2026-03-27T23:00:00Z'), to: new Date('2026-03-30T22:00:00Z') });
      expect(starts(spring)).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
      expect(values(spring)).toEqual([24, 23, 24]);
      const autumn = await ask({ tz: 'Europe/Berlin', from: new Date('2026-10-23T22:00:00Z'), to: new Date('2026-10-26T23:00:00Z') });
      expect(starts(autumn)).toEqual(['2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
      expect(values(autumn)).toEqual([24, 25, 24]);
    });

    it('widens a range that starts and ends inside days to the whole days', async () => {
      const answer = await ask({ tz: 'America/New_York', from: new Date('2026-03-08T12:00:00Z'), to: new Date('2026-03-09T04:00:00.001Z') });
      expect(starts(answer)).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
      expect(values(answer)).toEqual([23, 24]);
    });

    it('local hours around the change: the repeated hour twice', async () => {
      const answer = await ask({ tz: 'America/New_York', interval: 'hour', from: new Date('2026-11-01T04:00:00Z'), to: new Date('2026-11-01T08:00:00Z') });
      expect(starts(answer)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
      expect(values(answer)).toEqual([1, 1, 1, 1]);
      expect(answer.source).toBe('hourly');
    });
  });

  it('reads UTC days from the daily rollups, with empty days 0', async () => {
    const answer = await ask({ entityId: dailyPost, from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    expect(answer.source).toBe('daily');
    expect(starts(answer)).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z']);
    expect(values(answer)).toEqual([10, 20, 0, 5]);
    expect(answer.series[0].totals).toEqual({ current: 35 });
    const avg = await ask({ entityId: dailyPost, agg: 'avg', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    expect(values(avg)).toEqual([5, 2.5, null, 5]);
    expect(avg.series[0].totals.current).toBeCloseTo(35 / 11, 12);
  });

  it('sums ISO weeks and calendar months', async () => {
    const weeks = await ask({ entityId: dailyPost, interval: 'week', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    expect(weeks.source).toBe('daily');
    expect(starts(weeks)).toEqual(['2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(values(weeks)).toEqual([20, 25]);
    const months = await ask({ tz: 'Europe/Berlin', interval: 'month', from: new Date('2026-03-10T00:00:00Z'), to: new Date('2026-04-10T00:00:00Z') });
    expect(months.source).toBe('hourly');
    expect(starts(months)).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    // Half past every hour from 5 March 00:30Z to 31 March 23:30Z; April (local) holds 22:30Z and 23:30Z.
    expect(values(months)).toEqual([26 * 24 + 22, 2]);
    const utcMonths = await ask({ entityId: dailyPost, interval: 'month', from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:01Z') });
    expect(utcMonths.source).toBe('daily');
    expect(values(utcMonths)).toEqual([10, 35]);
  });

  describe('a half-hour zone, from raw observations', () => {
    beforeEach(() => {
      now = new Date('2026-03-10T00:00:00Z');
    });

    it('splits local days at 18:30 UTC', async () => {
      const answer = await ask({ tz: 'Asia/Kolkata', entityId: kolkataPost, from: new Date('2026-02-28T18:30:00Z'), to: new Date('2026-03-02T18:30:00Z') });
      expect(answer.source).toBe('raw');
      expect(starts(answer)).toEqual(['2026-02-28T18:30:00.000Z', '2026-03-01T18:30:00.000Z']);
      expect(values(answer)).toEqual([1, 6]);
      const hours = await ask({ tz: 'Asia/Kolkata', interval: 'hour', entityId: kolkataPost, from: new Date('2026-03-01T18:00:00Z'), to: new Date('2026-03-01T19:00:00Z') });
      expect(starts(hours)).toEqual(['2026-03-01T17:30:00.000Z', '2026-03-01T18:30:00.000Z']);
      expect(values(hours)).toEqual([1, 2]);
    });

    it('totals a workspace over all of its raw rows, and refuses a platform or campaign (raw rows hold none of their activity)', async () => {
      const range = { tz: 'Asia/Kolkata', from: new Date('2026-02-28T18:30:00Z'), to: new Date('2026-03-02T18:30:00Z') };
      expect(values(await ask({ ...range, entityType: 'workspace', entityId: workspaceId }))).toEqual([1, 14]);
      for (const entity of [{ entityType: 'platform', entityId: 'x' }, { entityType: 'campaign', entityId: 'campaign-1' }] as const) {
        await expect(ask({ ...range, ...entity })).rejects.toMatchObject({
          statusCode: 400,
          message: expect.stringMatching(new RegExp(`^Asia/Kolkata .*${entity.entityType} series are answered in time zones whose offsets from UTC are whole hours$`)),
        });
      }
    });

    it('refuses a range that starts before raw retention, saying why', async () => {
      now = new Date('2026-07-01T00:00:00Z');
      const request = ask({ tz: 'Asia/Kolkata', entityId: kolkataPost, from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') });
      await expect(request).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/Asia\/Kolkata .*raw observations.*95 days/) });
      // Hour-aligned zones read the rollups, which are kept for ever.
      await expect(ask({ tz: 'Asia/Tokyo', entityId: kolkataPost, from: new Date('2026-03-01T00:00:00Z') })).resolves.toMatchObject({ source: 'hourly' });
    });
  });

  describe('empty buckets and aggregations', () => {
    const range: Partial<TimeseriesRequest> = {
      entityType: 'account',
      entityId: followers,
      metrics: ['followers'],
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-05T00:00:00Z'),
    };

    it('fills sum with 0, avg, min and max with null', async () => {
      expect(values(await ask({ ...range, agg: 'sum' }))).toEqual([0, 10, 0, 0]);
      expect(values(await ask({ ...range, agg: 'avg' }))).toEqual([null, 5, null, null]);
      expect(values(await ask({ ...range, agg: 'min' }))).toEqual([null, 110, null, null]);
      expect(values(await ask({ ...range, agg: 'max' }))).toEqual([null, 120, null, null]);
      expect((await ask({ ...range, agg: 'min' })).series[0].totals).toEqual({ current: 110 });
      expect((await ask({ ...range, agg: 'avg' })).series[0].totals).toEqual({ current: 5 });
      expect((await ask({ ...range, agg: 'avg', from: new Date('2026-03-03T00:00:00Z') })).series[0].totals).toEqual({ current: null });
    });

    it('carries last forward, from before the range, and from 0 when nothing came before', async () => {
      const daily = await ask({ ...range, agg: 'last' });
      expect(daily.source).toBe('daily');
      expect(values(daily)).toEqual([100, 110, 110, 110]);
      expect(daily.series[0].totals).toEqual({ current: 110 });
      // New York days (28 February to 4 March) from hourly rollups: 2 March's last is 110 (15:00Z), not the larger 120 (10:00Z).
      const local = await ask({ ...range, agg: 'last', tz: 'America/New_York' });
      expect(local.source).toBe('hourly');
      expect(values(local)).toEqual([100, 100, 110, 110, 110]);
      expect(values(await ask({ ...range, agg: 'last', entityId: lateStarter }))).toEqual([0, 7, 7, 7]);
    });

    it('carries last into a raw series from the raw rows, or from the rollups past retention', async () => {
      now = new Date('2026-03-10T00:00:00Z');
      const kolkata: Partial<TimeseriesRequest> = { tz: 'Asia/Kolkata', agg: 'last', from: new Date('2026-02-28T18:30:00Z'), to: new Date('2026-03-03T18:30:00Z') };
      const answer = await ask({ ...range, ...kolkata });
      expect(answer.source).toBe('raw');
      expect(values(answer)).toEqual([100, 110, 110]);
      expect(values(await ask({ ...kolkata, metrics: ['likes'], entityId: rollupsOnly }))).toEqual([77, 77, 77]);
    });
  });

  describe('each part of the range from the coarsest store that fits', () => {
    beforeAll(async () => {
      const rollup = (bucketStart: string, sum: number, metric: 'saves' | 'shares' = 'saves'): RollupRow => ({
        workspaceId,
        entityType: 'post',
        entityId: tiered,
        metric,
        bucketStart,
        sum,
        count: 1,
        min: sum,
        max: sum,
        last: sum,
        lastAt: bucketStart,
      });
      await insertRollups(db, 'daily', [rollup('2026-03-10T00:00:00Z', 1000), rollup('2026-03-01T00:00:00Z', 500)]);
      await insertRollups(db, 'hourly', [
        rollup('2026-03-01T06:00:00Z', 7),
        rollup('2026-03-10T12:00:00Z', 50_000),
        rollup('2026-03-01T10:00:00Z', 3, 'shares'),
        rollup('2026-03-01T18:00:00Z', 999, 'shares'),
      ]);
      const observation = { workspaceId, entityType: 'post', entityId: tiered, metric: 'shares' } as const;
      await insertObservations(db, [
        { ...observation, at: '2026-03-01T18:10:00Z', value: 5 },
        { ...observation, at: '2026-03-01T18:40:00Z', value: 2 },
        { ...observation, at: '2026-03-01T10:20:00Z', value: 100 },
      ]);
    });

    it('a local month: daily rollups for the UTC days inside it, hourly for the day its start falls in', async () => {
      const answer = await ask({ entityId: tiered, metrics: ['saves'], tz: 'America/New_York', interval: 'month', from: new Date('2026-03-01T05:00:00Z'), to: new Date('2026-04-01T04:00:00Z') });
      expect(answer.source).toBe('hourly');
      expect(values(answer)).toEqual([1000 + 7]);
    });

    it('a half-hour zone: hourly rollups for whole hours, raw rows for the hours a boundary falls in', async () => {
      now = new Date('2026-03-10T00:00:00Z');
      const answer = await ask({ entityId: tiered, metrics: ['shares'], tz: 'Asia/Kolkata', from: new Date('2026-02-28T18:30:00Z'), to: new Date('2026-03-02T18:30:00Z') });
      expect(answer.source).toBe('raw');
      expect(values(answer)).toEqual([3 + 5, 2]);
    });
  });

  it('marks buckets complete once their end has passed', async () => {
    now = new Date('2026-03-03T12:00:00Z');
    const answer = await ask({ entityId: dailyPost, from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
    expect(answer.points.map((point) => point.complete)).toEqual([true, true, false, false]);
    now = new Date('2026-03-04T00:00:00Z');
    const hours = await ask({ interval: 'hour', from: new Date('2026-03-03T22:00:00Z'), to: new Date('2026-03-04T01:00:00Z') });
    expect(hours.points.map((point) => point.complete)).toEqual([true, true, false]);
  });

  describe('compare with the previous period', () => {
    it('gives the previous buckets, both totals and the change', async () => {
      const answer = await ask({ entityId: dailyPost, compare: 'previous', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-03T00:00:00Z') });
      const [series] = answer.series;
      expect(series.previous).toEqual([
        { t: '2026-02-27T00:00:00.000Z', value: 6, complete: true },
        { t: '2026-02-28T00:00:00.000Z', value: 0, complete: true },
      ]);
      expect(series.points.map((point) => point.value)).toEqual([10, 20]);
      expect(series.totals).toEqual({ current: 30, previous: 6, change: 4 });
      expect(answer.from).toBe('2026-03-01T00:00:00.000Z');
    });

    it('gives no change when the previous total is 0', async () => {
      const answer = await ask({ entityId: dailyPost, compare: 'previous', from: new Date('2026-03-04T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z') });
      expect(answer.series[0].totals).toEqual({ current: 5, previous: 0, change: null });
    });

    it('shifts by whole local buckets across a clock change, and aggregates each period as a whole', async () => {
      const answer = await ask({ tz: 'America/New_York', agg: 'avg', compare: 'previous', from: new Date('2026-03-09T04:00:00Z'), to: new Date('2026-03-11T04:00:00Z') });
      const [series] = answer.series;
      expect(series.previous?.map((point) => point.t)).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z']);
      expect(series.totals).toEqual({ current: 1, previous: 1, change: 0 });
      const last = await ask({ entityType: 'account', entityId: followers, metrics: ['followers'], agg: 'last', compare: 'previous', from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-04T00:00:00Z') });
      expect(last.series[0].previous?.map((point) => point.value)).toEqual([100, 100]);
      expect(last.series[0].totals).toEqual({ current: 110, previous: 100, change: 0.1 });
    });
  });

  it('answers several metrics in the order asked, the first mirrored at the top', async () => {
    const answer = await ask({ metrics: ['likes', 'impressions'], from: new Date('2026-03-05T00:00:00Z'), to: new Date('2026-03-07T00:00:00Z') });
    expect(answer.series.map((series) => [series.metric, series.points.map((point) => point.value)])).toEqual([
      ['likes', [48, 0]],
      ['impressions', [24, 24]],
    ]);
    expect(answer.metric).toBe('likes');
    expect(answer.points).toEqual(answer.series[0].points);
  });
});
