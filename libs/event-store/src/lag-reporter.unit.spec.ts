import { LagReporter } from './lag-reporter';

describe('LagReporter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  function reporter(): { lag: LagReporter; counts: () => number } {
    let counts = 0;
    const lag = new LagReporter(async () => {
      counts += 1;
    }, 1000);
    return { lag, counts: () => counts };
  }

  it('counts at once the first time, then at most once per interval while the reader works', async () => {
    const { lag, counts } = reporter();
    await lag.update(false, true);
    expect(counts()).toBe(1);
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(50);
      await lag.update(false, true);
    }
    expect(counts()).toBe(1);
    jest.advanceTimersByTime(500);
    await lag.update(false, true);
    expect(counts()).toBe(2);
  });

  it('counts once after the reader runs out of work: at the end of the interval, not on each wake-up', async () => {
    const { lag, counts } = reporter();
    await lag.update(false, true);
    // A busy store: work, none, work, none... every few milliseconds.
    for (let i = 0; i < 20; i++) {
      jest.advanceTimersByTime(5);
      await lag.update(i % 2 === 1, i % 2 === 0);
    }
    expect(counts()).toBe(1);
    // Out of work from here on: one count when the interval ends, and no more while nothing changes.
    await lag.update(true, false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(counts()).toBe(2);
    await lag.update(true, false);
    await jest.advanceTimersByTimeAsync(5000);
    await lag.update(true, false);
    expect(counts()).toBe(2);
    // Work again (counted at once, the interval having passed), then none: counted when this interval ends.
    await lag.update(false, true);
    expect(counts()).toBe(3);
    await lag.update(true, false);
    expect(counts()).toBe(3);
    await jest.advanceTimersByTimeAsync(1000);
    expect(counts()).toBe(4);
  });

  it('does not count at the end of the interval for a reader that is working again by then', async () => {
    const { lag, counts } = reporter();
    await lag.update(false, true);
    jest.advanceTimersByTime(10);
    await lag.update(true, false);
    jest.advanceTimersByTime(10);
    await lag.update(false, true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(counts()).toBe(1);
  });

  it('counts every time when forced, and nothing after cancel', async () => {
    const { lag, counts } = reporter();
    await lag.update(true, false, true);
    await lag.update(true, false, true);
    expect(counts()).toBe(2);
    await lag.update(false, true);
    await lag.update(true, false);
    lag.cancel();
    await jest.advanceTimersByTimeAsync(2000);
    expect(counts()).toBe(2);
  });

  it('counts again after a round that moved and caught up, though the reader was out of work before it', async () => {
    const { lag, counts } = reporter();
    await lag.update(true, false);
    expect(counts()).toBe(1);
    // An event arrives and is read in one round that ends caught up (fewer than a batch).
    jest.advanceTimersByTime(100);
    await lag.update(true, true);
    expect(counts()).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(counts()).toBe(2);
  });
});
