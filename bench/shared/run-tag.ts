import { Client } from 'pg';

/** Tags every connection of a run (the bench's pools and the services'), so an interrupt can end them before dropping its schemas. */
export function withApplicationName(url: string, tag: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', tag);
  return u.toString();
}

/** Ends the run's connections (those carrying `tag` as application_name) and drops its schemas (`<tag>_*`). */
export async function dropRunSchemas(url: string, tag: string): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
      [tag],
    );
    const { rows } = await admin.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${tag}\\_%`]);
    for (const { nspname } of rows) await admin.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await admin.end();
  }
}
