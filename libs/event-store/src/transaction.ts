import type { Pool, PoolClient, QueryResult } from 'pg';

export interface TransactionOptions {
  /**
   * false: the commit returns without waiting for its WAL to reach disk (`synchronous_commit =
   * off`), so the transaction ends sooner, and with it its hold on the transaction-id horizon
   * every reader by position waits for. A crash may then lose the last such commits, never
   * tear one. Only for what is derived from durable data and made again if lost: a projection's
   * rows move with its checkpoint, so a lost batch is applied again. Default true.
   */
  durable?: boolean;
}

export interface CommitOptions<T> extends TransactionOptions {
  /**
   * A last statement, sent with the COMMIT in one round trip, for what `work` returned (null:
   * none). It goes by the simple protocol, which takes no parameters: any value in it must be
   * a literal escaped by the caller (`escapeLiteral` from pg).
   */
  commitWith?: (result: T) => string | null;
}

/** Runs `work` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: CommitOptions<T> = {}): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    // One round trip either way: a simple query may hold several statements.
    await client.query(options.durable === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
    const result = await work(client);
    const last = options.commitWith?.(result) ?? null;
    // A failing last statement skips the COMMIT after it; the transaction is then rolled back below.
    const answers: QueryResult | QueryResult[] = await client.query(last === null ? 'COMMIT' : `${last}; COMMIT`);
    const commit = Array.isArray(answers) ? answers[answers.length - 1] : answers;
    // PostgreSQL answers COMMIT with ROLLBACK when a statement failed and `work` swallowed the error.
    if (commit.command !== 'COMMIT') throw new Error('a statement in the transaction failed, so its COMMIT rolled it back');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    // A connection that could not even roll back is closed rather than handed to the next caller.
    client.release(broken);
  }
}
