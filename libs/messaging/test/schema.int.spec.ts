import { messagingSchemaSql } from '@lib/messaging';
import { dropSchema, testPool, uniqueSchemaName } from '@lib/testing';

describe('messagingSchemaSql', () => {
  const pool = testPool(2);
  const schema = uniqueSchemaName('messaging_ddl');
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('creates the outbox checkpoint and inbox tables, and can run again', async () => {
    for (let run = 0; run < 2; run++) for (const statement of messagingSchemaSql(schema)) await pool.query(statement);
    const columns = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    expect(columns.rows.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`)).toEqual([
      'inbox.consumer text',
      'inbox.event_id uuid',
      'inbox.applied_at timestamp with time zone',
      'outbox_checkpoint.name text',
      'outbox_checkpoint.transaction_id xid8',
      'outbox_checkpoint.position bigint',
      'outbox_checkpoint.updated_at timestamp with time zone',
    ]);
    const id = '6f1c1c52-8c3e-4f5e-9a53-0e3a4b1d2c11';
    await pool.query(`INSERT INTO "${schema}".inbox (consumer, event_id) VALUES ('analytics-x', $1)`, [id]);
    await expect(pool.query(`INSERT INTO "${schema}".inbox (consumer, event_id) VALUES ('analytics-x', $1)`, [id])).rejects.toThrow(/duplicate key/);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => messagingSchemaSql('x"; DROP TABLE y; --')).toThrow(/Invalid SQL identifier/);
  });
});
