/**
 * `npm run bench:library`: the assets service's library views at the scale. Loads a
 * generated library through the write path and the real projections, times the library listing
 * (by collection, tag and text; first and deep page) and the collections list through the real
 * read path against the same answers computed with COUNT(*) and JOINs on the seed's write tables
 * (checked equal), then times an upload of a large video against plain file copies. The last
 * line of stdout is one JSON object with every figure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { runMigrations, systemClock } from '@lib/service-kit';
import { createAssetsEventStore } from '../../apps/assets/src/assets-event-store';
import { CollectionsService } from '../../apps/assets/src/collections/collections.service';
import { LibraryService } from '../../apps/assets/src/library/library.service';
import { assetsMigrations } from '../../apps/assets/src/migrations/assets-migrations';
import { COLLECTIONS, LIBRARY_ITEMS, MEDIA_USAGE } from '../../apps/assets/src/projections/library-views.projection';
import { BlobReferences } from '../../apps/assets/src/staging/blob-references';
import { dropRunSchemas, withApplicationName } from '../shared/run-tag';
import { serverSettings } from '../shared/server-settings';
import { median } from '../shared/stats';
import { AssetsApp } from './assets-app';
import { FULL_SCALE, TARGETS, isFullScale, loadConfig, type BenchConfig } from './config';
import { fmt, log, seconds } from '../shared/format';
import { loadLibrary } from './load';
import { PAGE_SIZE, QueryBench } from './queries';
import { renderLoad, renderQueries, renderUpload } from './report';
import { ADDED_INDEXES, SEED_CHANGES, SeedBaseline } from './seed-baseline';
import { measureUpload } from './upload';
import { planLibrary, type LibraryPlan } from './workload';

/** What the figures depend on besides the code. */
const SERVER_SETTINGS = [
  'server_version', 'shared_buffers', 'effective_cache_size', 'work_mem', 'random_page_cost', 'jit',
  'max_parallel_workers_per_gather', 'synchronous_commit', 'fsync',
];


function describeScale(config: BenchConfig): string {
  const scale = `${fmt(config.items)} library items, ${fmt(config.users)} users in ${fmt(config.workspaces)} workspaces, ${fmt(config.collections)} collections, a ${fmt(config.uploadMiB)} MiB video`;
  return isFullScale(config)
    ? `${scale} (the issue's full scale)`
    : `${scale} (REDUCED scale: not the issue's ${fmt(FULL_SCALE.items)} / ${fmt(FULL_SCALE.users)} / ${fmt(FULL_SCALE.collections)} / ${FULL_SCALE.uploadMiB} MiB)`;
}

/** The shape of the generated library, for reading the figures. */
function describePlan(plan: LibraryPlan) {
  const itemsPerUser = plan.users.map((u) => u.items.length);
  const collectionsPerUser = plan.users.map((u) => u.collections.length);
  const members = new Map<number, number>();
  for (const item of plan.items) {
    const at = item.move ? item.move.to : item.collection;
    if (at !== null) members.set(at, (members.get(at) ?? 0) + 1);
  }
  const sizes = plan.collections.map((_, c) => members.get(c) ?? 0);
  return {
    itemsPerUser: { min: Math.min(...itemsPerUser), median: median(itemsPerUser), max: Math.max(...itemsPerUser) },
    collectionsPerUser: { min: Math.min(...collectionsPerUser), median: median(collectionsPerUser), max: Math.max(...collectionsPerUser) },
    itemsPerCollection: { min: Math.min(...sizes), median: median(sizes), max: Math.max(...sizes) },
    itemsInACollection: sizes.reduce((a, b) => a + b, 0),
    updated: plan.items.filter((i) => i.update !== null).length,
    moved: plan.items.filter((i) => i.move !== null).length,
    renamedCollections: plan.collections.filter((c) => c.rename !== null).length,
    posts: plan.posts.length,
    mediaEvents: plan.posts.reduce((n, p) => n + p.media.length + p.media.filter((m) => m.detach !== null).length, 0),
  };
}

