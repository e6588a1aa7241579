/**
 * `npm run bench:eventstore`: our event store vs Emmett's PostgreSQL event store vs plain INSERTs
 * (the ceiling), on the same PostgreSQL, with the server's durability untouched.
 *
 * Every run happens in its own process (worker.ts) on a fresh schema; rounds interleave the
 * contenders in a rotated order; the table shows medians; the last line of stdout is one JSON object.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { CONTENDERS, SCENARIOS, loadConfig, type BenchConfig, type ContenderName, type ScenarioName } from './config';
import { CEILING_DEFINITION } from './contenders';
import { durabilityProblem, readDurability } from '../shared/durability';
import { serverSettings } from '../shared/server-settings';
import { renderTable, summarize } from './report';
import type { RunResult, WorkerJob, WorkerMessage } from './worker';

const EMMETT_DATABASE = 'bench_emmett';

interface Placement {
  /** Where Emmett's schemas go. */
  emmettUrl: string;
  /** Set when Emmett needed its own database (another Emmett install already lives in ours). */
  emmettDatabase: string | null;
}

const log = (line = '') => process.stdout.write(`${line}\n`);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** What the figures depend on besides the code. */
const SERVER_SETTINGS = [
  'server_version', 'synchronous_commit', 'fsync', 'full_page_writes', 'wal_sync_method', 'commit_delay',
  'commit_siblings', 'wal_level', 'shared_buffers', 'max_wal_size', 'wal_compression', 'max_connections',
];

/** Emmett's "create function if not exists" guards look at pg_proc in every schema: with another Emmett in this database, use a dedicated one. */
async function placeEmmett(db: Client, url: string): Promise<Placement> {
  const { rows } = await db.query<{ where: string }>(
    `SELECT DISTINCT n.nspname AS where FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE 'emt\\_%'`,
  );
  if (rows.length === 0) return { emmettUrl: url, emmettDatabase: null };
  log(`Emmett functions already exist in schema(s) ${rows.map((r) => r.where).join(', ')}: Emmett gets a dedicated database ${EMMETT_DATABASE}.`);
  const exists = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMMETT_DATABASE]);
  if (exists.rowCount) throw new Error(`database ${EMMETT_DATABASE} already exists (left over from an interrupted run?): drop it first`);
  await db.query(`CREATE DATABASE ${EMMETT_DATABASE}`);
  return { emmettUrl: withDatabase(url, EMMETT_DATABASE), emmettDatabase: EMMETT_DATABASE };
}

let currentChild: ReturnType<typeof fork> | null = null;

function runWorker(job: WorkerJob): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'worker.js'), [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    currentChild = child;
    let answer: WorkerMessage | undefined;
    child.on('message', (message: WorkerMessage) => (answer = message));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      currentChild = null;
      if (answer && 'result' in answer) resolve(answer.result);
      else if (answer && 'error' in answer) reject(new Error(`${job.contender}/${job.scenario} round ${job.round}: ${answer.error}`));
      else reject(new Error(`${job.contender}/${job.scenario} round ${job.round}: worker exited (${signal ?? code}) without a result`));
    });
  });
}

