import type { Aggregation } from '../src/query';
import { change, seriesAnswer, type BucketAggregate, type SeriesLayout } from '../src/query/series-answer';

const DAY = 86_400_000;
const start = Date.parse('2026-03-01T00:00:00Z');
/** Four daily buckets: two of the previous period, then two current ones. */
const layout = (compare: boolean, now = start + 10 * DAY): SeriesLayout => ({
  starts: compare ? [start, start + DAY, start + 2 * DAY, start + 3 * DAY] : [start + 2 * DAY, start + 3 * DAY],
  end: start + 4 * DAY,
  previousCount: compare ? 2 : 0,
  compare,
  now,
});
const buckets = (entries: Array<[number, number, number?]>): Map<number, BucketAggregate> =>
  new Map(entries.map(([index, value, weight]) => [index, { value, weight: weight ?? null }]));
const answer = (agg: Aggregation, data: Array<[number, number, number?]>, carried: number | null = null, compare = true) =>
  seriesAnswer('likes', agg, { buckets: buckets(data), carried }, layout(compare));
const values = (points: ReadonlyArray<{ value: number | null }> | undefined): Array<number | null> | undefined => points?.map((point) => point.value);

describe('series answers', () => {
  it('fills empty sum buckets with 0 and totals the points', () => {
    const series = answer('sum', [[1, 4], [2, 10]]);
    expect(values(series.previous)).toEqual([0, 4]);
    expect(values(series.points)).toEqual([10, 0]);
    expect(series.totals).toEqual({ current: 10, previous: 4, change: 1.5 });
  });

  it('weighs avg by observations over the whole period, null when there are none', () => {
    const series = answer('avg', [[2, 10, 4], [3, 2, 1]]);
    expect(values(series.points)).toEqual([2.5, 2]);
    expect(values(series.previous)).toEqual([null, null]);
    expect(series.totals).toEqual({ current: 12 / 5, previous: null, change: null });
  });

  it('leaves empty min and max buckets null, and takes the extreme over the period', () => {
    expect(answer('min', [[2, 3], [3, -1]]).totals.current).toBe(-1);
    expect(answer('max', [[0, 8], [3, 5]]).totals).toEqual({ current: 5, previous: 8, change: -3 / 8 });
    expect(values(answer('max', [[3, 5]]).points)).toEqual([null, 5]);
  });

  it('carries last forward from the value before the range, or from 0', () => {
    expect(values(answer('last', [[1, 7]], 3).previous)).toEqual([3, 7]);
    expect(values(answer('last', [[1, 7]], 3).points)).toEqual([7, 7]);
    expect(answer('last', [[3, 9]], 3).totals).toEqual({ current: 9, previous: 3, change: 2 });
    expect(values(answer('last', [], null, false).points)).toEqual([0, 0]);
  });

  it('gives ISO bucket starts, and complete only once a bucket has ended', () => {
    const series = seriesAnswer('likes', 'sum', { buckets: new Map(), carried: null }, layout(false, start + 3 * DAY + 1));
    expect(series.points).toEqual([
      { t: '2026-03-03T00:00:00.000Z', value: 0, complete: true },
      { t: '2026-03-04T00:00:00.000Z', value: 0, complete: false },
    ]);
    expect(series).not.toHaveProperty('previous');
    expect(series.totals).toEqual({ current: 0 });
  });

  it('computes the change as a ratio, null against 0 or nothing', () => {
    expect(change(15, 10)).toBe(0.5);
    expect(change(0, 10)).toBe(-1);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
    expect(change(3, null)).toBeNull();
  });
});
