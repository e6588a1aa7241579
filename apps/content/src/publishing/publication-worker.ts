import { BackgroundLoop, type Clock } from '@lib/service-kit';
import type { ClaimedJob, PublicationJobStore } from './publication-job-store';
import type { PublicationRoundReporter } from './publication-round-reporter';
import { PublicationError, type Publisher } from './publisher.port';
import type { RetryPolicy } from './retry-policy';

export interface PublicationWorkerOptions {
  /** Jobs claimed, and delivered concurrently, per round trip. */
  batchSize: number;
  /**
   * How long a claimed job is left alone before another worker may take it over; must
   * outlast a delivery (the publisher's timeout) by a margin.
   */
  leaseMs: number;
  /** Pause between polls when nothing is due. */
  pollIntervalMs: number;
  onError?: (error: unknown) => void;
}

/** Failure reasons end up in events; the domain takes 2000 characters. */
const REASON_MAX_LENGTH = 500;

/**
 * Delivers due publication jobs through the publisher: records a success, or schedules the
 * next attempt with backoff, or gives up after the last attempt or at a permanent refusal;
 * then reports the round once all its jobs are settled.
 *
 * Never twice per platform: a succeeded job is never claimed again, and a job is only re-sent
 * when its outcome is unknown (a failure, or a worker that died before recording a success);
 * it is re-sent with the same idempotency key, by which receivers must deduplicate.
 */
export class PublicationWorker {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly jobs: PublicationJobStore,
    private readonly publisher: Publisher,
    private readonly reporter: PublicationRoundReporter,
    private readonly retry: RetryPolicy,
    private readonly clock: Clock,
    private readonly options: PublicationWorkerOptions,
  ) {
    this.loop = new BackgroundLoop(async () => (await this.runOnce()) === options.batchSize, options.pollIntervalMs, options.onError);
  }

  /** Claims and delivers one batch of due jobs; returns how many it claimed. */
  async runOnce(): Promise<number> {
    const now = this.clock();
    const claimed = await this.jobs.claimDue(now, new Date(now.getTime() + this.options.leaseMs), this.options.batchSize);
    await Promise.all(claimed.map((job) => this.deliver(job).catch((error: unknown) => this.options.onError?.(error))));
    return claimed.length;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async deliver(job: ClaimedJob): Promise<void> {
    const outcome = await this.publisher.publish(job.request).then(
      (receipt) => ({ receipt }),
      (error: unknown) => ({ failure: asPublicationError(error) }),
    );
    let settled = false;
    if ('receipt' in outcome) {
      settled = await this.jobs.recordSuccess(job, outcome.receipt, this.clock());
    } else {
      // The domain refuses a blank reason, and a round it cannot be told of stays publishing for ever.
      const reason = (outcome.failure.message.trim() || 'the publisher failed without saying why').slice(0, REASON_MAX_LENGTH);
      if (outcome.failure.permanent || !this.retry.canRetry(job.attempts)) {
        settled = await this.jobs.recordFailure(job, reason);
      } else {
        await this.jobs.recordRetry(job, reason, new Date(this.clock().getTime() + this.retry.delayMs(job.attempts)));
      }
    }
    if (settled) await this.reporter.report(job.request.postId, job.round);
  }
}

/** Anything else a publisher throws is taken as passing: the next attempt may go through. */
function asPublicationError(error: unknown): PublicationError {
  return error instanceof PublicationError ? error : new PublicationError(error instanceof Error ? error.message : String(error), false);
}
