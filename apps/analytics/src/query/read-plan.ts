import type { SeriesSource } from './query.types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** [from, to), epoch ms. */
export interface Window {
  from: number;
  to: number;
}

/**
 * Which store each part of a series' range is read from, so that no row read straddles a bucket
 * boundary and as few rows as possible are read: the daily rollups for the UTC days that hold no
 * boundary; the hourly rollups for the UTC hours that hold none, within the days that do; the
 * raw observations for the hours that hold one (zones at half- or quarter-hour offsets). The
 * three lists of windows, each ascending and disjoint, tile the range exactly.
 */
export interface ReadPlan {
  daily: Window[];
  hourly: Window[];
  raw: Window[];
}

const floorTo = (value: number, unit: number): number => Math.floor(value / unit) * unit;
const ceilTo = (value: number, unit: number): number => Math.ceil(value / unit) * unit;

/** The units of `size` that hold a boundary off their own grid, ascending and distinct. */
function unitsHolding(boundaries: readonly number[], size: number): number[] {
  return [...new Set(boundaries.filter((boundary) => boundary % size !== 0).map((boundary) => floorTo(boundary, size)))];
}

/** The units of `size` at `starts` (ascending), as windows within [from, to): adjacent ones joined. */
function unitWindows(starts: readonly number[], size: number, from: number, to: number): Window[] {
  const windows: Window[] = [];
  for (const start of starts) {
    const window = { from: Math.max(start, from), to: Math.min(start + size, to) };
    const last = windows[windows.length - 1];
    if (window.from >= window.to) continue;
    if (last && last.to === window.from) last.to = window.to;
    else windows.push(window);
  }
  return windows;
}

/** The windows (ascending, disjoint) with the units of `size` at `holes` (ascending) cut out. */
function cutting(windows: readonly Window[], holes: readonly number[], size: number): Window[] {
  const result: Window[] = [];
  let next = 0;
  for (const window of windows) {
    while (next < holes.length && holes[next] + size <= window.from) next++;
    let from = window.from;
    for (let i = next; i < holes.length && holes[i] < window.to; i++) {
      if (holes[i] > from) result.push({ from, to: holes[i] });
      from = Math.max(from, holes[i] + size);
    }
    if (from < window.to) result.push({ from, to: window.to });
  }
  return result;
}

/** The read plan of buckets with these boundaries (every start, then the last end), ascending. */
export function readPlan(boundaries: readonly number[]): ReadPlan {
  const from = boundaries[0];
  const to = boundaries[boundaries.length - 1];
  const edgeDays = unitsHolding(boundaries, DAY_MS);
  const edgeHours = unitsHolding(boundaries, HOUR_MS);
  const wholeDays = ceilTo(from, DAY_MS) < floorTo(to, DAY_MS) ? [{ from: ceilTo(from, DAY_MS), to: floorTo(to, DAY_MS) }] : [];
  return {
    daily: cutting(wholeDays, edgeDays, DAY_MS),
    hourly: cutting(unitWindows(edgeDays, DAY_MS, ceilTo(from, HOUR_MS), floorTo(to, HOUR_MS)), edgeHours, HOUR_MS),
    raw: unitWindows(edgeHours, HOUR_MS, from, to),
  };
}

/** The finest store a plan reads, which is what the answer names (and what raw retention limits). */
export function sourceOf(plan: ReadPlan): SeriesSource {
  if (plan.raw.length > 0) return 'raw';
  return plan.hourly.length > 0 ? 'hourly' : 'daily';
}
