import { ProjectionRunner, type PostgresEventStore, type RebuildReport } from '@lib/event-store';
import { projectionStatusView, rebuildReadModel, type ProjectionStatusView, type ProjectionsAdmin } from '@lib/service-kit';
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
    return (await this.readModels.status()).map((status) => projectionStatusView(status, 'read-model'));
  }

  /**
   * Rebuilds a read model beside the live one and swaps it in.
   * @throws NotFoundError for a name that is no projection of this service
   * @throws ConflictError while a rebuild of the same read model is in progress
   */
  rebuild(name: string): Promise<RebuildReport> {
    return rebuildReadModel(this.readModels, assetsReadModels, name);
  }
}
