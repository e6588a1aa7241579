import type { Platform } from '@lib/contracts';
import { qualified } from '@lib/event-store';
import type { Pool } from 'pg';
import { PUBLICATION_JOBS, PUBLICATION_ROUNDS } from './publication-jobs.projection';
import type { PublicationReceipt, PublicationRequest } from './publisher.port';

/** A job claimed for one delivery attempt. */
export interface ClaimedJob {
  request: PublicationRequest;
  round: number;
  /** Deliveries so far, this one included. */
  attempts: number;
  /** Proves the claim is still ours when recording a retry or a failure. */
  leaseToken: string;
}

export type JobOutcome =
  | { platform: Platform; status: 'succeeded'; externalId: string; url: string | null; publishedAt: Date }
  | { platform: Platform; status: 'failed'; reason: string; attempts: number };

/** A round whose jobs are all done with (succeeded or given up) and whose outcome the post has not heard yet. */
export interface SettledRound {
  postId: string;
  round: number;
  workspaceId: string;
  /** The post stream's version at PostPublishingStarted: nothing else can happen to it until the round is reported. */
  startedVersion: number;
  startedEventId: string;
  correlationId: string;
  outcomes: JobOutcome[];
}

interface JobRow {
  idempotency_key: string;
  round: number;
  post_id: string;
  workspace_id: string;
  platform: Platform;
  text: string;
  media_asset_ids: string[];
  attempts: number;
  lease_token: string;
}

interface OutcomeRow {
  platform: Platform;
  status: 'succeeded' | 'failed';
  external_id: string | null;
  url: string | null;
  published_at: Date | null;
  last_error: string | null;
  attempts: number;
}

interface RoundRow {
  post_id: string;
  round: number;
  workspace_id: string;
  started_version: string;
  started_event_id: string;
  correlation_id: string;
}

/**
 * The publishing process manager's state. A job is `pending` until it succeeds or is given
 * up; a claim takes a lease by moving `next_attempt_at` past the delivery, so no transaction
 * is held across the call to the publisher, and a worker that dies mid-delivery leaves a job
 * that becomes due again when the lease runs out (and is re-sent with the same key).
 */
