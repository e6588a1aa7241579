import { assertIdentifier, qualified } from '@lib/event-store';
import type { PoolClient } from 'pg';

/** The first instant of the UTC month `at` falls in. */
export function monthStartOf(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** The first instant of the UTC month `months` after the one `monthStart` begins. */
export function addMonths(monthStart: Date, months: number): Date {
  return new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + months, 1));
}

/** `<table>_pYYYYMM`: the month partition of a table (live or shadow) holding `monthStart`. */
export function partitionName(tableName: string, monthStart: Date): string {
  return assertIdentifier(`${tableName}_p${monthStart.getUTCFullYear()}${String(monthStart.getUTCMonth() + 1).padStart(2, '0')}`);
}

/** The month a partition named by `partitionName` holds; null for any other name. */
export function monthOfPartition(name: string): Date | null {
  const match = /_p(\d{4})(\d{2})$/.exec(name);
  if (!match) return null;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? new Date(Date.UTC(Number(match[1]), month - 1, 1)) : null;
}

/**
 * Creates the month partitions of `schema.tableName` that are missing, in one round trip. An
 * existing one costs a name lookup and no lock on the parent; a new one locks the parent (ACCESS
 * EXCLUSIVE) until the caller's transaction ends. Creators of one table queue on an advisory lock,
 * so two of them (the projection and the maintainer) never race to create the same month.
 */
export async function ensureMonthlyPartitions(client: PoolClient, schema: string, tableName: string, monthStarts: Iterable<Date>): Promise<void> {
  const parent = qualified(schema, tableName);
  const statements = [...new Set([...monthStarts].map((at) => monthStartOf(at).getTime()))].map((ms) => {
    const from = new Date(ms);
    return `CREATE TABLE IF NOT EXISTS ${qualified(schema, partitionName(tableName, from))} PARTITION OF ${parent}
      FOR VALUES FROM ('${from.toISOString()}') TO ('${addMonths(from, 1).toISOString()}')`;
  });
  if (statements.length === 0) return;
  // Simple protocol: several statements in one round trip (no parameters, all values are ours).
  await client.query([`SELECT pg_advisory_xact_lock(hashtext('partitions:' || ${literal(parent)}))`, ...statements].join(';\n'));
}

/**
 * Which month partitions exist, per table, as far as this process has seen them committed: the
 * projection's hot path then costs one catalog lookup per batch (the tables' OIDs) and no DDL.
 * - Keyed by the table's OID, never its name: a rebuild's shadow is a new table each time and
 *   the swap gives the live name to another table, so an entry never outlives its table.
 * - Only partitions found existing are remembered, never those just created: the transaction
 *   creating them may still roll back. The next batch finds them and remembers them then.
 * - A partition the maintainer drops is forgotten by it (same process), or by `forgetAll` when
 *   an insert finds it gone (another process dropped it; the retried batch creates it again).
 */
export class PartitionCache {
  private readonly months = new Map<number, Set<number>>();
  /** The OID last seen under each qualified name, to let go of a replaced table's entry. */
  private readonly oids = new Map<string, number>();

  /** Ensures that every table (unqualified name) has a partition for each month it needs. */
  async ensure(client: PoolClient, schema: string, needs: ReadonlyMap<string, Iterable<Date>>): Promise<void> {
    const tableNames = [...needs.keys()];
    if (tableNames.length === 0) return;
    const { rows } = await client.query<{ oid: string | null }>(
      'SELECT to_regclass(name)::oid::int8 AS oid FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY n',
      [tableNames.map((name) => qualified(schema, name))],
    );
    const misses: { tableName: string; known: Set<number>; months: Date[] }[] = [];
    for (const [index, tableName] of tableNames.entries()) {
      const oid = Number(rows[index].oid ?? Number.NaN);
      if (Number.isNaN(oid)) throw new Error(`Table ${schema}.${tableName} does not exist`);
      const previous = this.oids.get(qualified(schema, tableName));
      if (previous !== oid) {
        if (previous !== undefined) this.months.delete(previous);
        this.oids.set(qualified(schema, tableName), oid);
      }
      let known = this.months.get(oid);
      if (!known) this.months.set(oid, (known = new Set<number>()));
      const months = [...new Set([...(needs.get(tableName) ?? [])].map((at) => monthStartOf(at).getTime()))].filter((ms) => !known.has(ms));
      if (months.length > 0) misses.push({ tableName, known, months: months.map((ms) => new Date(ms)) });
    }
    if (misses.length === 0) return;
    const names = misses.flatMap((miss) => miss.months.map((month) => qualified(schema, partitionName(miss.tableName, month))));
    const found = await client.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(name) IS NOT NULL', [names]);
    const existing = new Set(found.rows.map((row) => row.name));
    for (const miss of misses) {
      const absent = miss.months.filter((month) => {
        if (!existing.has(qualified(schema, partitionName(miss.tableName, month)))) return true;
        miss.known.add(month.getTime());
        return false;
      });
      if (absent.length > 0) await ensureMonthlyPartitions(client, schema, miss.tableName, absent);
    }
  }

  /** For the maintainer, once it has dropped a partition. */
  forgetMonth(schema: string, tableName: string, monthStart: Date): void {
    const oid = this.oids.get(qualified(schema, tableName));
    if (oid !== undefined) this.months.get(oid)?.delete(monthStartOf(monthStart).getTime());
  }

  forgetAll(): void {
    this.months.clear();
    this.oids.clear();
  }
}

/** The process's cache, shared by the projection (which fills it) and the maintainer (which drops partitions). */
export const partitionCache = new PartitionCache();

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
