import type { Pool } from 'pg';
import { qualified } from '@lib/event-store';
import type { RowCheck } from './contender';

/** Row counts of our store's tables (used for our store and for the plain-INSERT ceiling, which write the same rows). */
export async function checkStoreTables(pool: Pool, schema: string): Promise<RowCheck> {
  const events = qualified(schema, 'events');
  const streams = qualified(schema, 'streams');
  const { rows } = await pool.query<{ events: string; streams: string; inconsistent: string }>(`
    SELECT (SELECT count(*) FROM ${events}) AS events,
           (SELECT count(*) FROM ${streams}) AS streams,
           (SELECT count(*) FROM ${streams} s
             WHERE s.version <> (SELECT count(*) FROM ${events} e WHERE e.stream_id = s.stream_id)) AS inconsistent`);
  return { events: Number(rows[0].events), streams: Number(rows[0].streams), inconsistentStreams: Number(rows[0].inconsistent) };
}
