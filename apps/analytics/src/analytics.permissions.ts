import type { PermissionMap } from '@lib/auth';
import { ProjectionsAdminPermission } from '@lib/service-kit';

/** The permissions the analytics service's endpoints declare (`@Permission(AnalyticsPermission.MetricsRead)`). */
export const AnalyticsPermission = {
  MetricsRead: 'metrics.read',
  MetricsWrite: 'metrics.write',
  EventsWrite: 'events.write',
  ProjectionRead: ProjectionsAdminPermission.Read,
  ProjectionRebuild: ProjectionsAdminPermission.Rebuild,
} as const;

/**
 * Each permission's least role: viewers read the numbers, editors (and the integrations acting
 * for them) report metrics and events. The projections are shared by every workspace: admins
 * may watch them, only owners rebuild them.
 */
export const ANALYTICS_PERMISSIONS = {
  [AnalyticsPermission.MetricsRead]: 'viewer',
  [AnalyticsPermission.MetricsWrite]: 'editor',
  [AnalyticsPermission.EventsWrite]: 'editor',
  [AnalyticsPermission.ProjectionRead]: 'admin',
  [AnalyticsPermission.ProjectionRebuild]: 'owner',
} as const satisfies PermissionMap;
