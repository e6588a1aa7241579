import { Pool } from 'pg';
import { PostgresEventStore, eventStoreSchemaSql, qualified } from '@lib/event-store';
import type { BenchAppend } from '../workload';
import type { Contender, ContenderContext, RowCheck } from './contender';
import { checkStoreTables } from './store-tables';

/** Our event store, used exactly as a service uses it: one `appendToStream` per append, through the pool. */
export class OursContender implements Contender<BenchAppend> {
  readonly name = 'ours' as const;
  readonly pool: Pool;
  private readonly store: PostgresEventStore;

  constructor(private readonly ctx: ContenderContext) {
    this.pool = new Pool({ connectionString: ctx.databaseUrl, max: ctx.poolSize });
    this.store = new PostgresEventStore(this.pool, { schema: ctx.schema });
  }

  async setup(): Promise<void> {
    for (const statement of eventStoreSchemaSql(this.ctx.schema)) await this.pool.query(statement);
  }

  prepare(appends: readonly BenchAppend[]): BenchAppend[] {
    return [...appends];
  }

  async append(a: BenchAppend): Promise<void> {
    await this.store.appendToStream(a.streamId, a.events, { streamType: a.streamType, expectedVersion: 'no_stream', metadata: a.metadata });
  }

  async reset(): Promise<void> {
    await this.pool.query(`TRUNCATE ${qualified(this.ctx.schema, 'events')}, ${qualified(this.ctx.schema, 'streams')}`);
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
