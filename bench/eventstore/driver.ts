import { performance } from 'node:perf_hooks';

export interface DriveResult {
  elapsedMs: number;
  /** Latency of each append, in input order. */
  latenciesMs: Float64Array;
}

/**
 * Runs `append` over `inputs` with `writers` concurrent writers pulling from one shared queue:
 * each writer has at most one append in flight, hence at most one pool connection, and no
 * writer idles while work remains (no tail where only some writers are busy, but the last
 * `writers - 1` appends). The clock covers the first append's start to the last one's end.
 */
export async function drive<P>(inputs: readonly P[], writers: number, append: (input: P) => Promise<void>): Promise<DriveResult> {
  const latenciesMs = new Float64Array(inputs.length);
  let next = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= inputs.length) return;
      const t0 = performance.now();
      await append(inputs[i]);
      latenciesMs[i] = performance.now() - t0;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(writers, inputs.length) }, writer));
  return { elapsedMs: performance.now() - start, latenciesMs };
}
