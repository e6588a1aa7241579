import { Controller, Get, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
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

/**
 * A dependency of one service beyond PostgreSQL and NATS (the assets service's blob storage):
 * provide an array of them under HEALTH_CHECKS in the service's module, and /health checks each.
 */
export interface ServiceHealthCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

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

  service(check: ServiceHealthCheck): PromiseLike<HealthIndicatorResult> {
    return this.indicators
      .check(check.name)
      .attempt(async () => {
        await check.check();
      })
      .withTimeout(CHECK_TIMEOUT_MS);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController implements OnModuleInit {
  private serviceChecks: readonly ServiceHealthCheck[] = [];

  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
    private readonly modules: ModuleRef,
  ) {}

  /** The service's own checks live in its module, out of this global module's scope: looked up across modules once. */
  onModuleInit(): void {
    try {
      this.serviceChecks = this.modules.get<readonly ServiceHealthCheck[]>(HEALTH_CHECKS, { strict: false });
    } catch {
      this.serviceChecks = [];
    }
  }

  /** 200 when PostgreSQL, NATS and the service's own dependencies all answer, 503 (with the failing one named) otherwise. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.dependencies.database(),
      () => this.dependencies.nats(),
      ...this.serviceChecks.map((check) => () => this.dependencies.service(check)),
    ]);
  }
}
