import type { PermissionMap } from '@lib/auth';
import { ProjectionsAdminPermission } from '@lib/service-kit';

/** The permissions the content service's endpoints declare (`@Permission(ContentPermission.PostRead)`). */
export const ContentPermission = {
  PostRead: 'post.read',
  PostWrite: 'post.write',
  PostApprove: 'post.approve',
  TemplateRead: 'template.read',
  TemplateWrite: 'template.write',
  ProjectionRead: ProjectionsAdminPermission.Read,
  ProjectionRebuild: ProjectionsAdminPermission.Rebuild,
} as const;

/**
 * Each permission's least role: viewers read, editors write, approvals (and rejections) need an
 * admin. The projections are the service's own machinery, shared by every workspace: admins may
 * watch them, only owners rebuild them.
 */
export const CONTENT_PERMISSIONS = {
  [ContentPermission.PostRead]: 'viewer',
  [ContentPermission.PostWrite]: 'editor',
  [ContentPermission.PostApprove]: 'admin',
  [ContentPermission.TemplateRead]: 'viewer',
  [ContentPermission.TemplateWrite]: 'editor',
  [ContentPermission.ProjectionRead]: 'admin',
  [ContentPermission.ProjectionRebuild]: 'owner',
} as const satisfies PermissionMap;
