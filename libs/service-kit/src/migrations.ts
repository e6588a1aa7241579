import { assertIdentifier } from '@lib/event-store';
import { DataSource, type MigrationInterface } from 'typeorm';

export interface RunMigrationsOptions {
  databaseUrl: string;
  /** The service's schema (DATABASE_SCHEMA): created if missing, and home of the migrations table. */
  schema: string;
  /** Migration instances, their schema already bound (see e.g. `contentMigrations(schema)`). */
  migrations: readonly MigrationInterface[];
}

/** Where TypeORM records the migrations it ran, inside the service's own schema. */
export const MIGRATIONS_TABLE = 'migrations';

/**
 * Runs the pending migrations of one service's schema, all in one transaction, and returns the
 * names of those it ran (none when the schema is up to date). Never `synchronize`.
 *
 * Several instances of a service may start at once: a session advisory lock per schema lets one
 * migrate while the others wait, then find nothing left to do.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<string[]> {
  const schema = assertIdentifier(options.schema);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.databaseUrl,
    schema,
    migrationsTableName: MIGRATIONS_TABLE,
    migrations: options.migrations.map(asMigrationClass),
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    logging: false,
    poolSize: 2,
  });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    try {
      // TypeORM creates its table in the schema but not the schema itself. Checked first:
      // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists,
      // which a service's own role (owning only its schema) does not have.
      const found: Array<{ exists: boolean }> = await lock.query('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists', [schema]);
      if (!found[0].exists) await lock.query(`CREATE SCHEMA "${schema}"`);
      const executed = await dataSource.runMigrations({ transaction: 'all' });
      return executed.map((migration) => migration.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/**
 * TypeORM instantiates migration classes itself, without arguments, so a migration whose schema
 * is a constructor argument reaches it through a class whose constructor returns the instance.
 */
function asMigrationClass(instance: MigrationInterface): new () => MigrationInterface {
  return class {
    constructor() {
      return instance;
    }
  } as new () => MigrationInterface;
}
