export { ServiceKitModule, type ServiceKitOptions, type TransportInfrastructure } from './service-kit.module';
export {
  ConfigValidationError,
  LOG_LEVELS,
  NODE_ENVS,
  ServiceConfig,
  declaredConfigVariables,
  loadServiceConfig,
  type ConfigClass,
} from './config/service-config';
export { API_PREFIX, bootstrapService, createHttpApp, type HttpAppOptions } from './http/create-http-app';
export { IfMatchVersion, parseIfMatchVersion } from './http/if-match';
export { CORRELATION_ID_HEADER, CorrelationId, correlationIdOf } from './http/correlation-id';
export { ConflictError, DomainError, DomainRuleError, ForbiddenActionError, NotFoundError, PreconditionFailedError, ValidationError } from './http/errors';
export { asApplicationErrors } from './http/application-errors';
export { ErrorBody } from './http/error-body';
export { ApiIfMatch, apiErrorResponses, ApiUuidParam } from './http/api-error-responses';
export { HttpErrorFilter } from './http/http-error.filter';
export { StrictValidationPipe } from './http/validation.pipe';
export { NoBody, NoBodyInterceptor } from './http/no-body';
export { PG_POOL } from './infra/database';
export { NATS_CONNECTION } from './infra/nats';
export { METRICS_REGISTRY } from './metrics/metrics';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  PageOf,
  PageQuery,
  decodeCursor,
  encodeCursor,
  pageLimit,
  toPage,
  type Page,
} from './pagination/pagination';
export { BooleanText, DecimalText, IntegerText, IsIanaTimeZone, isIanaTimeZone, IsOmittable, ParseUuidPipe, UuidParam } from './validation/validators';
export { unstorableTextPath } from './http/storable-text';
export { runMigrations, MIGRATIONS_TABLE } from './migrations';
export {
  PROJECTIONS_ADMIN,
  ProjectionsAdminPermission,
  projectionStatusView,
  rebuildReadModel,
  type ProjectionKind,
  type ProjectionsAdmin,
  type ProjectionStatusView,
} from './admin/projections-admin';
export { ProjectionStatusDto, RebuildReportDto } from './admin/projections-admin.dto';
export { ProjectionsAdminController } from './admin/projections-admin.controller';
export { BackgroundLoop } from './background/background-loop';
export { VersionETagInterceptor, VersionedResponse } from './http/versioned-response';
export { HEALTH_CHECKS, type ServiceHealthCheck } from './health/health.controller';
export { Caller, eventMetadata, type RequestContext } from './request/request-context';
export { systemClock, type Clock } from './request/clock';
