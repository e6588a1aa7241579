import { Pool } from 'pg';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, type PostgresEventStore as EmmettEventStore } from '@event-driven-io/emmett-postgresql';
import type { Contender, ContenderContext, RowCheck } from './contender';
import type { BenchAppend } from '../workload';

interface EmmettAppend {
  streamName: string;
  events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
}

/**
 * Emmett 0.42's PostgreSQL event store. Its DDL and functions use unqualified names, so they land
 * in `current_schema()`: every connection of this pool gets `search_path=<fresh schema>`, which
 * puts emt_streams, emt_messages, dmb_migrations and the emt_* functions there and nowhere else.
 * (Its "create function if it does not exist" guards look at pg_proc in every schema, so there must
 * be no other Emmett install in the same database: main.ts checks that, and otherwise gives Emmett
 * a dedicated database.)
 */
export class EmmettContender implements Contender<EmmettAppend> {
  readonly name = 'emmett' as const;
  readonly pool: Pool;
  private store: EmmettEventStore | undefined;

  constructor(private readonly ctx: ContenderContext) {
    this.pool = new Pool({ connectionString: ctx.databaseUrl, max: ctx.poolSize, options: `-c search_path=${ctx.schema}` });
  }

  async setup(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA "${this.ctx.schema}"`);
    this.store = getPostgreSQLEventStore(this.ctx.databaseUrl, { connectionOptions: { pool: this.pool } });
    await this.store.schema.migrate();
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.proname = 'emt_append_to_stream' AND n.nspname = $1`,
      [this.ctx.schema],
    );
    if (Number(rows[0].n) !== 1) throw new Error(`Emmett's emt_append_to_stream was not created in schema ${this.ctx.schema}`);
  }

  /** Emmett carries metadata per event; the event id goes in as its messageId (the same ids as the other contenders). */
  prepare(appends: readonly BenchAppend[]): EmmettAppend[] {
    return appends.map((a) => ({
      streamName: a.streamId,
      events: a.events.map((e) => ({ type: e.type, data: e.data, metadata: { messageId: e.id, ...a.metadata } })),
    }));
  }

  async append(a: EmmettAppend): Promise<void> {
    await this.store!.appendToStream(a.streamName, a.events, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
  }

  async reset(): Promise<void> {
    await this.pool.query(`TRUNCATE "${this.ctx.schema}".emt_messages, "${this.ctx.schema}".emt_streams`);
  }

  async check(): Promise<RowCheck> {
    const s = `"${this.ctx.schema}"`;
    const { rows } = await this.pool.query<{ events: string; streams: string; inconsistent: string }>(`
      SELECT (SELECT count(*) FROM ${s}.emt_messages) AS events,
             (SELECT count(*) FROM ${s}.emt_streams) AS streams,
             (SELECT count(*) FROM ${s}.emt_streams st
               WHERE st.stream_position <> (SELECT count(*) FROM ${s}.emt_messages m WHERE m.stream_id = st.stream_id)) AS inconsistent`);
    return { events: Number(rows[0].events), streams: Number(rows[0].streams), inconsistentStreams: Number(rows[0].inconsistent) };
  }

  async teardown(): Promise<void> {
    try {
      await this.store?.close();
      await this.pool.query(`DROP SCHEMA IF EXISTS "${this.ctx.schema}" CASCADE`);
    } finally {
      await this.pool.end();
    }
  }
}
