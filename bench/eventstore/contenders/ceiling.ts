import { Pool, escapeLiteral } from 'pg';
import { eventStoreSchemaSql, qualified } from '@lib/event-store';
import type { BenchAppend } from '../workload';
import type { Contender, ContenderContext, RowCheck } from './contender';
import { checkStoreTables } from './store-tables';

export const CEILING_DEFINITION =
  'ceiling = the same rows (a streams row per stream + the events rows) written as plain INSERTs into tables ' +
  'created by eventStoreSchemaSql (same columns, defaults, indexes and trigger), same writers and pool: ' +
  'each append is one transaction sent as ONE simple-protocol message "INSERT INTO streams ...; INSERT INTO events ... VALUES (...)[,(...)...]" ' +
  '(one INSERT per table: one events row per append in the single scenario, one multi-row INSERT per batch) - ' +
  'no version check, no RETURNING, no NOTIFY, one round trip and one commit per append.';

/** The plain-INSERT ceiling: what the server can take for these rows with the least work per append. */
export class CeilingContender implements Contender<BenchAppend> {
  readonly name = 'ceiling' as const;
  readonly pool: Pool;
  private readonly streams: string;
  private readonly events: string;

  constructor(private readonly ctx: ContenderContext) {
    this.pool = new Pool({ connectionString: ctx.databaseUrl, max: ctx.poolSize });
    this.streams = qualified(ctx.schema, 'streams');
    this.events = qualified(ctx.schema, 'events');
  }

  async setup(): Promise<void> {
    for (const statement of eventStoreSchemaSql(this.ctx.schema)) await this.pool.query(statement);
  }

  prepare(appends: readonly BenchAppend[]): BenchAppend[] {
    return [...appends];
  }

  async append(a: BenchAppend): Promise<void> {
    const streamId = escapeLiteral(a.streamId);
    const streamType = escapeLiteral(a.streamType);
    const workspace = escapeLiteral(a.metadata.workspaceId);
    const metadata = escapeLiteral(JSON.stringify(a.metadata));
    const rows: string[] = [];
    for (let i = 0; i < a.events.length; i++) {
      const e = a.events[i];
      rows.push(`(${streamId},${streamType},${i + 1},${escapeLiteral(e.id)},${escapeLiteral(e.type)},1,${escapeLiteral(JSON.stringify(e.data))},${metadata},${workspace})`);
    }
    await this.pool.query(
      `INSERT INTO ${this.streams} (stream_id, stream_type, workspace_id, version) VALUES (${streamId},${streamType},${workspace},${a.events.length});` +
        `INSERT INTO ${this.events} (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, workspace_id) VALUES ${rows.join(',')}`,
    );
  }

  async reset(): Promise<void> {
    await this.pool.query(`TRUNCATE ${this.events}, ${this.streams}`);
  }

  check(): Promise<RowCheck> {
    return checkStoreTables(this.pool, this.ctx.schema);
  }

  async teardown(): Promise<void> {
    try {
      await this.pool.query(`DROP SCHEMA IF EXISTS "${this.ctx.schema}" CASCADE`);
    } finally {
      await this.pool.end();
    }
  }
}
