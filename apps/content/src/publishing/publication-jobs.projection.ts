import type { Projection, RecordedEvent } from '@lib/event-store';
import type { PostPublishingStarted } from '../domain';

export const PUBLICATION_JOBS = 'publication_jobs';
export const PUBLICATION_ROUNDS = 'publication_rounds';

/**
 * The publishing process manager's intake: each PostPublishingStarted becomes a round and one
 * job per platform it targets, inserted in the transaction that moves the checkpoint, so a
 * round is never lost or inserted twice.
 *
 * Not a read model: the worker records attempts, results and reports in these tables, which
 * the events do not hold, so they are never rebuilt (a rebuild would forget what was
 * published and send it again). Kept in its own ProjectionRunner beside the read models.
 */
export const publicationJobsProjection: Projection = {
  name: PUBLICATION_JOBS,
  tables: [PUBLICATION_ROUNDS, PUBLICATION_JOBS],
  eventTypes: ['PostPublishingStarted'] satisfies PostPublishingStarted['type'][],
  async apply(events, ctx) {
    if (ctx.rebuilding) throw new Error(`${PUBLICATION_JOBS} is a process manager, not a read model: it is never rebuilt`);
    for (const event of events as readonly RecordedEvent<PostPublishingStarted>[]) {
      const { postId, round, publications, startedAt } = event.data;
      const { workspaceId, correlationId } = event.metadata;
      await ctx.client.query(
        `INSERT INTO ${ctx.table(PUBLICATION_ROUNDS)} AS r (post_id, round, workspace_id, started_version, started_event_id, correlation_id, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (post_id, round) DO NOTHING`,
        [postId, round, workspaceId, event.version, event.id, correlationId, startedAt],
      );
      for (const publication of publications) {
        await ctx.client.query(
          `INSERT INTO ${ctx.table(PUBLICATION_JOBS)} AS j (idempotency_key, round, post_id, workspace_id, platform, text, media_asset_ids, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (idempotency_key, round) DO NOTHING`,
          [publication.idempotencyKey, round, postId, workspaceId, publication.platform, publication.text, publication.mediaAssetIds, startedAt],
        );
      }
    }
  },
};
