import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresEventStore } from '@lib/event-store';
import type { ServiceProcess } from '@lib/testing';
import type { Pool } from 'pg';
import { TIMESERIES } from '../../apps/analytics/src/timeseries/timeseries.projection';
import { latencyOf, type Latency } from '../shared/latency';
import { checkpointOf } from './checkpoints';
import type { BenchConfig } from './config';
import { fmt, log, seconds } from '../shared/format';
import { editorToken } from './services';
import { makeEntities, SERIES_PER_ENTITY, type Entity } from './workload';

export interface IngestionResult {
  clients: number;
  observationsPerBatch: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
  requests: number;
  /** Answers by HTTP status (202: recorded). */
  statuses: Record<string, number>;
  /** Observations of the batches answered 202. */
  observations: number;
  observationsPerSecond: number;
  requestMs: Latency;
  /** The `timeseries` projection (running in the service meanwhile) having applied every recorded batch. */
  projection: {
    /** From the last answer until it had applied everything. */
    drainMs: number;
    /** From the first request until it had applied everything. */
    totalMs: number;
    observationsPerSecond: number;
  };
}

const INGEST_ENTITIES = 1000;
const POLL_MS = 20;
const DRAIN_TIMEOUT_MS = 600_000;

/**
 * `clients` concurrent clients POST batches of `ingestBatch` observations to /v1/metrics for
 * `ingestSeconds`, each with at most one request in flight, as an integration syncing platforms
 * would: cumulative snapshots of a workspace's posts and accounts, stamped over the last hour.
 * Bodies are built between requests (about a millisecond each, in this process, on these cores).
 */
export async function measureIngestion(analytics: ServiceProcess, pool: Pool, store: PostgresEventStore, config: BenchConfig): Promise<IngestionResult> {
  const workspaceId = randomUUID();
  const token = await editorToken(workspaceId, randomUUID());
  const entities = makeEntities(INGEST_ENTITIES, [workspaceId]);
  const bodies = batchBodies(entities, config.ingestBatch, Date.now() - 3_600_000);

  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let observations = 0;
  const start = performance.now();
  const deadline = start + config.ingestSeconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = bodies.next().value;
      const t0 = performance.now();
      const response = await fetch(`${analytics.url}/v1/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      latencies.push(performance.now() - t0);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status === 202) observations += config.ingestBatch;
      else if (statuses[response.status] === 1) log(`  POST /v1/metrics answered ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: config.ingestClients }, client));
  const lastAnswer = performance.now();
  const elapsedMs = lastAnswer - start;
  log(`  ${fmt(observations)} observations accepted in ${seconds(elapsedMs)} (${fmt((observations * 1000) / elapsedMs)} obs/s); waiting for the projection`);

  for (;;) {
    const behind = await store.countAfter(await checkpointOf(pool, store.schema, TIMESERIES));
    if (behind === 0) break;
    if (performance.now() - lastAnswer > DRAIN_TIMEOUT_MS) throw new Error(`the timeseries projection is still ${behind} events behind after ${DRAIN_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
  const caughtUp = performance.now();
  return {
    clients: config.ingestClients,
    observationsPerBatch: config.ingestBatch,
    elapsedMs: Math.round(elapsedMs),
    requests: latencies.length,
    statuses,
    observations,
    observationsPerSecond: Math.round((observations * 1000) / elapsedMs),
    requestMs: latencyOf(latencies),
    projection: {
      drainMs: Math.round(caughtUp - lastAnswer),
      totalMs: Math.round(caughtUp - start),
      observationsPerSecond: Math.round((observations * 1000) / (caughtUp - start)),
    },
  };
}

/**
 * Request bodies, endlessly: each the next `size` observations of the entities' series in turn;
 * round r of a series is stamped `since + r` seconds, its cumulative value grows with r.
 */
function* batchBodies(entities: readonly Entity[], size: number, since: number): Generator<string, never> {
  const seriesCount = entities.length * SERIES_PER_ENTITY;
  for (let n = 0; ; ) {
    const observations = [];
    for (let i = 0; i < size; i++, n++) {
      const entity = entities[Math.floor((n % seriesCount) / SERIES_PER_ENTITY)];
      const spec = entity.series[n % SERIES_PER_ENTITY];
      const round = Math.floor(n / seriesCount);
      observations.push({
        entityType: entity.entityType,
        entityId: entity.entityId,
        platform: entity.platform,
        metric: spec.metric,
        value: spec.kind === 'cumulative' ? (round + 1) * spec.step : spec.step,
        kind: spec.kind,
        observedAt: new Date(since + round * 1000).toISOString(),
      });
    }
    yield JSON.stringify({ batchId: randomUUID(), observations });
  }
}
