import type { RebuildReport } from '@lib/event-store';

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
