export { ROLES, isRole, isUuid, roleSatisfies, type Actor, type Role } from './actor';
export {
  BEARER_AUTH,
  MINIMUM_ROLE_EXTENSION,
  PERMISSION_EXTENSION,
  Permission,
  Public,
  minimumRole,
  resolveRouteAccess,
  type PermissionMap,
  type RouteAccess,
} from './permissions';
export { AUTH_PERMISSIONS, AuthGuard, type RequestWithActor } from './auth.guard';
export { CurrentActor } from './current-actor.decorator';
export { InvalidTokenError, JwtVerifier, KeySetUnavailableError, type JwtVerifierOptions } from './jwt-verifier';
export { DEV_JWT_SECRET, mintDevToken, type DevTokenOptions } from './dev-token';
export { AuthModule, JWT_VERIFIER_OPTIONS, type AuthModuleOptions } from './auth.module';
export { RouteAccessAudit } from './route-audit';
