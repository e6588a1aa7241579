import { RebuildInProgressError, type Projection, type ProjectionRunner, type ProjectionStatus, type RebuildReport } from '@lib/event-store';
import { ConflictError, NotFoundError } from '../http/errors';

/** The permissions of the projections admin routes; every service's permission table names them. */
export const ProjectionsAdminPermission = {
  Read: 'projection.read',
  Rebuild: 'projection.rebuild',
} as const;

export type ProjectionKind = 'read-model' | 'process-manager';

/** Where one projection stands, for operators. */
export interface ProjectionStatusView {
  name: string;
  kind: ProjectionKind;
  /** Read models only: a process manager's tables hold what the events do not. */
  rebuildable: boolean;
  /** Global position of the last event applied. */
  position: number;
  /** Events appended but not applied yet. */
  lagEvents: number;
  /** The last failure, cleared by the next batch that succeeds. */
  lastError: string | null;
}

/** What a service gives ProjectionsAdminController, under PROJECTIONS_ADMIN: its projections. */
export interface ProjectionsAdmin {
  status(): Promise<ProjectionStatusView[]>;
  /**
   * Rebuilds a read model beside the live one and swaps it in; throws the service-kit errors
   * (NotFoundError for an unknown name, ConflictError for a rebuild already running or a
   * projection that is never rebuilt).
   */
  rebuild(name: string): Promise<RebuildReport>;
}

export const PROJECTIONS_ADMIN = Symbol('PROJECTIONS_ADMIN');

/** A runner's status of one projection, as the admin routes show it. */
export function projectionStatusView(status: ProjectionStatus, kind: ProjectionKind): ProjectionStatusView {
  return {
    name: status.name,
    kind,
    rebuildable: kind === 'read-model',
    position: status.checkpoint.position,
    lagEvents: status.lagEvents,
    lastError: status.lastError,
  };
}

/**
 * Rebuilds one of `readModels` with `runner` (see ProjectionsAdmin.rebuild).
 * @throws NotFoundError for a name that is none of them
 * @throws ConflictError while a rebuild of the same read model is in progress
 */
export async function rebuildReadModel(runner: ProjectionRunner, readModels: readonly Projection[], name: string): Promise<RebuildReport> {
  if (!readModels.some((projection) => projection.name === name)) {
    throw new NotFoundError(`no projection named ${name}; read models: ${readModels.map((projection) => projection.name).join(', ')}`);
  }
  try {
    return await runner.rebuild(name);
  } catch (error) {
    if (error instanceof RebuildInProgressError) throw new ConflictError(error.message);
    throw error;
  }
}
