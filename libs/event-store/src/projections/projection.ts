import type { PoolClient } from 'pg';
import type { RecordedEvent } from '../types';

export interface ProjectionContext {
  /** The transaction the projection's rows and its checkpoint are written in. */
  readonly client: PoolClient;
  readonly schema: string;
  /** True while building the shadow copy beside the live one. */
  readonly rebuilding: boolean;
  /**
   * The qualified name to write one of the projection's tables to: the live table, or its
   * shadow copy during a rebuild. Projections must never hard-code their table names, and
   * refer to columns through an alias (`INSERT INTO ${ctx.table('x')} AS x ...`).
   */
  table(name: string): string;
  /**
   * The unqualified name of the table `table(name)` qualifies: for naming objects derived from
   * it, such as a partition the projection creates on demand (`${ctx.tableName('x')}_p202611`,
   * which the swap renames along with the table).
   */
  tableName(name: string): string;
}

/**
 * A read model built from this service's own events. It owns its tables (created by the
 * service's migrations); the runner owns its checkpoint, written in the same transaction.
 */
export interface Projection {
  readonly name: string;
  readonly tables: readonly string[];
  /** Only these event types reach `apply` (all when omitted); the checkpoint still moves past the rest. */
  readonly eventTypes?: readonly string[];
  apply(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
}
