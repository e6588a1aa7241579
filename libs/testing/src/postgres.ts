import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/** The shared development/test server; tests isolate themselves by schema, never by touching others'. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function testPool(max = 10): Pool {
  return new Pool({ connectionString: TEST_DATABASE_URL, max });
}

/** A unique, empty schema name for one test file: `<prefix>_<random>`. */
export function uniqueSchemaName(prefix: string): string {
  return `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
