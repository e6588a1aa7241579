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

  it('sends the last statement with the COMMIT, and keeps nothing when that statement fails', async () => {
    const committed = await inTransaction(pool, async (tx) => (await tx.query(`INSERT INTO "${schema}".t VALUES (10) RETURNING id`)).rows[0].id as number, {
      commitWith: (id) => `INSERT INTO "${schema}".t VALUES (${id + 1})`,
    });
    expect(committed).toBe(10);
    expect(await rows()).toEqual([1, 2, 10, 11]);

    const attempt = inTransaction(pool, (tx) => tx.query(`INSERT INTO "${schema}".t VALUES (20)`), { commitWith: () => `INSERT INTO "${schema}".t VALUES (1)` });
    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await rows()).toEqual([1, 2, 10, 11]);
    await inTransaction(pool, (tx) => tx.query(`INSERT INTO "${schema}".t VALUES (30)`), { commitWith: () => null });
    expect(await rows()).toEqual([1, 2, 10, 11, 30]);
  });
});
