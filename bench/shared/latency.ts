import { percentile, round } from './stats';

/** Milliseconds: nearest-rank percentiles of a sample of latencies. */
export interface Latency {
  iterations: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latencyOf(samplesMs: readonly number[]): Latency {
  const sample = Float64Array.from(samplesMs);
  return {
    iterations: sample.length,
    p50: round(percentile(sample, 50), 3),
    p95: round(percentile(sample, 95), 3),
    p99: round(percentile(sample, 99), 3),
    max: round(percentile(sample, 100), 3),
  };
}
