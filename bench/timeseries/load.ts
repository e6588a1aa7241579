import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { METRIC_BATCH_STREAM_TYPE, metricBatchStreamId, type MetricBatchRecordedData } from '@lib/contracts';
import { ProjectionRunner, qualified, type PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';
import { analyticsReadModels } from '../../apps/analytics/src/projections';
import { ENTITY_OWNERS } from '../../apps/analytics/src/projections/entity-owners.projection';
import { contentHash } from '../../apps/analytics/src/ingestion/canonical-json';
import {
  METRIC_OBSERVATIONS,
  METRIC_ROLLUPS_DAILY,
  METRIC_ROLLUPS_HOURLY,
  TIMESERIES,
  timeseriesProjection,
} from '../../apps/analytics/src/timeseries/timeseries.projection';
import type { BenchConfig } from './config';
import { fmt, log, rate, seconds } from '../shared/format';
import { makeEntities, observationBatches, planLoad, type Entity, type ObservationBatch } from './workload';

export interface LoadResult {
  observations: number;
  /** MetricBatchRecorded events appended, each one batch as POST /v1/metrics records it. */
  events: number;
  /** The service's batch limit (ANALYTICS_MAX_BATCH): every event but the last few is full. */
  maxObservationsPerEvent: number;
  from: string;
  to: string;
  append: { ms: number; observationsPerSecond: number };
  /** The `timeseries` projection applying every event (raw rows, hourly and daily rollups). */
  projection: { ms: number; observationsPerSecond: number; batchEvents: number };
  /** Both phases, end to end. */
  observationsPerSecond: number;
  /** The other read model catching up: it reads every event and applies none of these. */
  entityOwnersCatchUpMs: number;
  rows: { rawObservations: number; hourlyRollups: number; dailyRollups: number };
  /** Total size of the store's and the projection's tables, indexes included. */
  bytes: { events: number; rawObservations: number; hourlyRollups: number; dailyRollups: number };
}

export interface LoadedData {
  workspaceIds: string[];
  entities: Entity[];
  result: LoadResult;
}

const EVENTS = 'events';
const PROGRESS_EVERY_MS = 15_000;

/**
 * Loads the observations through the write path the service uses: MetricBatchRecorded events of
 * at most `maxBatch` observations (what POST /v1/metrics appends, minus the HTTP checks, which
 * would refuse observations older than ANALYTICS_MAX_LATENESS_DAYS), then the real ProjectionRunner
 * applies them with the real `timeseries` projection. Nothing is written to its tables directly.
 */
export async function loadObservations(pool: Pool, store: PostgresEventStore, config: BenchConfig, maxBatch: number): Promise<LoadedData> {
  const workspaceIds = Array.from({ length: config.workspaces }, () => randomUUID());
  const entities = makeEntities(config.entities, workspaceIds);
  const plan = planLoad(config.observations, config.entities, config.days, new Date());
  const recorder = randomUUID();
  const batches = observationBatches(plan, entities, maxBatch);

  let events = 0;
  let appended = 0;
  const appendStart = performance.now();
  const progress = setInterval(() => log(`  appended ${fmt(appended)} observations in ${fmt(events)} events (${rate(appended, performance.now() - appendStart)} obs/s)`), PROGRESS_EVERY_MS);
  try {
    const writer = async (): Promise<void> => {
      // One shared generator: each writer takes the next batch as soon as its append is done.
      for (let next = batches.next(); !next.done; next = batches.next()) {
        await appendBatch(store, next.value, recorder);
        events += 1;
        appended += next.value.observations.length;
      }
    };
    await Promise.all(Array.from({ length: config.loadWriters }, writer));
  } finally {
    clearInterval(progress);
  }
  const appendMs = performance.now() - appendStart;
  if (appended !== config.observations) throw new Error(`appended ${appended} observations, expected ${config.observations}`);
  log(`  appended ${fmt(appended)} observations in ${fmt(events)} events in ${seconds(appendMs)} (${rate(appended, appendMs)} obs/s)`);

  const runner = new ProjectionRunner(pool, store, [timeseriesProjection], { batchSize: config.projectionBatchEvents });
  const projectionStart = performance.now();
  const watch = setInterval(() => {
    void runner.status(TIMESERIES).then(([status]) => {
      const done = events - status.lagEvents;
      log(`  projected ${fmt(done)} of ${fmt(events)} events (${rate(done * (appended / events), performance.now() - projectionStart)} obs/s)`);
    }, () => undefined); // progress only: the catch-up itself reports failures
  }, PROGRESS_EVERY_MS);
  try {
    await runner.catchUp(TIMESERIES);
  } finally {
    clearInterval(watch);
  }
  const projectionMs = performance.now() - projectionStart;
  log(`  projected ${fmt(appended)} observations in ${seconds(projectionMs)} (${rate(appended, projectionMs)} obs/s)`);

  // The analytics app started later runs every read model from its checkpoint: bring the other
  // one level now, so that its catch-up (reading ~all of the store) does not land in a measurement.
  const ownersStart = performance.now();
  await new ProjectionRunner(pool, store, analyticsReadModels, { batchSize: 100 }).catchUp();
  const entityOwnersCatchUpMs = performance.now() - ownersStart;

  // As autovacuum would leave the tables before anyone queried them (on a server that runs it;
  // this one may not): statistics for the planner, visibility maps for index-only scans.
  const vacuumStart = performance.now();
  for (const table of [EVENTS, METRIC_OBSERVATIONS, METRIC_ROLLUPS_HOURLY, METRIC_ROLLUPS_DAILY, ENTITY_OWNERS]) await pool.query(`VACUUM (ANALYZE) ${qualified(store.schema, table)}`);
  log(`  VACUUM (ANALYZE) of the store and the read models in ${seconds(performance.now() - vacuumStart)}`);

  const counts = await tableFigures(pool, store.schema);
  return {
    workspaceIds,
    entities,
    result: {
      observations: appended,
      events,
      maxObservationsPerEvent: maxBatch,
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      append: { ms: Math.round(appendMs), observationsPerSecond: Math.round((appended * 1000) / appendMs) },
      projection: { ms: Math.round(projectionMs), observationsPerSecond: Math.round((appended * 1000) / projectionMs), batchEvents: config.projectionBatchEvents },
      observationsPerSecond: Math.round((appended * 1000) / (appendMs + projectionMs)),
      entityOwnersCatchUpMs: Math.round(entityOwnersCatchUpMs),
      ...counts,
    },
  };
}

/** The event POST /v1/metrics appends for a batch (IngestionService.recordMetrics). */
async function appendBatch(store: PostgresEventStore, batch: ObservationBatch, recorder: string): Promise<void> {
  const batchId = randomUUID();
  const data: MetricBatchRecordedData = {
    batchId,
    contentHash: contentHash(batch.observations),
    observations: batch.observations,
    recordedBy: recorder,
    recordedAt: new Date().toISOString(),
  };
  await store.appendToStream(metricBatchStreamId(batch.workspaceId, batchId), [{ type: 'MetricBatchRecorded', data }], {
    streamType: METRIC_BATCH_STREAM_TYPE,
    expectedVersion: 'no_stream',
    metadata: { workspaceId: batch.workspaceId, actorId: recorder, correlationId: randomUUID(), causationId: null },
  });
}

async function tableFigures(pool: Pool, schema: string): Promise<Pick<LoadResult, 'rows' | 'bytes'>> {
  const count = async (table: string) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified(schema, table)}`)).rows[0].n);
  // A partitioned table's own size is 0: sum its partitions (a plain table has none).
  const size = async (table: string) =>
    Number(
      (
        await pool.query<{ bytes: string }>(
          `SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree($1::regclass) WHERE isleaf), pg_total_relation_size($1::regclass))::text AS bytes`,
          [qualified(schema, table)],
        )
      ).rows[0].bytes,
    );
  return {
    rows: { rawObservations: await count('metric_observations'), hourlyRollups: await count('metric_rollups_hourly'), dailyRollups: await count('metric_rollups_daily') },
    bytes: {
      events: await size('events'),
      rawObservations: await size('metric_observations'),
      hourlyRollups: await size('metric_rollups_hourly'),
      dailyRollups: await size('metric_rollups_daily'),
    },
  };
}

