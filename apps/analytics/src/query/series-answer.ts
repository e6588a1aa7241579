import type { Metric } from '@lib/contracts';
import type { Aggregation, SeriesAnswer, TimeseriesPoint } from './query.types';

/** One bucket's aggregate as read: `weight` is the observation count, read only for avg. */
export interface BucketAggregate {
  value: number;
  weight: number | null;
}

/** What the store holds for one metric of a series. */
export interface MetricBuckets {
  /** By bucket index (0 = the first bucket asked for); buckets without rows are absent. */
  buckets: ReadonlyMap<number, BucketAggregate>;
  /** For `last`: the value observed latest before the first bucket, if any. */
  carried: number | null;
}

export interface SeriesLayout {
  /** Bucket starts, ascending, epoch ms: the previous period's buckets first. */
  starts: readonly number[];
  /** The end of the last bucket. */
  end: number;
  /** How many of `starts` are the previous period's (0 without compare). */
  previousCount: number;
  compare: boolean;
  now: number;
}

/**
 * A metric's points and totals from its bucket aggregates: empty buckets are 0 for sum, carry
 * the last value forward for last, and are null otherwise.
 */
export function seriesAnswer(metric: Metric, agg: Aggregation, data: MetricBuckets, layout: SeriesLayout): SeriesAnswer {
  const values = bucketValues(agg, data, layout.starts.length);
  const points = (lo: number, hi: number): TimeseriesPoint[] =>
    values.slice(lo, hi).map((value, offset) => {
      const i = lo + offset;
      const end = i + 1 < layout.starts.length ? layout.starts[i + 1] : layout.end;
      return { t: new Date(layout.starts[i]).toISOString(), value, complete: end <= layout.now };
    });
  const { previousCount } = layout;
  const n = layout.starts.length;
  const current = total(agg, data, values, previousCount, n);
  if (!layout.compare) return { metric, points: points(previousCount, n), totals: { current } };
  const previous = total(agg, data, values, 0, previousCount);
  return {
    metric,
    points: points(previousCount, n),
    previous: points(0, previousCount),
    totals: { current, previous, change: change(current, previous) },
  };
}

function bucketValues(agg: Aggregation, data: MetricBuckets, count: number): Array<number | null> {
  let carried = data.carried ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const bucket = data.buckets.get(i);
    switch (agg) {
      case 'sum':
        return bucket ? bucket.value : 0;
      case 'avg':
        return bucket?.weight ? bucket.value / bucket.weight : null;
      case 'min':
      case 'max':
        return bucket ? bucket.value : null;
      case 'last':
        if (bucket) carried = bucket.value;
        return carried;
    }
  });
}

/** The aggregation over buckets [lo, hi): avg weighs by observations, not by bucket. */
function total(agg: Aggregation, data: MetricBuckets, values: ReadonlyArray<number | null>, lo: number, hi: number): number | null {
  const present = values.slice(lo, hi).filter((value): value is number => value !== null);
  switch (agg) {
    case 'sum':
      return present.reduce((sum, value) => sum + value, 0);
    case 'avg': {
      let sum = 0;
      let weight = 0;
      for (let i = lo; i < hi; i++) {
        const bucket = data.buckets.get(i);
        if (bucket?.weight) {
          sum += bucket.value;
          weight += bucket.weight;
        }
      }
      return weight > 0 ? sum / weight : null;
    }
    case 'min':
      return present.length > 0 ? Math.min(...present) : null;
    case 'max':
      return present.length > 0 ? Math.max(...present) : null;
    case 'last':
      return hi > lo ? values[hi - 1] : null;
  }
}

/** The relative change; null when there is nothing to compare with (a previous total of 0 or null). */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / previous;
}
