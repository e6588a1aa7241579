import { TEST_DATABASE_URL, dropSchema, testPool, uniqueSchemaName } from '@lib/testing';
import type { Pool } from 'pg';
import { MIGRATIONS_TABLE, runMigrations } from '@lib/service-kit';
import { contentMigrations } from '../src/migrations/content-migrations';

const CONTENT_TABLES = [
  'events',
  'inbox',
  'migrations',
  'outbox_checkpoint',
  'post_summaries',
  'projection_checkpoints',
  'projection_dead_letters',
  'publication_jobs',
  'publication_rounds',
  'sandbox_publications',
  'streams',
  'template_names',
  'templates',
];

describe('content migrations', () => {
  let pool: Pool;
  const schema = uniqueSchemaName('content_mig');

  beforeAll(() => {
    pool = testPool(4);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function tablesIn(name: string): Promise<string[]> {
    const result = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [name],
    );
    return result.rows.map((row) => row.table_name);
  }

  it('creates the schema and every table in it, nothing elsewhere, and a second run is a no-op', async () => {
    const publicBefore = await tablesIn('public');
    const first = await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: contentMigrations(schema) });
    expect(first).toEqual(['ContentSchema1795305930271']);
    expect(await tablesIn(schema)).toEqual(CONTENT_TABLES);
    expect(await tablesIn('public')).toEqual(publicBefore);

    const second = await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: contentMigrations(schema) });
    expect(second).toEqual([]);
    const recorded = await pool.query(`SELECT name FROM "${schema}"."${MIGRATIONS_TABLE}"`);
    expect(recorded.rows).toEqual([{ name: 'ContentSchema1795305930271' }]);
    expect(await tablesIn(schema)).toEqual(CONTENT_TABLES);
  });

  it('lets several instances start at once: one migrates, the others find nothing to do', async () => {
    const other = uniqueSchemaName('content_mig');
    try {
      const runs = await Promise.all(
        [1, 2, 3].map(() => runMigrations({ databaseUrl: TEST_DATABASE_URL, schema: other, migrations: contentMigrations(other) })),
      );
      expect(runs.flat()).toEqual(['ContentSchema1795305930271']);
      expect(await tablesIn(other)).toEqual(CONTENT_TABLES);
    } finally {
      await dropSchema(pool, other);
    }
  });

  it("runs as the service's own role, which owns its schema and may not create others", async () => {
    const role = uniqueSchemaName('content_role');
    const owned = uniqueSchemaName('content_mig');
    await pool.query(`CREATE ROLE "${role}" LOGIN`);
    await pool.query(`CREATE SCHEMA "${owned}" AUTHORIZATION "${role}"`);
    try {
      const privilege = await pool.query<{ create: boolean }>(`SELECT has_database_privilege($1, current_database(), 'CREATE') AS create`, [role]);
      expect(privilege.rows[0].create).toBe(false);
      const url = new URL(TEST_DATABASE_URL);
      url.username = role;
      const run = await runMigrations({ databaseUrl: url.toString(), schema: owned, migrations: contentMigrations(owned) });
      expect(run).toEqual(['ContentSchema1795305930271']);
      expect(await tablesIn(owned)).toEqual(CONTENT_TABLES);
    } finally {
      await dropSchema(pool, owned);
      await pool.query(`DROP ROLE "${role}"`);
    }
  });
});
