import type { EntityType, Metric } from '@lib/contracts';
import { qualified } from '@lib/event-store';
import type { Pool } from 'pg';

export type Interval = 'day' | 'hour';

/** A series the queries ask for: one entity, or a workspace's total (entityType `workspace`, id the workspace). */
export interface SeriesKey {
  workspaceId: string;
  entityType: EntityType;
  entityId: string;
  metric: Metric;
}

export interface BucketValue {
  /** Bucket start, epoch milliseconds. */
  t: number;
  value: number;
}

/**
 * The raw rows of a series in [from, to) as a WHERE clause on metric_observations ($1 to $4,
 * then the entity's $5 and $6). Raw rows are kept for the reported entity only, so a
 * workspace's total is every row of the workspace.
 */
function rawRowsOf(key: SeriesKey, from: Date, to: Date): { where: string; params: unknown[] } {
  const range = 'workspace_id = $1 AND metric = $2 AND observed_at >= $3 AND observed_at < $4';
  const params: unknown[] = [key.workspaceId, key.metric, from, to];
  if (key.entityType === 'workspace') return { where: range, params };
  return { where: `${range} AND entity_type = $5 AND entity_id = $6`, params: [...params, key.entityType, key.entityId] };
}

/**
 * What the rollups save: the same answer (sum of the deltas per UTC bucket, every bucket
 * present, 0 when empty) computed from the raw observations alone.
 */
export async function rawSeries(pool: Pool, schema: string, key: SeriesKey, interval: Interval, from: Date, to: Date): Promise<BucketValue[]> {
  const { where, params } = rawRowsOf(key, from, to);
  const { rows } = await pool.query<{ t: string; value: number }>(
    `WITH sums AS (
       SELECT date_trunc('${interval}', observed_at, 'UTC') AS t, sum(delta) AS value
       FROM ${qualified(schema, 'metric_observations')} WHERE ${where} GROUP BY 1)
     SELECT (extract(epoch FROM b.t) * 1000)::bigint::text AS t, coalesce(sums.value, 0) AS value
     FROM generate_series($3::timestamptz, $4::timestamptz - interval '1 ${interval}', interval '1 ${interval}') AS b(t)
     LEFT JOIN sums USING (t)
     ORDER BY b.t`,
    params,
  );
  return rows.map((row) => ({ t: Number(row.t), value: row.value }));
}

/** How many raw rows one answer of `rawSeries` adds up. */
export async function rawRowCount(pool: Pool, schema: string, key: SeriesKey, from: Date, to: Date): Promise<number> {
  const { where, params } = rawRowsOf(key, from, to);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified(schema, 'metric_observations')} WHERE ${where}`, params);
  return Number(rows[0].n);
}
