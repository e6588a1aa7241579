import { eventStoreSchemaSql, qualified } from '@lib/event-store';
import { messagingSchemaSql } from '@lib/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The analytics service's first schema: the event store, the messaging tables, the time-series
 * store (raw observations and hourly/daily rollups, partitioned by month), tracked events, the
 * cumulative baselines kept past raw retention, and the entity directory. Partitions are not
 * created here: the partition maintainer creates them ahead of time, and the projection creates
 * any month it writes to that is missing (a backfill, a rebuild). Frozen once released.
 */
export class AnalyticsSchema1795400000000 implements MigrationInterface {
  readonly name = 'AnalyticsSchema1795400000000';

  constructor(private readonly schema: string) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [...eventStoreSchemaSql(this.schema), ...messagingSchemaSql(this.schema), ...this.analyticsTables()];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = [
      'entity_owners',
      'metric_baselines',
      'tracked_events',
      'metric_rollups_daily',
      'metric_rollups_hourly',
      'metric_observations',
      'inbox',
      'outbox_checkpoint',
      'projection_dead_letters',
      'projection_checkpoints',
      'events',
      'streams',
    ];
    for (const table of tables) await queryRunner.query(`DROP TABLE IF EXISTS ${qualified(this.schema, table)} CASCADE`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "${this.schema}".events_are_append_only()`);
  }

  private analyticsTables(): string[] {
    const t = (name: string): string => qualified(this.schema, name);
    const rollup = (name: string): string[] => [
      // One row per (workspace, entity, metric, bucket). sum: the deltas of cumulative series
      // plus the increments; count: observations; min/max/last: the values as observed (last =
      // the one observed latest, so the order of arrival does not matter).
      `CREATE TABLE ${t(name)} (
        workspace_id uuid             NOT NULL,
        entity_type  text             NOT NULL,
        entity_id    text             NOT NULL,
        metric       text             NOT NULL,
        bucket_start timestamptz      NOT NULL,
        sum          double precision NOT NULL,
        count        bigint           NOT NULL,
        min          double precision NOT NULL,
        max          double precision NOT NULL,
        last         double precision NOT NULL,
        last_at      timestamptz      NOT NULL,
        PRIMARY KEY (workspace_id, entity_type, entity_id, metric, bucket_start)
      ) PARTITION BY RANGE (bucket_start)`,
      // Top-N: every entity of a type for one metric over a range, without touching the heap.
      `CREATE INDEX ${name}_top_idx ON ${t(name)} (workspace_id, metric, entity_type, bucket_start) INCLUDE (entity_id, sum)`,
    ];
    return [
      // Raw observations (projection timeseries), one row per observation of a reported entity;
      // kept for ANALYTICS_RAW_RETENTION_DAYS and dropped a month partition at a time.
      // delta: what the row adds to its bucket's sum (a cumulative snapshot minus the one
      // observed before it in its series; an increment's own value).
      `CREATE TABLE ${t('metric_observations')} (
        workspace_id uuid             NOT NULL,
        entity_type  text             NOT NULL,
        entity_id    text             NOT NULL,
        metric       text             NOT NULL,
        platform     text             NOT NULL,
        kind         text             NOT NULL CHECK (kind IN ('cumulative', 'increment')),
        value        double precision NOT NULL,
        delta        double precision NOT NULL,
        observed_at  timestamptz      NOT NULL,
        event_id     uuid             NOT NULL,
        item         integer          NOT NULL,
        PRIMARY KEY (event_id, item, observed_at)
      ) PARTITION BY RANGE (observed_at)`,
      // A cumulative series has one snapshot per instant (the first recorded wins); its
      // predecessor and successor are found on this index.
      `CREATE UNIQUE INDEX metric_observations_series_idx ON ${t('metric_observations')}
        (workspace_id, entity_type, entity_id, metric, platform, observed_at) WHERE kind = 'cumulative'`,
      // Queries of one entity's raw points (and the benchmark's raw baseline).
      `CREATE INDEX metric_observations_entity_idx ON ${t('metric_observations')} (workspace_id, entity_type, entity_id, metric, observed_at)`,
      // Real-time counters: a workspace's last minutes.
      `CREATE INDEX metric_observations_recent_idx ON ${t('metric_observations')} (workspace_id, observed_at)`,

      ...rollup('metric_rollups_hourly'),
      ...rollup('metric_rollups_daily'),

      // Tracked events as sent (projection timeseries), same retention as raw observations.
      `CREATE TABLE ${t('tracked_events')} (
        workspace_id uuid        NOT NULL,
        name         text        NOT NULL,
        occurred_at  timestamptz NOT NULL,
        user_id      text,
        session_id   text,
        entity_type  text,
        entity_id    text,
        platform     text,
        properties   jsonb       NOT NULL,
        event_id     uuid        NOT NULL,
        item         integer     NOT NULL,
        PRIMARY KEY (event_id, item, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`,
      `CREATE INDEX tracked_events_workspace_name_idx ON ${t('tracked_events')} (workspace_id, name, occurred_at)`,

      // Not a projection table: written by the retention sweep before it drops a raw partition,
      // the last snapshot of each cumulative series in it, so a later snapshot still finds its
      // predecessor. A rebuild keeps it (it only repeats what the raw rows held).
      `CREATE TABLE ${t('metric_baselines')} (
        workspace_id uuid             NOT NULL,
        entity_type  text             NOT NULL,
        entity_id    text             NOT NULL,
        metric       text             NOT NULL,
        platform     text             NOT NULL,
        value        double precision NOT NULL,
        observed_at  timestamptz      NOT NULL,
        PRIMARY KEY (workspace_id, entity_type, entity_id, metric, platform)
      )`,

      // Which workspace an entity owned by another service belongs to (projection
      // entity_owners), learned from that service's events: a report on another workspace's
      // post is refused.
      `CREATE TABLE ${t('entity_owners')} (
        entity_type  text NOT NULL,
        entity_id    text NOT NULL,
        workspace_id uuid NOT NULL,
        PRIMARY KEY (entity_type, entity_id)
      )`,
    ];
  }
}
