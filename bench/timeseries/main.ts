/**
 * `npm run bench:timeseries`: the analytics time-series store at the issue's scale. Loads the
 * observations through the real write path and projection, times the rollup queries against the
 * same answers from the raw rows (checked equal), then runs the services as `npm start` does,
 * each in a process of its own, to measure POST /v1/metrics and the lag from a content event's
 * commit to its metric being queryable. The last line of stdout is one JSON object with every figure.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { qualified } from '@lib/event-store';
import { runMigrations } from '@lib/service-kit';
import { PrivateNatsServer, type ServiceProcess } from '@lib/testing';
import { createAnalyticsEventStore } from '../../apps/analytics/src/analytics-event-store';
import { AnalyticsConfig } from '../../apps/analytics/src/analytics.config';
import { analyticsMigrations } from '../../apps/analytics/src/migrations/analytics-migrations';
import { createContentEventStore } from '../../apps/content/src/content-event-store';
import { durabilityProblem, readDurability } from '../shared/durability';
import { dropRunSchemas, withApplicationName } from '../shared/run-tag';
import { serverSettings } from '../shared/server-settings';
import { loadConfig, TARGETS, type BenchConfig } from './config';
import { fmt, log, seconds } from '../shared/format';
import { measureIngestion } from './ingestion';
import { measureLag } from './lag';
import { loadObservations } from './load';
import { measureQueries } from './queries';
import { checkTargets, renderFigures, renderQueries } from './report';
import { startService } from './services';

/** What the figures depend on besides the code. */
const SERVER_SETTINGS = [
  'server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'effective_cache_size', 'work_mem',
  'max_wal_size', 'checkpoint_timeout', 'max_parallel_workers_per_gather', 'jit', 'random_page_cost',
];

/** The issue's scale: a run at another one says so. */
const FULL_SCALE = { observations: 10_000_000, entities: 10_000, days: 90 };


function isFullScale(config: BenchConfig): boolean {
  return config.observations === FULL_SCALE.observations && config.entities === FULL_SCALE.entities && config.days === FULL_SCALE.days;
}

function describeScale(config: BenchConfig): string {
  const full = isFullScale(config);
  return (
    `${fmt(config.observations)} observations over ${fmt(config.entities)} entities (6 in 7 posts, 1 in 7 accounts; 5 series each) ` +
    `in ${config.workspaces} workspaces, over the ${config.days} days ending now${full ? ' (the issue\'s full scale)' : ' (REDUCED scale: not the issue\'s 10,000,000 / 10,000 / 90)'}`
  );
}


