import type { PermissionMap } from '@lib/auth';
import { ProjectionsAdminPermission } from '@lib/service-kit';

/** The permissions the assets service's endpoints declare (`@Permission(AssetsPermission.LibraryRead)`). */
export const AssetsPermission = {
  WorkspaceAssetRead: 'workspace-asset.read',
  WorkspaceAssetWrite: 'workspace-asset.write',
  LibraryRead: 'library.read',
  LibraryWrite: 'library.write',
  CollectionRead: 'collection.read',
  CollectionWrite: 'collection.write',
  ProjectionRead: ProjectionsAdminPermission.Read,
  ProjectionRebuild: ProjectionsAdminPermission.Rebuild,
} as const;

/**
 * Each permission's least role: viewers read, editors upload, save and organise (the domain
 * also keeps each user's staged assets, private items and collections to that user). The
 * projections are shared by every workspace: admins may watch them, only owners rebuild them.
 */
export const ASSETS_PERMISSIONS = {
  [AssetsPermission.WorkspaceAssetRead]: 'viewer',
  [AssetsPermission.WorkspaceAssetWrite]: 'editor',
  [AssetsPermission.LibraryRead]: 'viewer',
  [AssetsPermission.LibraryWrite]: 'editor',
  [AssetsPermission.CollectionRead]: 'viewer',
  [AssetsPermission.CollectionWrite]: 'editor',
  [AssetsPermission.ProjectionRead]: 'admin',
  [AssetsPermission.ProjectionRebuild]: 'owner',
} as const satisfies PermissionMap;
