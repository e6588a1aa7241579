import { PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';

/** The analytics store. Every event type is at its first version, so nothing is upcast yet. */
export function createAnalyticsEventStore(pool: Pool, schema: string): PostgresEventStore {
  return new PostgresEventStore(pool, { schema });
}
