/**
 * When a reader of the store (a projection loop, a relay) counts its lag: at most once per
 * interval, and once after it runs out of work, so a reader that has caught up says so within
 * an interval. A reader of a busy store runs out of work on nearly every wake-up; a count on
 * each of them would cost two queries per wake-up, so the count after running out waits for the
 * end of the interval, and is made then only if the reader is still out of work.
 */
export class LagReporter {
  private last = Number.NEGATIVE_INFINITY;
  /** The reader's state as last told: out of work or not. */
  private idle = false;
  /** Whether the last count was made while the reader was out of work, and it has not moved since. */
  private reportedIdle = false;
  /** Rounds in which the reader moved: a count started before one may not stand for it. */
  private moves = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly count: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /**
   * After each round of the reader: `idle` when it has read all there was to read (it may have
   * moved on the way: `moved`). `force` counts now whatever the interval (a reader that keeps
   * failing reports every attempt).
   */
  async update(idle: boolean, moved: boolean, force = false): Promise<void> {
    this.idle = idle;
    if (moved || !idle) {
      this.moves += 1;
      this.reportedIdle = false;
    } else if (this.reportedIdle && !force) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0 || force) return this.countNow();
    if (idle && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.idle && !this.reportedIdle) this.countNow().catch(() => undefined);
      }, wait);
      this.timer.unref();
    }
  }

  /** Forgets any count still to come (the reader stops, or is no longer the one reporting). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.last = Number.NEGATIVE_INFINITY;
    this.reportedIdle = false;
  }

  private async countNow(): Promise<void> {
    const idle = this.idle;
    const moves = this.moves;
    this.last = Date.now();
    await this.count();
    this.reportedIdle = idle && this.idle && moves === this.moves;
  }
}
