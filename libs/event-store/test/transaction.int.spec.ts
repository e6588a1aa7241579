import type { Pool } from 'pg';
import { inTransaction } from '@lib/event-store';
import { dropSchema, testPool, uniqueSchemaName } from '@lib/testing';

describe('inTransaction', () => {
  let pool: Pool;
  const schema = uniqueSchemaName('tx');

  beforeAll(async () => {
    pool = testPool();
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".t (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  const rows = async (): Promise<number[]> => (await pool.query<{ id: number }>(`SELECT id FROM "${schema}".t ORDER BY id`)).rows.map((r) => r.id);

  it('commits what the work wrote, durable or not', async () => {
    await inTransaction(pool, (tx) => tx.query(`INSERT INTO "${schema}".t VALUES (1)`));
    await inTransaction(pool, (tx) => tx.query(`INSERT INTO "${schema}".t VALUES (2)`), { durable: false });
    expect(await rows()).toEqual([1, 2]);
  });

  it('keeps synchronous_commit off to its own transaction, on a connection it returns to the pool', async () => {
    const one = testPool(1);
    try {
      const setting = (tx: { query: Pool['query'] }) => tx.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`).then((r) => r.rows[0].s);
      const serverDefault = await setting(one);
      expect(await inTransaction(one, setting, { durable: false })).toBe('off');
      expect(await inTransaction(one, setting)).toBe(serverDefault);
    } finally {
      await one.end();
    }
  });

  it('rejects, and keeps nothing, when the work swallowed a failed statement (COMMIT answered ROLLBACK)', async () => {
    const attempt = inTransaction(pool, async (tx) => {
      await tx.query(`INSERT INTO "${schema}".t VALUES (3)`);
      await tx.query(`INSERT INTO "${schema}".t VALUES (1)`).catch(() => undefined); // duplicate key, swallowed
    });
    await expect(attempt).rejects.toThrow(/COMMIT rolled it back/);
    expect(await rows()).toEqual([1, 2]);
  });
});
