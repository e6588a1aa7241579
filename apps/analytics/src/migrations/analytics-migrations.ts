import type { MigrationInterface } from 'typeorm';
import { AnalyticsSchema1795400000000 } from './1795400000000-analytics-schema';

/** The analytics service's migrations, oldest first, bound to its schema (DATABASE_SCHEMA). */
export function analyticsMigrations(schema: string): MigrationInterface[] {
  return [new AnalyticsSchema1795400000000(schema)];
}
