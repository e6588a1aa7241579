import { ProjectionRunner, type PostgresEventStore, type RebuildReport } from '@lib/event-store';
import { ConflictError, projectionStatusView, rebuildReadModel, type ProjectionKind, type ProjectionsAdmin, type ProjectionStatusView } from '@lib/service-kit';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { publicationJobsProjection } from '../publishing/publication-jobs.projection';
import { contentReadModels } from './content-read-models';

export type { ProjectionKind, ProjectionStatusView };

/**
 * The service's two projection runners: the read models, and the publishing process manager,
 * kept apart so that a rebuild can only ever reach the read models.
 */
export class ContentProjections implements ProjectionsAdmin {
  private readonly readModels: ProjectionRunner;
  private readonly processManagers: ProjectionRunner;

  constructor(pool: Pool, store: PostgresEventStore, registry: Registry, onError: (projection: string, error: unknown) => void) {
    this.readModels = new ProjectionRunner(pool, store, contentReadModels, { registry, onError });
    // A skipped PostPublishingStarted would strand its post in `publishing`: the process manager
    // retries an event for as long as it fails, and never dead-letters it.
    this.processManagers = new ProjectionRunner(pool, store, [publicationJobsProjection], { registry, onError, maxAttempts: Number.POSITIVE_INFINITY });
  }

  async start(): Promise<void> {
    await this.readModels.start();
    await this.processManagers.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.readModels.stop(), this.processManagers.stop()]);
  }

  async status(): Promise<ProjectionStatusView[]> {
    const [readModels, processManagers] = await Promise.all([this.readModels.status(), this.processManagers.status()]);
    return [...readModels.map((status) => projectionStatusView(status, 'read-model')), ...processManagers.map((status) => projectionStatusView(status, 'process-manager'))];
  }

  /**
   * Rebuilds a read model beside the live one and swaps it in.
   * @throws NotFoundError for a name that is no projection of this service
   * @throws ConflictError for the process manager, or a rebuild of the same read model in progress
   */
  async rebuild(name: string): Promise<RebuildReport> {
    if (name === publicationJobsProjection.name) {
      throw new ConflictError(`${name} is the publishing process manager, not a read model: it records what was delivered, which the events do not hold, so it is never rebuilt`);
    }
    return rebuildReadModel(this.readModels, contentReadModels, name);
  }
}