async function dropLeftovers(url: string, tag: string): Promise<void> {
  const db = await connect(url);
  try {
    const { rows } = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${tag}\\_%`]);
    for (const { nspname } of rows) await db.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await db.end();
  }
}

function plan(config: BenchConfig): { round: number; scenario: ScenarioName; contender: ContenderName }[] {
  const runs: { round: number; scenario: ScenarioName; contender: ContenderName }[] = [];
  for (let r = config.warmupRound ? 0 : 1; r <= config.rounds; r++) {
    const scenarios = r % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
    for (const scenario of scenarios) {
      for (let i = 0; i < CONTENDERS.length; i++) runs.push({ round: r, scenario, contender: CONTENDERS[(i + r) % CONTENDERS.length] });
    }
  }
  return runs;
}

function describeLayout(config: BenchConfig): string[] {
  const batches = config.events / config.batchSize;
  return [
    `single: ${config.events} streams x 1 event = ${config.events} appends; batch: ${batches} streams x ${config.batchSize} events = ${batches} appends of ${config.batchSize}.`,
    `Every append creates its stream (expected version "no stream"); the same events (ids, ~200-byte JSON data, metadata workspaceId/actorId/correlationId/causationId) for every contender.`,
    `${config.writers} concurrent writers for every contender and scenario, each with at most one append in flight; pg.Pool max ${config.poolSize} per contender.`,
    `Each run: own process, fresh schema, ${config.warmupEvents} warm-up events of the same shape (then TRUNCATE), CHECKPOINT, timed run, row-count check, DROP SCHEMA.`,
    `${config.warmupRound ? 'Round 0 is a full warm-up round (not counted); ' : ''}rounds 1-${config.rounds} interleave the contenders in a rotated order; figures are medians.`,
    CEILING_DEFINITION,
  ];
}

async function main(): Promise<number> {
  const config = loadConfig();
  const tag = `bench_es_${randomBytes(3).toString('hex')}`;
  const startedAt = new Date().toISOString();
  const db = await connect(config.databaseUrl);
  let placement: Placement | undefined;
  let interrupted = false;

  const cleanup = async () => {
    await dropLeftovers(config.databaseUrl, tag).catch((e: unknown) => console.error('cleanup failed:', e));
    if (placement?.emmettDatabase) {
      await db.query(`DROP DATABASE IF EXISTS ${placement.emmettDatabase} WITH (FORCE)`).catch((e: unknown) => console.error('cleanup failed:', e));
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping and dropping the benchmark's schemas`);
    currentChild?.kill('SIGKILL'); // its run then fails, and the finally below cleans up
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const durability = await readDurability(db);
    log(`PostgreSQL at ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`);
    log(`SHOW synchronous_commit = ${durability.synchronousCommit}; SHOW fsync = ${durability.fsync}`);
    const problem = durabilityProblem(durability);
    if (problem) {
      console.error(`Refusing to run: ${problem}. The comparison is only meaningful with durable commits.`);
      return 2;
    }
    const settings = await serverSettings(db, SERVER_SETTINGS);
    placement = await placeEmmett(db, config.databaseUrl);
    log();
    for (const line of describeLayout(config)) log(line);
    log();

    const results: RunResult[] = [];
    let verified = true;
    for (const step of plan(config)) {
      if (interrupted) throw new Interrupted();
      const url = step.contender === 'emmett' ? placement.emmettUrl : config.databaseUrl;
      const schema = `${tag}_${step.contender}_${step.scenario}_r${step.round}`;
      const result = await runWorker({ ...step, schema, databaseUrl: url, config }).catch((error: unknown) => {
        throw interrupted ? new Interrupted() : error;
      });
      results.push(result);
      if (!result.ok) verified = false;
      log(
        `${step.round === 0 ? 'warm-up' : `round ${step.round}`} ${step.scenario.padEnd(6)} ${step.contender.padEnd(7)} ` +
          `${Math.round(result.eventsPerSecond).toString().padStart(7)} events/s  ${(result.elapsedMs / 1000).toFixed(2)} s  ` +
          `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  ` +
          `check: ${result.check.events} events, ${result.check.streams} streams ${result.ok ? 'OK' : 'MISMATCH'}`,
      );
    }

    const measured = results.filter((r) => r.round > 0);
    const summary = summarize(measured);
    log();
    log(renderTable(summary));
    log();
    for (const scenario of SCENARIOS) {
      const r = summary.ratios[scenario];
      log(
        `${scenario}: ours/Emmett ${r.oursVsEmmett.toFixed(2)}x (target ${r.targets.vsEmmett.target}x ${r.targets.vsEmmett.pass ? 'PASS' : 'FAIL'}), ` +
          `ours/ceiling ${(r.oursOfCeiling * 100).toFixed(1)}% (target ${r.targets.ofCeiling.target * 100}% ${r.targets.ofCeiling.pass ? 'PASS' : 'FAIL'}), ` +
          `Emmett/ceiling ${(r.emmettOfCeiling * 100).toFixed(1)}%; per round ours/Emmett ${r.byRound.map((x) => x.oursVsEmmett.toFixed(2)).join(', ')}`,
      );
    }
    log(verified ? `Row counts verified after every run (${config.events} events each).` : 'ROW COUNT MISMATCH in at least one run: see above.');
    log();
    log(
      JSON.stringify({
        bench: 'eventstore',
        startedAt,
        finishedAt: new Date().toISOString(),
        database: `${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`,
        server: settings,
        durability,
        emmettPlacement: placement.emmettDatabase ? `database ${placement.emmettDatabase}` : 'own schema per run (search_path) in the same database',
        config: { ...config, databaseUrl: undefined },
        layout: {
          single: { streams: config.events, eventsPerAppend: 1, appends: config.events },
          batch: { streams: config.events / config.batchSize, eventsPerAppend: config.batchSize, appends: config.events / config.batchSize },
          writers: config.writers,
          expectedVersion: 'no_stream',
        },
        ceiling: CEILING_DEFINITION,
        figures: summary.figures,
        ratios: summary.ratios,
        pass: summary.pass,
        verified,
        runs: results,
      }),
    );
    if (!verified) return 1;
    return process.env.BENCH_STRICT === '1' && !summary.pass ? 3 : 0;
  } finally {
    await cleanup();
    await db.end();
  }
}

class Interrupted extends Error {}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof Interrupted) process.exit(130);
    console.error(error);
    process.exit(1);
  },
);
