import type { EntityType, Metric, Platform } from '@lib/contracts';
import { qualified } from '@lib/event-store';
import { runMigrations } from '@lib/service-kit';
import { TEST_DATABASE_URL, dropSchema, testPool, uniqueSchemaName } from '@lib/testing';
import type { Pool } from 'pg';
import { analyticsMigrations } from '../src/migrations/analytics-migrations';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const PARTITIONED = ['metric_observations', 'metric_rollups_hourly', 'metric_rollups_daily'] as const;

export interface QueryTestDatabase {
  pool: Pool;
  schema: string;
  dispose(): Promise<void>;
}

/**
 * A fresh schema migrated like the service's, with month partitions of the raw and rollup tables
 * from `firstMonth` through `lastMonth` (YYYY-MM), created here as the maintainer would.
 */
export async function queryTestDatabase(prefix: string, firstMonth: string, lastMonth: string): Promise<QueryTestDatabase> {
  const pool = testPool(5);
  const schema = uniqueSchemaName(prefix);
  await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: analyticsMigrations(schema) });
  for (let month = new Date(`${firstMonth}-01T00:00:00Z`); month <= new Date(`${lastMonth}-01T00:00:00Z`); ) {
    const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
    const suffix = month.toISOString().slice(0, 7).replace('-', '');
    for (const table of PARTITIONED) {
      await pool.query(
        `CREATE TABLE ${qualified(schema, `${table}_p${suffix}`)} PARTITION OF ${qualified(schema, table)}
         FOR VALUES FROM ('${month.toISOString()}') TO ('${next.toISOString()}')`,
      );
    }
    month = next;
  }
  return {
    pool,
    schema,
    async dispose() {
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

/** One observation as the timeseries projection would have recorded it. */
export interface Observation {
  workspaceId: string;
  entityType: EntityType;
  entityId: string;
  metric: Metric;
  platform?: Platform;
  /** ISO-8601 instant. */
  at: string;
  value: number;
  /** What it adds to its bucket's sum; the value itself (an increment) when left out. */
  delta?: number;
}

export interface RollupRow {
  workspaceId: string;
  entityType: EntityType;
  entityId: string;
  metric: Metric;
  bucketStart: string;
  sum: number;
  count: number;
  min: number;
  max: number;
  last: number;
  lastAt: string;
}

/**
 * Stores observations the way the projection does: a raw row for the entity itself, and hourly
 * and daily rollups for the entity and, with `aggregates`, for its workspace and platform.
 */
export async function storeObservations(db: QueryTestDatabase, observations: readonly Observation[], options: { aggregates?: boolean } = {}): Promise<void> {
  const rollups = { hourly: new Map<string, RollupRow>(), daily: new Map<string, RollupRow>() };
  for (const observation of observations) {
    const at = Date.parse(observation.at);
    const targets: Array<{ entityType: EntityType; entityId: string }> = [{ entityType: observation.entityType, entityId: observation.entityId }];
    if (options.aggregates) {
      targets.push({ entityType: 'workspace', entityId: observation.workspaceId });
      if (observation.platform) targets.push({ entityType: 'platform', entityId: observation.platform });
    }
    for (const [grain, size] of [['hourly', HOUR_MS], ['daily', DAY_MS]] as const) {
      const bucketStart = new Date(Math.floor(at / size) * size).toISOString();
      for (const target of targets) {
        const key = [observation.workspaceId, target.entityType, target.entityId, observation.metric, bucketStart].join('|');
        const row = rollups[grain].get(key);
        const delta = observation.delta ?? observation.value;
        if (!row) {
          rollups[grain].set(key, {
            workspaceId: observation.workspaceId,
            ...target,
            metric: observation.metric,
            bucketStart,
            sum: delta,
            count: 1,
            min: observation.value,
            max: observation.value,
            last: observation.value,
            lastAt: observation.at,
          });
          continue;
        }
        row.sum += delta;
        row.count += 1;
        row.min = Math.min(row.min, observation.value);
        row.max = Math.max(row.max, observation.value);
        if (at >= Date.parse(row.lastAt)) Object.assign(row, { last: observation.value, lastAt: observation.at });
      }
    }
  }
  await insertObservations(db, observations);
  await insertRollups(db, 'hourly', [...rollups.hourly.values()]);
  await insertRollups(db, 'daily', [...rollups.daily.values()]);
}

export async function insertObservations(db: QueryTestDatabase, observations: readonly Observation[]): Promise<void> {
  if (observations.length === 0) return;
  const column = <T>(pick: (observation: Observation) => T): T[] => observations.map(pick);
  await db.pool.query(
    `INSERT INTO ${qualified(db.schema, 'metric_observations')}
       (workspace_id, entity_type, entity_id, metric, platform, kind, value, delta, observed_at, event_id, item)
     SELECT w, t, i, m, p, 'increment', v, d, o, gen_random_uuid(), 0
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::timestamptz[]) AS r (w, t, i, m, p, v, d, o)`,
    [
      column((o) => o.workspaceId),
      column((o) => o.entityType),
      column((o) => o.entityId),
      column((o) => o.metric),
      column((o) => o.platform ?? ''),
      column((o) => o.value),
      column((o) => o.delta ?? o.value),
      column((o) => o.at),
    ],
  );
}

export async function insertRollups(db: QueryTestDatabase, grain: 'hourly' | 'daily', rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: RollupRow) => T): T[] => rows.map(pick);
  await db.pool.query(
    `INSERT INTO ${qualified(db.schema, `metric_rollups_${grain}`)}
       (workspace_id, entity_type, entity_id, metric, bucket_start, sum, count, min, max, last, last_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::float8[], $7::bigint[],
                          $8::float8[], $9::float8[], $10::float8[], $11::timestamptz[])`,
    [
      column((r) => r.workspaceId),
      column((r) => r.entityType),
      column((r) => r.entityId),
      column((r) => r.metric),
      column((r) => r.bucketStart),
      column((r) => r.sum),
      column((r) => r.count),
      column((r) => r.min),
      column((r) => r.max),
      column((r) => r.last),
      column((r) => r.lastAt),
    ],
  );
}

export async function insertOwner(db: QueryTestDatabase, entityType: EntityType, entityId: string, workspaceId: string): Promise<void> {
  await db.pool.query(`INSERT INTO ${qualified(db.schema, 'entity_owners')} (entity_type, entity_id, workspace_id) VALUES ($1, $2, $3)`, [
    entityType,
    entityId,
    workspaceId,
  ]);
}

/** Increments of `value` every `stepMinutes` over [from, to). */
export function everyFewMinutes(
  base: Omit<Observation, 'at' | 'value'>,
  from: string,
  to: string,
  stepMinutes: number,
  value = 1,
): Observation[] {
  const observations: Observation[] = [];
  for (let at = Date.parse(from); at < Date.parse(to); at += stepMinutes * 60_000) observations.push({ ...base, at: new Date(at).toISOString(), value });
  return observations;
}
