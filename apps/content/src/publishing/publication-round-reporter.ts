import { postStreamId } from '@lib/contracts';
import { ConcurrencyError } from '@lib/event-store';
import { type Clock } from '@lib/service-kit';
import type { PostCommandHandler } from '../content-event-store';
import { InvalidTransitionError } from '@lib/domain';
import type { PlatformPublishResult } from '../domain';
import type { JobOutcome, PublicationJobStore, SettledRound } from './publication-job-store';
import { PUBLISHER_ACTOR } from './system-actors';

/**
 * Tells a post how its publishing round went (CompletePublishing) once every job of the round
 * is settled. Several instances may report the same round (two workers settling its last jobs,
 * the recovery sweep): the command expects the stream at the version the round started at, so
 * only the first lands and the others find the post moved on and stand down.
 */
export class PublicationRoundReporter {
  constructor(
    private readonly jobs: PublicationJobStore,
    private readonly posts: PostCommandHandler,
    private readonly clock: Clock,
  ) {}

  /** Reports the round if it is settled and unreported; returns whether it was. */
  async report(postId: string, round: number): Promise<boolean> {
    const settled = await this.jobs.settledRound(postId, round);
    if (!settled) return false;
    await this.complete(settled);
    await this.jobs.markReported(postId, round, this.clock());
    return true;
  }

  /**
   * Crash recovery: reports settled rounds that nobody reported. Returns how many. A round that
   * cannot be reported goes to `onError` and the sweep carries on: it is the oldest, so stopping
   * at it would keep every round behind it unreported for as long as it fails.
   */
  async reportSettled(limit: number, onError: (error: unknown) => void = () => undefined): Promise<number> {
    let reported = 0;
    for (const { postId, round } of await this.jobs.unreportedSettledRounds(limit)) {
      try {
        if (await this.report(postId, round)) reported += 1;
      } catch (error) {
        onError(error);
      }
    }
    return reported;
  }

  private async complete(round: SettledRound): Promise<void> {
    try {
      await this.posts.handle(
        postStreamId(round.postId),
        { type: 'CompletePublishing', actor: PUBLISHER_ACTOR, now: this.clock(), results: round.outcomes.map(resultOf) },
        {
          metadata: { workspaceId: round.workspaceId, actorId: PUBLISHER_ACTOR.id, correlationId: round.correlationId, causationId: round.startedEventId },
          expectedVersion: round.startedVersion,
        },
      );
    } catch (error) {
      // The post is past the round: it was reported already.
      if (!(error instanceof ConcurrencyError) && !(error instanceof InvalidTransitionError)) throw error;
    }
  }
}

function resultOf(outcome: JobOutcome): PlatformPublishResult {
  if (outcome.status === 'succeeded') {
    const { platform, externalId, url, publishedAt } = outcome;
    return { platform, outcome: 'published', externalId, url, publishedAt: publishedAt.toISOString() };
  }
  return { platform: outcome.platform, outcome: 'failed', reason: outcome.reason, attempts: outcome.attempts };
}
