import type { MigrationInterface } from 'typeorm';
import { AssetsSchema1795500000000 } from './1795500000000-assets-schema';

/** The assets service's migrations, oldest first, bound to its schema (DATABASE_SCHEMA). */
export function assetsMigrations(schema: string): MigrationInterface[] {
  return [new AssetsSchema1795500000000(schema)];
}
