import { postStreamId } from '@lib/contracts';
import { ConcurrencyError, qualified } from '@lib/event-store';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { BackgroundLoop, type Clock } from '@lib/service-kit';
import type { PostCommandHandler } from '../content-event-store';
import { InvalidTransitionError, NotFoundError } from '@lib/domain';
import { POST_SUMMARIES } from '../projections/post-summaries.projection';
import type { PublicationRoundReporter } from './publication-round-reporter';
import { SCHEDULER_ACTOR } from './system-actors';

export interface PublishingSchedulerOptions {
  intervalMs: number;
  /** Most due posts started, and most stranded rounds reported, per tick. */
  batchSize: number;
  onError?: (error: unknown) => void;
}

export interface SchedulerTick {
  /** Due posts this tick moved to publishing. */
  started: number;
  /** Settled rounds this tick reported for a worker that did not get to it. */
  reported: number;
}

/**
 * Every interval: starts publishing the posts whose time has come, and reports rounds whose
 * jobs are all settled but that no worker reported (it died in between), so no post stays
 * `publishing` for ever.
 *
 * Due posts are found in post_summaries, which may lag; the post's own stream decides. Several
 * instances may run: a post another instance (or the lagging read model) already moved on
 * is refused by the domain and skipped.
 */
export class PublishingScheduler {
  private readonly summaries: string;
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly posts: PostCommandHandler,
    private readonly reporter: PublicationRoundReporter,
    private readonly clock: Clock,
    private readonly options: PublishingSchedulerOptions,
  ) {
    this.summaries = qualified(schema, POST_SUMMARIES);
    this.loop = new BackgroundLoop(async () => (await this.tick(), false), options.intervalMs, options.onError);
  }

  async tick(): Promise<SchedulerTick> {
    const now = this.clock();
    const due = await this.pool.query<{ post_id: string; workspace_id: string }>(
      `SELECT p.post_id, p.workspace_id FROM ${this.summaries} AS p
       WHERE p.status = 'scheduled' AND p.scheduled_at <= $1
       ORDER BY p.scheduled_at
       LIMIT $2`,
      [now, this.options.batchSize],
    );
    let started = 0;
    for (const post of due.rows) {
      try {
        if (await this.startPublishing(post.post_id, post.workspace_id, now)) started += 1;
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    const reported = await this.reporter.reportSettled(this.options.batchSize, this.options.onError);
    return { started, reported };
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async startPublishing(postId: string, workspaceId: string, now: Date): Promise<boolean> {
    try {
      await this.posts.handle(
        postStreamId(postId),
        { type: 'StartPublishing', trigger: 'schedule', actor: SCHEDULER_ACTOR, now },
        { metadata: { workspaceId, actorId: SCHEDULER_ACTOR.id, correlationId: randomUUID(), causationId: null } },
      );
      return true;
    } catch (error) {
      // Already started, unscheduled or moved since the read model saw it.
      if (error instanceof InvalidTransitionError || error instanceof ConcurrencyError || error instanceof NotFoundError) return false;
      throw error;
    }
  }
}
