import {
  metricBatchStreamId,
  sourceStreamId,
  trackedEventBatchStreamId,
  type MetricBatchRecordedData,
  type MetricObservationData,
  type SourceEventReceivedData,
  type TrackedEventBatchRecordedData,
  type TrackedEventData,
} from '@lib/contracts';
import { ProjectionRunner, qualified, type PostgresEventStore } from '@lib/event-store';
import { runMigrations } from '@lib/service-kit';
import { TEST_DATABASE_URL, dropSchema, eventually, testPool, uniqueSchemaName } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createAnalyticsEventStore } from '../src/analytics-event-store';
import { analyticsMigrations } from '../src/migrations/analytics-migrations';
import { analyticsReadModels } from '../src/projections';

export interface AnalyticsTestDatabase {
  pool: Pool;
  schema: string;
  store: PostgresEventStore;
  /** Both read models; driven with catchUp(), never started. */
  runner: ProjectionRunner;
  table(name: string): string;
  /** Applies every committed event: catchUp alone stops at transactions still in flight anywhere on the server. */
  settle(projection?: string): Promise<void>;
  dispose(): Promise<void>;
}

/** A fresh schema migrated like the service's own, with its projection runner. */
export async function analyticsTestDatabase(prefix: string): Promise<AnalyticsTestDatabase> {
  const pool = testPool(10);
  const schema = uniqueSchemaName(prefix);
  await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: analyticsMigrations(schema) });
  const store = createAnalyticsEventStore(pool, schema);
  const runner = new ProjectionRunner(pool, store, analyticsReadModels);
  return {
    pool,
    schema,
    store,
    runner,
    table: (name) => qualified(schema, name),
    async settle(projection) {
      await eventually(async () => {
        await runner.catchUp(projection);
        for (const status of await runner.status(projection)) expect(status).toMatchObject({ lagEvents: 0, lastError: null });
      }, 60_000);
    },
    async dispose() {
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

function metadata(workspaceId: string): { workspaceId: string; actorId: string | null; correlationId: string; causationId: null } {
  return { workspaceId, actorId: null, correlationId: randomUUID(), causationId: null };
}

export async function recordMetrics(store: PostgresEventStore, workspaceId: string, observations: MetricObservationData[]): Promise<void> {
  const batchId = randomUUID();
  const data: MetricBatchRecordedData = { batchId, contentHash: 'test', observations, recordedBy: randomUUID(), recordedAt: new Date().toISOString() };
  await store.appendToStream(metricBatchStreamId(workspaceId, batchId), [{ type: 'MetricBatchRecorded', data }], {
    streamType: 'metric-batch',
    expectedVersion: 'no_stream',
    metadata: metadata(workspaceId),
  });
}

export async function recordTrackedEvents(store: PostgresEventStore, workspaceId: string, events: TrackedEventData[]): Promise<void> {
  const batchId = randomUUID();
  const data: TrackedEventBatchRecordedData = { batchId, contentHash: 'test', events, recordedBy: randomUUID(), recordedAt: new Date().toISOString() };
  await store.appendToStream(trackedEventBatchStreamId(workspaceId, batchId), [{ type: 'TrackedEventBatchRecorded', data }], {
    streamType: 'tracked-event-batch',
    expectedVersion: 'no_stream',
    metadata: metadata(workspaceId),
  });
}

/** Another service's event, as the source consumer records it. */
export async function receiveSourceEvent(
  store: PostgresEventStore,
  workspaceId: string,
  event: { service?: 'content'; type: string; streamId: string; occurredAt: string; data: object },
): Promise<void> {
  const source: SourceEventReceivedData['source'] = {
    service: event.service ?? 'content',
    id: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    streamType: 'post',
    streamId: event.streamId,
    version: 1,
    position: 1,
    occurredAt: event.occurredAt,
    workspaceId,
    actorId: null,
    data: event.data as Record<string, unknown>,
  };
  await store.appendToStream(sourceStreamId(source.service, event.streamId), [{ type: 'SourceEventReceived', data: { source } }], {
    streamType: 'source',
    expectedVersion: 'any',
    metadata: metadata(workspaceId),
  });
}

/** A cumulative snapshot of one post's metric on one platform. */
export function snapshot(postId: string, observedAt: string, value: number, metric: MetricObservationData['metric'] = 'impressions'): MetricObservationData {
  return { entityType: 'post', entityId: postId, platform: 'linkedin', metric, value, kind: 'cumulative', observedAt };
}

export interface RollupRow {
  entity_type: string;
  entity_id: string;
  metric: string;
  bucket_start: string;
  sum: number;
  count: number;
  min: number;
  max: number;
  last: number;
  last_at: string;
}

export interface RawRow {
  entity_type: string;
  entity_id: string;
  metric: string;
  platform: string;
  kind: string;
  value: number;
  delta: number;
  observed_at: string;
}

/** A workspace's rollups of one grain, in key order, instants as ISO text. */
export async function rollups(db: AnalyticsTestDatabase, table: 'metric_rollups_hourly' | 'metric_rollups_daily', workspaceId: string): Promise<RollupRow[]> {
  const { rows } = await db.pool.query<RollupRow>(
    `SELECT entity_type, entity_id, metric, to_json(bucket_start)#>>'{}' AS bucket_start, sum, count::int AS count, min, max, last,
            to_json(last_at)#>>'{}' AS last_at
     FROM ${db.table(table)} WHERE workspace_id = $1 ORDER BY entity_type, entity_id, metric, bucket_start`,
    [workspaceId],
  );
  return rows;
}

export async function rawRows(db: AnalyticsTestDatabase, workspaceId: string): Promise<RawRow[]> {
  const { rows } = await db.pool.query<RawRow>(
    `SELECT entity_type, entity_id, metric, platform, kind, value, delta, to_json(observed_at)#>>'{}' AS observed_at
     FROM ${db.table('metric_observations')} WHERE workspace_id = $1 ORDER BY entity_type, entity_id, metric, platform, observed_at, kind, value`,
    [workspaceId],
  );
  return rows;
}

/** Names of the partitions attached to a table, sorted. */
export async function partitionsOf(db: AnalyticsTestDatabase, table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [db.table(table)],
  );
  return rows.map((row) => row.name);
}

/** Every permutation of `items`. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}
