import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { isRole, type Role } from './actor';

/**
 * A service's permission table: each permission it declares on its endpoints, mapped to the
 * least privileged role allowed to use it (e.g. `{ 'post.read': 'viewer', 'post.approve': 'admin' }`).
 */
export type PermissionMap = Readonly<Record<string, Role>>;

/** Name of the bearer security scheme in the OpenAPI document; service-kit declares it. */
export const BEARER_AUTH = 'bearer';
/** OpenAPI operation extensions carrying the declared permission and, once resolved, its minimum role. */
export const PERMISSION_EXTENSION = 'x-permission';
export const MINIMUM_ROLE_EXTENSION = 'x-minimum-role';

const PERMISSION_KEY = 'auth:permission';
const PUBLIC_KEY = 'auth:public';

/**
 * Declares the permission an endpoint (or every endpoint of a controller) requires. The
 * permission must appear in the service's permission table, or the service refuses to start.
 */
export function Permission(name: string): ClassDecorator & MethodDecorator {
  if (!name.trim()) throw new Error('@Permission() needs a non-empty permission name');
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, name),
    ApiBearerAuth(BEARER_AUTH),
    ApiExtension(PERMISSION_EXTENSION, name),
    ApiUnauthorizedResponse({ description: 'Missing, expired or invalid bearer token' }),
    ApiForbiddenResponse({ description: `The caller's role does not grant "${name}"` }),
  );
}

/** Marks an endpoint (or controller) as needing no token: health, metrics, docs. */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(PUBLIC_KEY, true);
}

export type RouteAccess =
  | { readonly kind: 'public' }
  | { readonly kind: 'permission'; readonly permission: string }
  | { readonly kind: 'undeclared' };

/**
 * What an endpoint declares. The handler's own declaration wins over its controller's, so a
 * `@Permission` on a method of a `@Public` controller still requires a token (and the reverse).
 */
export function resolveRouteAccess(handler: object, controller: object): RouteAccess {
  for (const target of [handler, controller]) {
    const permission: unknown = Reflect.getMetadata(PERMISSION_KEY, target);
    if (typeof permission === 'string') return { kind: 'permission', permission };
    if (Reflect.getMetadata(PUBLIC_KEY, target) === true) return { kind: 'public' };
  }
  return { kind: 'undeclared' };
}

/** Checks a permission table at module definition time, so a typo in a role fails at once. */
export function checkPermissionMap(permissions: Record<string, unknown>): PermissionMap {
  const problems = Object.entries(permissions)
    .filter(([name, role]) => !name.trim() || !isRole(role))
    .map(([name, role]) => `"${name}": ${JSON.stringify(role)}`);
  if (problems.length > 0) {
    throw new Error(`Invalid permission table (each entry maps a permission to a role): ${problems.join(', ')}`);
  }
  return Object.freeze({ ...permissions } as Record<string, Role>);
}

/**
 * The least role a permission needs, or undefined when the table lacks it. Own keys only: a
 * permission named like an Object.prototype member (`toString`) must not find a function there.
 */
export function minimumRole(permissions: PermissionMap, permission: string): Role | undefined {
  const role: unknown = Object.hasOwn(permissions, permission) ? permissions[permission] : undefined;
  return isRole(role) ? role : undefined;
}
