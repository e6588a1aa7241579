import { eventStoreSchemaSql, qualified } from '@lib/event-store';
import { messagingSchemaSql } from '@lib/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The content service's first schema: the event store, the messaging tables, the read models,
 * the publishing process manager, the sandbox publisher's record and the template-name
 * reservations. Frozen once released: later changes go into new migrations.
 */
export class ContentSchema1795305930271 implements MigrationInterface {
  readonly name = 'ContentSchema1795305930271';

  constructor(private readonly schema: string) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [...eventStoreSchemaSql(this.schema), ...messagingSchemaSql(this.schema), ...this.contentTables()];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = [
      'sandbox_publications',
      'publication_jobs',
      'publication_rounds',
      'template_names',
      'templates',
      'post_summaries',
      'inbox',
      'outbox_checkpoint',
      'projection_dead_letters',
      'projection_checkpoints',
      'events',
      'streams',
    ];
    for (const table of tables) await queryRunner.query(`DROP TABLE IF EXISTS ${qualified(this.schema, table)}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "${this.schema}".events_are_append_only()`);
  }

  private contentTables(): string[] {
    const t = (name: string): string => qualified(this.schema, name);
    return [
      // Read model: one row per post (projection post_summaries). created_at is the draft's own
      // time, updated_at the store's recording time of the last event: both come from the
      // events, so a rebuild reproduces them exactly.
      `CREATE TABLE ${t('post_summaries')} (
        post_id            uuid        PRIMARY KEY,
        workspace_id       uuid        NOT NULL,
        title              text        NOT NULL,
        status             text        NOT NULL,
        campaign_id        uuid,
        platforms          text[]      NOT NULL,
        media_asset_ids    uuid[]      NOT NULL DEFAULT '{}',
        media_count        integer     NOT NULL GENERATED ALWAYS AS (cardinality(media_asset_ids)) STORED,
        author_id          text        NOT NULL,
        scheduled_at       timestamptz,
        time_zone          text,
        published_at       timestamptz,
        last_publish_error text,
        version            bigint      NOT NULL,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL
      )`,
      // The list pages by (updated_at, post_id), both descending so that a row comparison
      // `(updated_at, post_id) < (cursor)` walks one index range.
      `CREATE INDEX post_summaries_workspace_recent_idx ON ${t('post_summaries')} (workspace_id, updated_at DESC, post_id DESC)`,
      `CREATE INDEX post_summaries_workspace_status_recent_idx ON ${t('post_summaries')} (workspace_id, status, updated_at DESC, post_id DESC)`,
      `CREATE INDEX post_summaries_workspace_campaign_recent_idx ON ${t('post_summaries')} (workspace_id, campaign_id, updated_at DESC, post_id DESC)
        WHERE campaign_id IS NOT NULL`,
      // The calendar: a workspace's posts in a time range.
      `CREATE INDEX post_summaries_workspace_calendar_idx ON ${t('post_summaries')} (workspace_id, scheduled_at, post_id)
        WHERE scheduled_at IS NOT NULL`,
      // The scheduler's due posts across workspaces; few rows are scheduled at any time.
      `CREATE INDEX post_summaries_due_idx ON ${t('post_summaries')} (scheduled_at) WHERE status = 'scheduled'`,

      // Read model: live templates (projection templates).
      `CREATE TABLE ${t('templates')} (
        template_id  uuid        PRIMARY KEY,
        workspace_id uuid        NOT NULL,
        name         text        NOT NULL,
        name_key     text        NOT NULL GENERATED ALWAYS AS (lower(name)) STORED,
        body         text        NOT NULL,
        placeholders text[]      NOT NULL,
        platforms    text[]      NOT NULL,
        category     text,
        created_by   text        NOT NULL,
        created_at   timestamptz NOT NULL,
        updated_at   timestamptz NOT NULL,
        version      bigint      NOT NULL
      )`,
      `CREATE INDEX templates_workspace_name_idx ON ${t('templates')} (workspace_id, name_key, template_id)`,

      // Write side, not a read model: a template name is unique per workspace (case-insensitive).
      // Written in the transaction that appends the template's event, so it is never rebuilt.
      `CREATE TABLE ${t('template_names')} (
        workspace_id uuid NOT NULL,
        name_key     text NOT NULL,
        template_id  uuid NOT NULL UNIQUE,
        PRIMARY KEY (workspace_id, name_key)
      )`,

      // Process manager state (projection publication_jobs): what the publisher has to do and
      // has done. Not a read model: the worker writes to it too, so it is never rebuilt.
      `CREATE TABLE ${t('publication_rounds')} (
        post_id          uuid        NOT NULL,
        round            integer     NOT NULL,
        workspace_id     uuid        NOT NULL,
        started_version  bigint      NOT NULL,
        started_event_id uuid        NOT NULL,
        correlation_id   text        NOT NULL,
        started_at       timestamptz NOT NULL,
        reported_at      timestamptz,
        PRIMARY KEY (post_id, round)
      )`,
      // Rounds whose outcome has not reached the post yet: the recovery sweep's query.
      `CREATE INDEX publication_rounds_unreported_idx ON ${t('publication_rounds')} (started_at) WHERE reported_at IS NULL`,
      // One row per platform and round. The idempotency key is per (post, platform) and the
      // same on every round, so a retry round's job is a new row with the same key.
      `CREATE TABLE ${t('publication_jobs')} (
        idempotency_key text        NOT NULL,
        round           integer     NOT NULL,
        post_id         uuid        NOT NULL,
        workspace_id    uuid        NOT NULL,
        platform        text        NOT NULL,
        text            text        NOT NULL,
        media_asset_ids uuid[]      NOT NULL,
        status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        lease_token     uuid,
        external_id     text,
        url             text,
        published_at    timestamptz,
        last_error      text,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (idempotency_key, round),
        CHECK (status <> 'succeeded' OR (external_id IS NOT NULL AND published_at IS NOT NULL)),
        CHECK (status <> 'failed' OR last_error IS NOT NULL),
        FOREIGN KEY (post_id, round) REFERENCES ${t('publication_rounds')} (post_id, round)
      )`,
      // The worker's claim: pending jobs in order of due time (a claimed job's lease is its due time).
      `CREATE INDEX publication_jobs_due_idx ON ${t('publication_jobs')} (next_attempt_at) WHERE status = 'pending'`,
      `CREATE INDEX publication_jobs_round_idx ON ${t('publication_jobs')} (post_id, round)`,

      // The sandbox publisher's record of what it "published": one row per idempotency key.
      `CREATE TABLE ${t('sandbox_publications')} (
        idempotency_key text        PRIMARY KEY,
        workspace_id    uuid        NOT NULL,
        post_id         uuid        NOT NULL,
        platform        text        NOT NULL,
        text            text        NOT NULL,
        media_asset_ids uuid[]      NOT NULL,
        external_id     text        NOT NULL,
        url             text        NOT NULL,
        published_at    timestamptz NOT NULL
      )`,
    ];
  }
}
