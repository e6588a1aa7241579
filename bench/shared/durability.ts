/** The settings that make a commit durable; the benchmark refuses to measure without them. */
export interface Durability {
  synchronousCommit: string;
  fsync: string;
}

interface Queryable {
  query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }>;
}

export async function readDurability(db: Queryable): Promise<Durability> {
  const sc = await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
  const fs = await db.query<{ fsync: string }>('SHOW fsync');
  return { synchronousCommit: sc.rows[0].synchronous_commit, fsync: fs.rows[0].fsync };
}

/** fsync must be on, and synchronous_commit on (or the stronger remote_apply): never off, local or remote_write. */
export function durabilityProblem(d: Durability): string | null {
  if (d.fsync !== 'on') return `fsync = ${d.fsync}`;
  if (d.synchronousCommit !== 'on' && d.synchronousCommit !== 'remote_apply') return `synchronous_commit = ${d.synchronousCommit}`;
  return null;
}
