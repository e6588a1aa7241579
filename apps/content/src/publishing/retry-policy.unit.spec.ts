import { RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  it('doubles the wait from the base after each failure, up to the cap', () => {
    const policy = new RetryPolicy({ maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 5_000, jitter: 0 });
    expect([1, 2, 3, 4, 5].map((attempts) => policy.delayMs(attempts))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('takes up to `jitter` of each wait off at random', () => {
    const waits = (random: number) => new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.5, random: () => random }).delayMs(2);
    expect(waits(0)).toBe(2_000);
    expect(waits(0.5)).toBe(1_500);
    expect(waits(0.999)).toBe(1_001);
  });

  it('allows maxAttempts deliveries in all', () => {
    const policy = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 });
    expect([1, 2, 3].map((attempts) => policy.canRetry(attempts))).toEqual([true, true, false]);
  });

  it('refuses settings that make no sense', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 })).toThrow('maxAttempts');
    expect(() => new RetryPolicy({ maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 1, jitter: 0 })).toThrow('baseDelayMs');
    expect(() => new RetryPolicy({ maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 2 })).toThrow('jitter');
  });
});