/** Ends the run's connections, drops its schemas (`<tag>_*`) and files. */
async function dropEverything(url: string, tag: string, directory: string | null): Promise<void> {
  if (directory !== null) await rm(directory, { recursive: true, force: true });
  await dropRunSchemas(url, tag);
}

async function main(): Promise<number> {
  const config = loadConfig();
  const tag = `bench_lib_${randomBytes(3).toString('hex')}`;
  const assetsSchema = `${tag}_assets`;
  const seedSchema = `${tag}_seed`;
  const uploadSchema = `${tag}_upload`;
  const url = withApplicationName(config.databaseUrl, tag);
  const startedAt = new Date().toISOString();
  // The machine is shared: how busy it was says how far to trust the tail latencies.
  const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));
  const pool = new Pool({ connectionString: url, max: config.loadWriters + 2 });
  // An interrupt ends the run's connections (dropEverything): their errors are expected then, and
  // otherwise reach the query that next uses the connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  let directory: string | null = null;
  let app: AssetsApp | null = null;

  let cleaning: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      // The app first: it holds connections and its NATS server (a child process).
      await app?.close();
      await dropEverything(config.databaseUrl, tag, directory);
    })().catch((e: unknown) => console.error('cleanup failed:', e)));
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    log(`\n${signal}: stopping, dropping the benchmark's schemas and files`);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const database = `${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`;
    const settings = await serverSettings(pool, SERVER_SETTINGS);
    log(`PostgreSQL ${settings.server_version} at ${database}; schemas ${assetsSchema} (the service's migrations) and ${seedSchema} (the seed's tables)`);
    log(describeScale(config));
    log(`${cpus().length} CPUs; load average at the start ${loadAtStart.join(', ')} (1, 5, 15 min)`);
    log();

    await runMigrations({ databaseUrl: url, schema: assetsSchema, migrations: assetsMigrations(assetsSchema) });
    const plan = planLibrary(config);
    const shape = describePlan(plan);
    log(
      `Library: items per user ${shape.itemsPerUser.min}..${shape.itemsPerUser.max} (median ${shape.itemsPerUser.median}), ` +
        `collections per user ${shape.collectionsPerUser.min}..${shape.collectionsPerUser.max}, items per collection ${shape.itemsPerCollection.min}..${shape.itemsPerCollection.max} ` +
        `(${fmt(shape.itemsInACollection)} items in one); ${fmt(shape.updated)} items edited, ${fmt(shape.moved)} moved, ${fmt(shape.renamedCollections)} collections renamed; ` +
        `${fmt(shape.posts)} posts with ${fmt(shape.mediaEvents)} media events.`,
    );
    log('Loading through the write path (deciders -> appendToStream + blob ledger, then ProjectionRunner.catchUp):');
    const store = createAssetsEventStore(pool, assetsSchema);
    const loaded = await loadLibrary(pool, store, plan, config);

    log('Loading the same library into the seed\'s tables:');
    const baseline = new SeedBaseline(pool, seedSchema);
    const baselineStart = performance.now();
    await baseline.create();
    await baseline.load(loaded);
    const baselineLoadMs = performance.now() - baselineStart;
    log(`  ${fmt(loaded.items.length)} items, ${fmt(loaded.collections.length)} collections, ${fmt(loaded.usage.length)} post media links in ${seconds(baselineLoadMs)}`);
    // Both sides as autovacuum would leave them: statistics, and visibility maps for index-only scans.
    for (const table of [`"${assetsSchema}".${LIBRARY_ITEMS}`, `"${assetsSchema}".${COLLECTIONS}`, `"${assetsSchema}".${MEDIA_USAGE}`, `"${seedSchema}".user_library`, `"${seedSchema}".user_collections`, `"${seedSchema}".post_media_links`]) {
      await pool.query(`VACUUM (ANALYZE) ${table}`);
    }
    log();

    // Reads never touch the blob ledger: its storage is never asked anything.
    const blobs = new BlobReferences(pool, assetsSchema, { stat: async () => null, delete: async () => undefined });
    const library = new LibraryService(pool, store, systemClock, blobs);
    const collections = new CollectionsService(pool, store, systemClock, library);
    log(
      `Queries: ${config.warmup + config.iterations} rounds of one call per row (rows in a rotated order), the first ${config.warmup} warm-up; ` +
        `one call at a time, view and seed alternating first; pages of ${PAGE_SIZE}; every answer of the two compared.`,
    );
    const queries = new QueryBench(library, collections, baseline, plan, loaded, config);
    const cases = await queries.run();
    log(`  ${fmt(queries.answersChecked)} answers compared: the view and the seed's COUNT(*)/JOIN agree on every one (ids, order, names, counts, covers, usage).`);
    log();

    log(`Upload: ${config.uploadRounds} rounds, each method once per round in a rotated order:`);
    directory = await mkdtemp(join(config.dataDir, 'bench-library-'));
    app = await AssetsApp.start(url, uploadSchema, join(directory, 'assets'));
    const upload = await measureUpload(config, directory, app);
    log();

    log(renderLoad(loaded.figures, baselineLoadMs));
    log();
    log(renderQueries(cases));
    log();
    log(renderUpload(upload));
    log();
    log('Seed tables (../shared/seeds/002): user_library, user_collections as given, with these changes:');
    for (const change of SEED_CHANGES) log(`  - ${change}`);
    log('Indexes on them beyond the seed\'s:');
    for (const index of ADDED_INDEXES) log(`  - ${index.name}: ${index.why}`);
    log();
    const loadAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
    log(`Load average at the end ${loadAtEnd.join(', ')} (1, 5, 15 min) on ${cpus().length} CPUs.`);
    const pass = cases.every((c) => c.pass);
    const slowest = cases.reduce((a, b) => (b.viewMs.p95 > a.viewMs.p95 ? b : a));
    log(
      `Target p95 < ${TARGETS.viewP95Ms} ms for every view: ${pass ? 'PASS' : 'FAIL'} (slowest p95: ${slowest.name}, ${slowest.viewMs.p95} ms). ` +
        `Upload ${upload.methods.upload.mibPerSecond} MiB/s = ${upload.ratios.ofCopyFile}x fs.copyFile, ${upload.ratios.ofStreamCopyFsync}x a stream copy with fsync.`,
    );
    log();
    log(
      JSON.stringify({
        bench: 'library',
        startedAt,
        finishedAt: new Date().toISOString(),
        database,
        server: settings,
        machine: { cpus: cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd },
        scale: { items: config.items, users: config.users, workspaces: config.workspaces, collections: config.collections, uploadMiB: config.uploadMiB, fullScale: isFullScale(config) },
        config: { ...config, databaseUrl: undefined },
        library: shape,
        load: { ...loaded.figures, seedTablesMs: Math.round(baselineLoadMs) },
        seedTables: { changes: SEED_CHANGES, addedIndexes: ADDED_INDEXES },
        pageSize: PAGE_SIZE,
        queries: cases,
        answersCompared: queries.answersChecked,
        upload,
        targets: { viewP95Ms: TARGETS.viewP95Ms, pass, slowestView: { name: slowest.name, p95Ms: slowest.viewMs.p95 } },
      }),
    );
    return process.env.BENCH_STRICT === '1' && !pass ? 3 : 0;
  } finally {
    await pool.end();
    await cleanup();
  }
}

/** Set by SIGINT or SIGTERM: the run's failures after that are the interrupt's. */
let interrupted = false;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (interrupted) process.exit(130);
    console.error(error);
    process.exit(1);
  },
);
