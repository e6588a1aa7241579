interface Queryable {
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** The named PostgreSQL settings as `pg_settings` has them (with their unit), by name: what a run's figures depend on. */
export async function serverSettings(db: Queryable, names: readonly string[]): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name',
    [names],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting]));
}