async function main(): Promise<number> {
  const config = loadConfig();
  const tag = `bench_ts_${randomBytes(3).toString('hex')}`;
  const analyticsSchema = `${tag}_analytics`;
  const contentSchema = `${tag}_content`;
  const url = withApplicationName(config.databaseUrl, tag);
  const startedAt = new Date().toISOString();
  const pool = new Pool({ connectionString: url, max: config.loadWriters + 4 });
  let nats: PrivateNatsServer | null = null;
  const services: ServiceProcess[] = [];

  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const service of services.reverse()) await service.stop().catch((e: unknown) => console.error('stopping a service failed:', e));
      await nats?.dispose().catch((e: unknown) => console.error('stopping NATS failed:', e));
      await pool.end().catch(() => undefined);
      await dropRunSchemas(config.databaseUrl, tag).catch((e: unknown) => console.error('cleanup failed:', e));
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping and dropping the benchmark's schemas`);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const durability = await readDurability(pool);
    const settings = await serverSettings(pool, SERVER_SETTINGS);
    const where = `${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`;
    log(`PostgreSQL ${settings.server_version} at ${where}, schemas ${analyticsSchema} and ${contentSchema} (dropped at the end)`);
    log(`SHOW synchronous_commit = ${durability.synchronousCommit}; SHOW fsync = ${durability.fsync}; shared_buffers = ${settings.shared_buffers}`);
    const problem = durabilityProblem(durability);
    if (problem) log(`WARNING: ${problem}: commits are not durable, so ingestion and lag figures are flattered.`);
    log(`Scale: ${describeScale(config)}.`);
    log();

    await runMigrations({ databaseUrl: url, schema: analyticsSchema, migrations: analyticsMigrations(analyticsSchema) });
    const store = createAnalyticsEventStore(pool, analyticsSchema);
    const maxBatch = new AnalyticsConfig().ANALYTICS_MAX_BATCH;

    log(`1. Load: MetricBatchRecorded events of ${fmt(maxBatch)} observations (${config.loadWriters} writers), then the timeseries projection (${config.projectionBatchEvents} events per transaction)`);
    const loaded = await loadObservations(pool, store, config, maxBatch);
    const load = loaded.result;
    log(`  raw rows ${fmt(load.rows.rawObservations)}, hourly rollup rows ${fmt(load.rows.hourlyRollups)}, daily ${fmt(load.rows.dailyRollups)}; entity_owners caught up in ${seconds(load.entityOwnersCatchUpMs)}`);
    log();

    log(`2. Queries: ${config.queryIterations} rollup runs each after ${config.queryWarmup} warm-up; raw runs up to ${config.rawIterations} or ${seconds(config.rawBudgetMs)}`);
    const queries = await measureQueries(pool, analyticsSchema, config, loaded.workspaceIds, loaded.entities);
    log(`  every rollup answer equals the raw one (${queries.verifiedSeries} series checked bucket by bucket)`);
    log();

    // The loaded 90 days stand for batches recorded, and published, as they came: the service's
    // outbox relay starts at the head rather than publishing them all (350 MB at full scale)
    // through parts 3 and 4, which it would otherwise spend on that.
    const head = await store.visibleHead();
    await pool.query(
      `INSERT INTO ${qualified(analyticsSchema, 'outbox_checkpoint')} (name, transaction_id, position) VALUES ('analytics-outbox', $1::xid8, $2)
       ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position`,
      [head.transactionId, head.position],
    );

    nats = await PrivateNatsServer.start();
    log(`3. Ingestion: the analytics service in a process of its own (private NATS on ${nats.port}), ${config.ingestClients} clients for ${config.ingestSeconds} s`);
    const analytics = await startService('analytics', url, analyticsSchema, nats);
    services.push(analytics);
    const ingestion = await measureIngestion(analytics, pool, store, config);
    log(`  the projection had applied all of it ${seconds(ingestion.projection.drainMs)} after the last answer`);
    log();

    log(`4. Lag: the content service in a process of its own too; PostDrafted at ${config.lagRatePerSecond}/s for ${config.lagSeconds} s after a warm-up, probed every ${config.lagPollMs} ms`);
    services.push(await startService('content', url, contentSchema, nats));
    const lag = await measureLag(pool, createContentEventStore(pool, contentSchema), store, config);
    log();

    const results = { load, queries, ingestion, lag };
    const targets = checkTargets(results);
    const pass = targets.every((t) => t.pass);
    log(renderQueries(queries));
    log();
    log(renderFigures(results));
    log();
    log(`Targets: ${targets.filter((t) => t.pass).length} of ${targets.length} met${pass ? '' : `; not met: ${targets.filter((t) => !t.pass).map((t) => `${t.name} ${t.actual} (target ${t.target})`).join('; ')}`}.`);
    log();
    log(
      JSON.stringify({
        bench: 'timeseries',
        startedAt,
        finishedAt: new Date().toISOString(),
        database: where,
        server: settings,
        durability,
        scale: { observations: config.observations, entities: config.entities, workspaces: config.workspaces, days: config.days, full: isFullScale(config) },
        config: { ...config, databaseUrl: undefined },
        targets: TARGETS,
        load,
        queries,
        ingestion,
        lag,
        checks: targets,
        pass,
      }),
    );
    return process.env.BENCH_STRICT === '1' && !pass ? 3 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
