import type { MigrationInterface } from 'typeorm';
import { ContentSchema1795305930271 } from './1795305930271-content-schema';

/** The content service's migrations, oldest first, bound to its schema (DATABASE_SCHEMA). */
export function contentMigrations(schema: string): MigrationInterface[] {
  return [new ContentSchema1795305930271(schema)];
}