export class PublicationJobStore {
  private readonly jobs: string;
  private readonly rounds: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.jobs = qualified(schema, PUBLICATION_JOBS);
    this.rounds = qualified(schema, PUBLICATION_ROUNDS);
  }

  /** Claims up to `limit` due jobs until `leaseUntil`; other workers skip them meanwhile. */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedJob[]> {
    const result = await this.pool.query<JobRow>(
      `WITH due AS (
         SELECT d.idempotency_key, d.round FROM ${this.jobs} AS d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1
         ORDER BY d.next_attempt_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.jobs} AS j
       SET attempts = j.attempts + 1, next_attempt_at = $2, lease_token = gen_random_uuid(), updated_at = now()
       FROM due WHERE j.idempotency_key = due.idempotency_key AND j.round = due.round
       RETURNING j.idempotency_key, j.round, j.post_id, j.workspace_id, j.platform, j.text, j.media_asset_ids, j.attempts, j.lease_token`,
      [now, leaseUntil, limit],
    );
    return result.rows.map((row) => ({
      request: {
        idempotencyKey: row.idempotency_key,
        workspaceId: row.workspace_id,
        postId: row.post_id,
        platform: row.platform,
        text: row.text,
        mediaAssetIds: row.media_asset_ids,
      },
      round: row.round,
      attempts: row.attempts,
      leaseToken: row.lease_token,
    }));
  }

  /**
   * A delivery succeeded: recorded whoever holds the lease now, since the publication is a
   * fact. Returns whether this call settled the job.
   */
  async recordSuccess(job: ClaimedJob, receipt: PublicationReceipt, publishedAt: Date): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.jobs} AS j
       SET status = 'succeeded', external_id = $3, url = $4, published_at = $5, last_error = NULL, lease_token = NULL, updated_at = now()
       WHERE j.idempotency_key = $1 AND j.round = $2 AND j.status = 'pending'`,
      [job.request.idempotencyKey, job.round, receipt.externalId, receipt.url, publishedAt],
    );
    return result.rowCount === 1;
  }

  /** A delivery failed and another is due at `nextAttemptAt`, if the claim is still ours. */
  async recordRetry(job: ClaimedJob, reason: string, nextAttemptAt: Date): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.jobs} AS j SET next_attempt_at = $4, last_error = $5, lease_token = NULL, updated_at = now()
       WHERE j.idempotency_key = $1 AND j.round = $2 AND j.lease_token = $3 AND j.status = 'pending'`,
      [job.request.idempotencyKey, job.round, job.leaseToken, nextAttemptAt, reason],
    );
  }

  /** Gives the job up, if the claim is still ours. Returns whether this call settled the job. */
  async recordFailure(job: ClaimedJob, reason: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.jobs} AS j SET status = 'failed', last_error = $4, lease_token = NULL, updated_at = now()
       WHERE j.idempotency_key = $1 AND j.round = $2 AND j.lease_token = $3 AND j.status = 'pending'`,
      [job.request.idempotencyKey, job.round, job.leaseToken, reason],
    );
    return result.rowCount === 1;
  }

  /** The round, if every job of it is settled and it is not reported yet. */
  async settledRound(postId: string, round: number): Promise<SettledRound | null> {
    const rounds = await this.pool.query<RoundRow>(
      `SELECT r.post_id, r.round, r.workspace_id, r.started_version, r.started_event_id, r.correlation_id
       FROM ${this.rounds} AS r
       WHERE r.post_id = $1 AND r.round = $2 AND r.reported_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${this.jobs} AS j WHERE j.post_id = r.post_id AND j.round = r.round AND j.status = 'pending')`,
      [postId, round],
    );
    const row = rounds.rows[0];
    if (!row) return null;
    const jobs = await this.pool.query<OutcomeRow>(
      `SELECT j.platform, j.status, j.external_id, j.url, j.published_at, j.last_error, j.attempts
       FROM ${this.jobs} AS j WHERE j.post_id = $1 AND j.round = $2`,
      [postId, round],
    );
    return {
      postId: row.post_id,
      round: row.round,
      workspaceId: row.workspace_id,
      startedVersion: Number(row.started_version),
      startedEventId: row.started_event_id,
      correlationId: row.correlation_id,
      outcomes: jobs.rows.map(outcomeOf),
    };
  }

  /** Settled rounds nobody reported (a worker died between settling a job and reporting), oldest first. */
  async unreportedSettledRounds(limit: number): Promise<Array<{ postId: string; round: number }>> {
    const result = await this.pool.query<{ post_id: string; round: number }>(
      `SELECT r.post_id, r.round FROM ${this.rounds} AS r
       WHERE r.reported_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${this.jobs} AS j WHERE j.post_id = r.post_id AND j.round = r.round AND j.status = 'pending')
       ORDER BY r.started_at
       LIMIT $1`,
      [limit],
    );
    return result.rows.map((row) => ({ postId: row.post_id, round: row.round }));
  }

  async markReported(postId: string, round: number, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.rounds} AS r SET reported_at = $3 WHERE r.post_id = $1 AND r.round = $2 AND r.reported_at IS NULL`, [
      postId,
      round,
      at,
    ]);
  }
}

/** The table's CHECKs guarantee what a settled job carries. */
function outcomeOf(row: OutcomeRow): JobOutcome {
  if (row.status === 'succeeded') {
    return { platform: row.platform, status: 'succeeded', externalId: row.external_id as string, url: row.url, publishedAt: row.published_at as Date };
  }
  return { platform: row.platform, status: 'failed', reason: row.last_error as string, attempts: row.attempts };
}
