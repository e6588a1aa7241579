/**
 * Runs `step` over and over until stopped: again at once when it says there is more to do,
 * else after `intervalMs`. A failing step is reported and retried after the interval.
 */
export class BackgroundLoop {
  private running: Promise<void> | null = null;
  private stopping = new AbortController();

  constructor(
    private readonly step: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.running) return;
    this.stopping = new AbortController();
    this.running = this.run(this.stopping.signal);
  }

  /** Resolves once the step in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    this.running = null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let more = false;
      try {
        more = await this.step();
      } catch (error) {
        this.onError(error);
      }
      if (!more) await pause(this.intervalMs, signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
