import { Controller, Get, Header, Inject, Injectable, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@lib/auth';
import type { Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ServiceConfig } from '../config/service-config';

/** The app's own prom-client registry (not the global one), so several apps in one process stay apart. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export function createMetricsRegistry(config: ServiceConfig): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: config.SERVICE_NAME });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Requests that matched no route share one label value, so probing random URLs cannot explode the series count. */
const UNMATCHED_ROUTE = '<unmatched>';

@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'route' | 'method' | 'status'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Express middleware, first in line, so refused requests (413, 404) are measured too. */
  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const end = this.duration.startTimer();
    response.once('finish', () => {
      const status = response.statusCode;
      end({ route: routePattern(request as Request, status), method: request.method ?? 'UNKNOWN', status: String(status) });
    });
    next();
  };
}

/** The matched route's pattern (`/v1/posts/:id`), never the raw URL with its ids. */
function routePattern(request: Request, status: number): string {
  const route: unknown = request.route;
  const path = typeof route === 'object' && route !== null ? Reflect.get(route, 'path') : undefined;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  // Nest answers unknown paths under the prefix from a catch-all route (`/v1*path`): unmatched too.
  if (status === 404 && path.includes('*')) return UNMATCHED_ROUTE;
  return `${request.baseUrl}${path}`;
}

@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.registry.contentType);
    return this.registry.metrics();
  }
}
