const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface RollupRange {
  rollup: 'daily' | 'hourly';
  /** [from, to), epoch ms. */
  from: number;
  to: number;
}

/** [from, to) widened to whole UTC hours, the finest grain of the rollups. */
export function wholeHours(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / HOUR_MS) * HOUR_MS, to: Math.ceil(to / HOUR_MS) * HOUR_MS };
}

/**
 * A whole-hour range as the fewest rollup rows: daily rollups for the whole UTC days inside it,
 * hourly rollups for the hours at either edge. Empty parts are left out.
 */
export function rollupRanges(from: number, to: number): RollupRange[] {
  const firstMidnight = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastMidnight = Math.floor(to / DAY_MS) * DAY_MS;
  const ranges: RollupRange[] =
    firstMidnight < lastMidnight
      ? [
          { rollup: 'hourly', from, to: firstMidnight },
          { rollup: 'daily', from: firstMidnight, to: lastMidnight },
          { rollup: 'hourly', from: lastMidnight, to },
        ]
      : [{ rollup: 'hourly', from, to }];
  return ranges.filter((range) => range.from < range.to);
}
