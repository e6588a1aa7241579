import { Client } from 'pg';
import { PrivatePostgresServer } from '@lib/testing';

describe('PrivatePostgresServer', () => {
  it('starts a cluster on a spare port that survives a crash and restart with its data', async () => {
    const server = await PrivatePostgresServer.start();
    try {
      const client = new Client({ connectionString: server.url });
      await client.connect();
      await client.query('CREATE TABLE kept (n int)');
      await client.query('INSERT INTO kept VALUES (1)');
      await client.end();
      await server.restart('immediate');
      const again = new Client({ connectionString: server.url });
      await again.connect();
      expect((await again.query('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
      await again.end();
    } finally {
      server.dispose();
    }
  });
});
