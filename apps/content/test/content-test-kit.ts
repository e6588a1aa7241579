import type { Role } from '@lib/auth';
import { ProjectionRunner, type PostgresEventStore } from '@lib/event-store';
import { type RequestContext, runMigrations } from '@lib/service-kit';
import { TEST_DATABASE_URL, dropSchema, eventually, testPool, uniqueSchemaName } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createContentEventStore } from '../src/content-event-store';
import { contentMigrations } from '../src/migrations/content-migrations';
import { contentReadModels } from '../src/projections/content-read-models';
import { publicationJobsProjection } from '../src/publishing/publication-jobs.projection';
import type { PublishingPipeline } from '../src/publishing/publishing-pipeline';

/** A clock the test moves by hand; starts at the real time so recorded and domain times agree roughly. */
export class TestClock {
  private current = new Date();

  readonly now = (): Date => new Date(this.current.getTime());

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
}

export interface ContentTestDatabase {
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
  /** The read models and the publishing process manager; driven with catchUp(), never started. */
  readModels: ProjectionRunner;
  publicationJobs: ProjectionRunner;
  dispose(): Promise<void>;
}

/** A fresh schema migrated like the service's own, with its projection runners. */
export async function contentTestDatabase(prefix: string): Promise<ContentTestDatabase> {
  const pool = testPool(20);
  const schema = uniqueSchemaName(prefix);
  await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: contentMigrations(schema) });
  const store = createContentEventStore(pool, schema);
  return {
    pool,
    schema,
    store,
    readModels: new ProjectionRunner(pool, store, contentReadModels),
    publicationJobs: new ProjectionRunner(pool, store, [publicationJobsProjection]),
    async dispose() {
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

export function requestContext(workspaceId: string, role: Role = 'owner', userId: string = randomUUID()): RequestContext {
  return { actor: { userId, workspaceId, role }, correlationId: randomUUID() };
}

export const HOUR_MS = 3_600_000;

/**
 * Lets the process manager take the round in, then runs the worker until no job of the round is
 * pending, moving the clock to each retry's due time instead of waiting for it.
 */
export async function deliverRound(db: ContentTestDatabase, pipeline: PublishingPipeline, clock: TestClock, postId: string, round: number): Promise<void> {
  await eventually(async () => {
    await db.publicationJobs.catchUp();
    const jobs = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${db.schema}".publication_jobs WHERE post_id = $1 AND round = $2`, [
      postId,
      round,
    ]);
    expect(jobs.rows[0].n).toBeGreaterThan(0);
  });
  for (let step = 0; step < 100; step++) {
    await pipeline.worker.runOnce();
    const next = await db.pool.query<{ at: Date | null }>(
      `SELECT min(next_attempt_at) AS at FROM "${db.schema}".publication_jobs WHERE post_id = $1 AND round = $2 AND status = 'pending'`,
      [postId, round],
    );
    const at = next.rows[0].at;
    if (at === null) return;
    if (at > clock.now()) clock.set(at);
  }
  throw new Error(`round ${round} of post ${postId} did not settle`);
}
