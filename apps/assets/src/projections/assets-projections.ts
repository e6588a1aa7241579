import { ProjectionRunner, RebuildInProgressError, type PostgresEventStore, type ProjectionStatus, type RebuildReport } from '@lib/event-store';
import { ConflictError, NotFoundError, type ProjectionStatusView, type ProjectionsAdmin } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { assetsReadModels } from './assets-read-models';

/**
 * The service's projection runner, for the runtime and the admin routes. Unlike content, assets
 * has no process manager: every projection is a read model (the blob ledger is written with the
 * events, never projected), so every one of them can be rebuilt.
 */
export class AssetsProjections implements ProjectionsAdmin {
  private readonly readModels: ProjectionRunner;

  constructor(pool: Pool, store: PostgresEventStore, registry: Registry, onError: (projection: string, error: unknown) => void) {
    this.readModels = new ProjectionRunner(pool, store, assetsReadModels, { registry, onError });
  }

  start(): Promise<void> {
    return this.readModels.start();
  }

  stop(): Promise<void> {
    return this.readModels.stop();
  }

  async status(): Promise<ProjectionStatusView[]> {
    return (await this.readModels.status()).map(statusView);
  }

  /**
   * Rebuilds a read model beside the live one and swaps it in.
   * @throws NotFoundError for a name that is no projection of this service
   * @throws ConflictError while a rebuild of the same read model is in progress
   */
  async rebuild(name: string): Promise<RebuildReport> {
    if (!assetsReadModels.some((projection) => projection.name === name)) {
      throw new NotFoundError(`no projection named ${name}; read models: ${assetsReadModels.map((projection) => projection.name).join(', ')}`);
    }
    try {
      return await this.readModels.rebuild(name);
    } catch (error) {
      if (error instanceof RebuildInProgressError) throw new ConflictError(error.message);
      throw error;
    }
  }
}

function statusView(status: ProjectionStatus): ProjectionStatusView {
  return {
    name: status.name,
    kind: 'read-model',
    rebuildable: true,
    position: status.checkpoint.position,
    lagEvents: status.lagEvents,
    lastError: status.lastError,
  };
}
