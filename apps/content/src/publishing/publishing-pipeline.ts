import type { PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';
import { type Clock } from '@lib/service-kit';
import { postCommandHandler } from '../content-event-store';
import type { ContentConfig } from '../content.config';
import { PublicationJobStore } from './publication-job-store';
import { PublicationRoundReporter } from './publication-round-reporter';
import { PublicationWorker, type PublicationWorkerOptions } from './publication-worker';
import type { Publisher } from './publisher.port';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy';
import { SandboxPublisher } from './sandbox.publisher';
import { PublishingScheduler, type PublishingSchedulerOptions } from './scheduler';
import { WebhookPublisher } from './webhook.publisher';

export interface PublishingPipelineOptions {
  publisher: Publisher;
  retry: RetryPolicyOptions;
  worker: PublicationWorkerOptions;
  scheduler: PublishingSchedulerOptions;
}

/**
 * The scheduler, the worker and what they share, over one content store. The jobs they work
 * on come from `publicationJobsProjection`, which a ProjectionRunner must run beside them.
 */
export class PublishingPipeline {
  readonly jobs: PublicationJobStore;
  readonly reporter: PublicationRoundReporter;
  readonly worker: PublicationWorker;
  readonly scheduler: PublishingScheduler;

  constructor(pool: Pool, store: PostgresEventStore, clock: Clock, options: PublishingPipelineOptions) {
    const posts = postCommandHandler(store);
    this.jobs = new PublicationJobStore(pool, store.schema);
    this.reporter = new PublicationRoundReporter(this.jobs, posts, clock);
    this.worker = new PublicationWorker(this.jobs, options.publisher, this.reporter, new RetryPolicy(options.retry), clock, options.worker);
    this.scheduler = new PublishingScheduler(pool, store.schema, posts, this.reporter, clock, options.scheduler);
  }

  start(): void {
    this.worker.start();
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.scheduler.stop(), this.worker.stop()]);
  }
}

/** The pipeline's options from the environment (see ContentConfig). */
export function publishingOptionsFromConfig(
  config: ContentConfig,
  pool: Pool,
  clock: Clock,
  onError?: (error: unknown) => void,
): PublishingPipelineOptions {
  if (config.PUBLISH_LEASE_MS <= config.PUBLISHER_WEBHOOK_TIMEOUT_MS) {
    throw new Error('PUBLISH_LEASE_MS must be longer than PUBLISHER_WEBHOOK_TIMEOUT_MS, or a slow delivery would be sent again meanwhile');
  }
  const publisher =
    config.PUBLISHER === 'webhook'
      ? new WebhookPublisher(
          { url: config.PUBLISHER_WEBHOOK_URL ?? '', secret: config.PUBLISHER_WEBHOOK_SECRET ?? '', timeoutMs: config.PUBLISHER_WEBHOOK_TIMEOUT_MS },
          clock,
        )
      : new SandboxPublisher(pool, config.DATABASE_SCHEMA, clock);
  return {
    publisher,
    retry: {
      maxAttempts: config.PUBLISH_MAX_ATTEMPTS,
      baseDelayMs: config.PUBLISH_RETRY_BASE_MS,
      maxDelayMs: config.PUBLISH_RETRY_MAX_MS,
      jitter: config.PUBLISH_RETRY_JITTER,
    },
    worker: { batchSize: config.PUBLISH_WORKER_BATCH_SIZE, leaseMs: config.PUBLISH_LEASE_MS, pollIntervalMs: config.PUBLISH_WORKER_POLL_MS, onError },
    scheduler: { intervalMs: config.SCHEDULER_INTERVAL_MS, batchSize: config.SCHEDULER_BATCH_SIZE, onError },
  };
}
