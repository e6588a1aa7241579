export interface RetryPolicyOptions {
  /** Deliveries of one publication per round, the first included. */
  maxAttempts: number;
  /** Wait after the first failure; doubles with each further one. */
  baseDelayMs: number;
  /** Longest wait between two attempts. */
  maxDelayMs: number;
  /** Share of each wait (0..1) drawn at random, so failed jobs do not retry in lock-step. */
  jitter: number;
  /** In [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

/** Exponential backoff with jitter: `min(max, base * 2^(attempt-1))`, less up to `jitter` of it. */
export class RetryPolicy {
  constructor(private readonly options: RetryPolicyOptions) {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new Error('maxAttempts must be an integer of at least 1');
    if (options.baseDelayMs < 0 || options.maxDelayMs < options.baseDelayMs) throw new Error('need 0 <= baseDelayMs <= maxDelayMs');
    if (options.jitter < 0 || options.jitter > 1) throw new Error('jitter must be within 0..1');
  }

  get maxAttempts(): number {
    return this.options.maxAttempts;
  }

  /** Whether a publication that failed on its `attempts`-th delivery gets another one. */
  canRetry(attempts: number): boolean {
    return attempts < this.options.maxAttempts;
  }

  /** The wait after the `attempts`-th failed delivery. */
  delayMs(attempts: number): number {
    const { baseDelayMs, maxDelayMs, jitter, random = Math.random } = this.options;
    const full = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
    return Math.round(full * (1 - jitter * random()));
  }
}
