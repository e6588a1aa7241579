import { MIGRATIONS_TABLE, runMigrations } from '@lib/service-kit';
import { TEST_DATABASE_URL, dropSchema, testPool, uniqueSchemaName } from '@lib/testing';
import type { Pool } from 'pg';
import { assetsMigrations } from '../src/migrations/assets-migrations';

const ASSETS_TABLES = [
  'blob_references',
  'blobs',
  'collections',
  'events',
  'inbox',
  'library_items',
  'media_usage',
  'migrations',
  'outbox_checkpoint',
  'projection_checkpoints',
  'projection_dead_letters',
  'staging_assets',
  'streams',
];

describe('assets migrations', () => {
  let pool: Pool;
  const schema = uniqueSchemaName('assets_mig');

  beforeAll(() => {
    pool = testPool(4);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function tablesIn(name: string): Promise<string[]> {
    const result = await pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [name]);
    return result.rows.map((row) => row.table_name);
  }

  it('creates the schema and every table in it, nothing elsewhere, and a second run is a no-op', async () => {
    const publicBefore = await tablesIn('public');
    expect(await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: assetsMigrations(schema) })).toEqual(['AssetsSchema1795500000000']);
    expect(await tablesIn(schema)).toEqual(ASSETS_TABLES);
    expect(await tablesIn('public')).toEqual(publicBefore);
    expect(await runMigrations({ databaseUrl: TEST_DATABASE_URL, schema, migrations: assetsMigrations(schema) })).toEqual([]);
    const recorded = await pool.query(`SELECT name FROM "${schema}"."${MIGRATIONS_TABLE}"`);
    expect(recorded.rows).toEqual([{ name: 'AssetsSchema1795500000000' }]);
  });

  it('keeps the search vector and the title key in step with the row, and gives library_items the indexes its lists and filters use', async () => {
    const items = `"${schema}".library_items`;
    await pool.query(
      `INSERT INTO ${items} (item_id, workspace_id, user_id, source_asset_id, sha256, size_bytes, mime_type, asset_type, prompt, model, tags, favorite,
         visibility, version, created_at, updated_at, title)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'u', gen_random_uuid(), repeat('a', 64), 1, 'image/png', 'image', 'A red fox', 'm',
         ARRAY['winter','snow-day'], false, 'private', 1, now(), now(), 'Snowy Morning')`,
    );
    const found = await pool.query<{ title_key: string; hits: string[] }>(
      `SELECT i.title_key, ARRAY[
         CASE WHEN i.search @@ websearch_to_tsquery('simple', 'morning') THEN 'title' END,
         CASE WHEN i.search @@ websearch_to_tsquery('simple', 'snow-day') THEN 'tag' END,
         CASE WHEN i.search @@ websearch_to_tsquery('simple', 'fox -wolf') THEN 'prompt' END,
         CASE WHEN i.search @@ websearch_to_tsquery('simple', 'wolf') THEN 'none' END] AS hits
       FROM ${items} AS i`,
    );
    expect(found.rows).toEqual([{ title_key: 'snowy morning', hits: ['title', 'tag', 'prompt', null] }]);
    const indexes = await pool.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'library_items' ORDER BY 1`, [schema]);
    expect(indexes.rows.map((row) => row.indexname)).toEqual([
      'library_items_collection_cover_idx',
      'library_items_collection_recent_idx',
      'library_items_pkey',
      'library_items_public_recent_idx',
      'library_items_public_title_idx',
      'library_items_search_idx',
      'library_items_tags_idx',
      'library_items_user_favorite_idx',
      'library_items_user_recent_idx',
      'library_items_user_title_idx',
      'library_items_user_type_idx',
    ]);
    await pool.query(`DELETE FROM ${items}`);
  });
});
