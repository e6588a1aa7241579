import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { ServiceConfig } from '../config/service-config';

/** The service's PostgreSQL pool. Queries qualify tables with DATABASE_SCHEMA; search_path is left alone. */
export const PG_POOL = Symbol('PG_POOL');

export function createPgPool(config: ServiceConfig): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    application_name: config.SERVICE_NAME,
    // Without it a request waits for ever on a database that does not answer.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const logger = new Logger('PgPool');
  // An idle client losing its connection (PostgreSQL restarting) emits 'error' on the pool;
  // unhandled, it would crash the process. The pool replaces the client on next use.
  pool.on('error', (error) => logger.warn(`Idle PostgreSQL connection failed: ${error.message}`));
  // pg-pool listens for that only while a client is idle: one that loses its connection while
  // checked out emits 'error' with no listener, which would crash the process. Its holder sees
  // the failed query, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', (error) => logger.warn(`PostgreSQL connection in use failed: ${error.message}`)));
  return pool;
}

/** Ends the pool after the HTTP server and the other modules have stopped using it. */
@Injectable()
export class PgPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
