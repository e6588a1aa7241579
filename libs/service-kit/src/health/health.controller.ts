import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import { Public } from '@lib/auth';
import type { Pool } from 'pg';
import { PG_POOL } from '../infra/database';
import { NATS_CONNECTION } from '../infra/nats';

/** Past this an indicator counts as down: a dependency this slow fails the requests that need it. */
const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class DependencyHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
  ) {}

  database(): PromiseLike<HealthIndicatorResult<'database'>> {
    return this.indicators
      .check('database')
      .attempt(async () => {
        await this.pool.query('SELECT 1');
      })
      .withTimeout(CHECK_TIMEOUT_MS);
  }

  /** A round trip to the server: `isClosed()` alone stays false while the client is reconnecting. */
  nats(): PromiseLike<HealthIndicatorResult<'nats'>> {
    return this.indicators
      .check('nats')
      .attempt(async () => {
        if (this.connection.isClosed()) throw new Error('connection closed');
        return { rttMs: await this.connection.rtt(), server: this.connection.getServer() };
      })
      .withTimeout(CHECK_TIMEOUT_MS);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
  ) {}

  /** 200 when PostgreSQL and NATS both answer, 503 (with the failing one named) otherwise. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.dependencies.database(), () => this.dependencies.nats()]);
  }
}
