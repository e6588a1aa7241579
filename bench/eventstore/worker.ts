/**
 * One measured run, in its own process: Emmett's dumbo sets global pg type parsers (int8 -> BigInt,
 * its own JSON parser) on the `pg` module, and a fresh process also gives every contender the same
 * clean heap. Started by main.ts with the job as argv[2]; answers with one IPC message.
 */
import { Client } from 'pg';
import type { BenchConfig, ContenderName, ScenarioName } from './config';
import { createContender, type RowCheck } from './contenders';
import { drive } from './driver';
import { durabilityProblem, readDurability, type Durability } from '../shared/durability';
import { percentile, round } from '../shared/stats';
import { appendsIn, buildWorkload } from './workload';

export interface WorkerJob {
  contender: ContenderName;
  scenario: ScenarioName;
  round: number;
  schema: string;
  /** The contender's database (Emmett's may be a dedicated one). */
  databaseUrl: string;
  config: BenchConfig;
}

export interface RunResult {
  contender: ContenderName;
  scenario: ScenarioName;
  round: number;
  events: number;
  appends: number;
  elapsedMs: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** CPU time of this Node process (the client side) per 1,000 events during the timed run. */
  clientCpuMsPer1kEvents: number;
  /** WAL written cluster-wide during the timed run, per event (others' activity on the server would show up here too). */
  walBytesPerEvent: number;
  /** Whether a CHECKPOINT preceded the timed run (needs superuser or pg_checkpoint). */
  checkpointed: boolean;
  durability: Durability;
  check: RowCheck;
  ok: boolean;
}

export type WorkerMessage = { result: RunResult } | { error: string };

async function run(job: WorkerJob): Promise<RunResult> {
  const { config } = job;
  const admin = new Client({ connectionString: job.databaseUrl });
  await admin.connect();
  const contender = createContender(job.contender, { databaseUrl: job.databaseUrl, schema: job.schema, poolSize: config.poolSize });
  try {
    await contender.setup();

    // Open every pool slot up front and check each connection's durability settings (a role or
    // database default could turn synchronous_commit off for some sessions only).
    const clients = await Promise.all(Array.from({ length: config.poolSize }, () => contender.pool.connect()));
    let durability: Durability | undefined;
    try {
      for (const client of clients) {
        const d = await readDurability(client);
        const problem = durabilityProblem(d);
        if (problem) throw new Error(`refusing to measure: ${problem} on a ${job.contender} connection`);
        durability ??= d;
      }
    } finally {
      for (const client of clients) client.release();
    }

    if (config.warmupEvents > 0) {
      const warm = contender.prepare(buildWorkload(job.scenario, config.warmupEvents, config.batchSize));
      await drive(warm, config.writers, (input) => contender.append(input));
      await contender.reset();
    }

    const appends = appendsIn(job.scenario, config.events, config.batchSize);
    const inputs = contender.prepare(buildWorkload(job.scenario, config.events, config.batchSize));

    let checkpointed = true;
    await admin.query('CHECKPOINT').catch(() => (checkpointed = false));
    const lsnBefore = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;
    const cpuBefore = process.cpuUsage();

    const timed = await drive(inputs, config.writers, (input) => contender.append(input));

    const cpu = process.cpuUsage(cpuBefore);
    const wal = await admin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint::text AS bytes', [lsnBefore]);

    const check = await contender.check();
    const ok = check.events === config.events && check.streams === appends && check.inconsistentStreams === 0;
    return {
      contender: job.contender,
      scenario: job.scenario,
      round: job.round,
      events: config.events,
      appends,
      elapsedMs: round(timed.elapsedMs, 1),
      eventsPerSecond: round((config.events * 1000) / timed.elapsedMs, 1),
      latencyMs: {
        p50: round(percentile(timed.latenciesMs, 50), 2),
        p95: round(percentile(timed.latenciesMs, 95), 2),
        p99: round(percentile(timed.latenciesMs, 99), 2),
        max: round(percentile(timed.latenciesMs, 100), 2),
      },
      clientCpuMsPer1kEvents: round(((cpu.user + cpu.system) / 1000 / config.events) * 1000, 2),
      walBytesPerEvent: round(Number(wal.rows[0].bytes) / config.events, 1),
      checkpointed,
      durability: durability!,
      check,
      ok,
    };
  } finally {
    await contender.teardown().catch((error: unknown) => console.error(`teardown of ${job.schema} failed:`, error));
    await admin.end();
  }
}

function reply(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
  run(job).then(
    async (result) => {
      await reply({ result });
      process.exit(0);
    },
    async (error: unknown) => {
      await reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
}
