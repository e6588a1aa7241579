import { qualified, type GlobalCheckpoint } from '@lib/event-store';
import type { Pool } from 'pg';

/** Where a projection of the service whose store is in `schema` stands, read from outside the service. */
export async function checkpointOf(pool: Pool, schema: string, projection: string): Promise<GlobalCheckpoint> {
  const { rows } = await pool.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text AS transaction_id, position::text AS position FROM ${qualified(schema, 'projection_checkpoints')} WHERE name = $1`,
    [projection],
  );
  if (rows.length === 0) throw new Error(`projection ${projection} has no checkpoint in ${schema}`);
  return { transactionId: rows[0].transaction_id, position: Number(rows[0].position) };
}
