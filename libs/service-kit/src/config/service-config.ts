import { Type, plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The environment every service reads, validated at boot. A service adds its own variables by
 * extending it (and may change a default, e.g. `override PORT = 3001`):
 *
 *     export class ContentConfig extends ServiceConfig {
 *       @IsIn(['sandbox', 'webhook']) PUBLISHER: 'sandbox' | 'webhook' = 'sandbox';
 *     }
 *
 * Values arrive as strings: give numbers `@Type(() => Number)`. An empty variable counts as unset.
 */
export class ServiceConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  /** Defaults to the name given to ServiceKitModule.forRoot; names logs, metrics, connections. */
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'SERVICE_NAME must be lower-case letters, digits and dashes' })
  SERVICE_NAME!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  /**
   * Loopback by default, so a developer's machine does not expose services (which accept tokens
   * signed with the public development secret) to its network. Containers set HOST=0.0.0.0.
   */
  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  /** Defaults to the service name. Services qualify every table with it; search_path is not relied on. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DATABASE_SCHEMA must be a lower-case SQL identifier' })
  DATABASE_SCHEMA!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_MAX = 10;

  /** One server or a comma-separated cluster seed list. */
  @Matches(/^(nats|tls|wss?):\/\/[^\s,]+(,(nats|tls|wss?):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be nats://host:port, or several separated by commas',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  /** HS256 secret (development); unset means the public development secret, refused in production. */
  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  /** JWKS endpoint (production); exclusive with JWT_SECRET. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  JWT_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Largest JSON body accepted (bytes, or with a b/kb/mb/gb unit); larger answers 413. Uploads stream past it. */
  @Matches(/^\d+(b|kb|mb|gb)?$/i, { message: 'HTTP_BODY_LIMIT must be a size such as 256kb or 1mb' })
  HTTP_BODY_LIMIT = '256kb';
}

export type ConfigClass<C extends ServiceConfig> = new () => C;

/** The configuration is unusable; the message lists every problem, one a line. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
}

/** Variables whose values may hold secrets (passwords in URLs too): never echoed in errors. */
const SENSITIVE = /SECRET|PASSWORD|TOKEN|KEY|URL/;

/**
 * Reads and validates a service's configuration from `env`.
 * @throws ConfigValidationError naming every bad variable
 */
export function loadServiceConfig<C extends ServiceConfig>(
  schema: ConfigClass<C>,
  serviceName: string,
  env: Readonly<Record<string, string | undefined>>,
): C {
  const known = declaredConfigVariables(schema);
  // Only the declared variables (not PATH, HOME…); an empty one (`JWT_SECRET=` in a compose
  // file) counts as unset, so its default applies.
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (known.has(name) && value !== undefined && value !== '') given[name] = value;
  }
  const config = plainToInstance(schema, given, { exposeDefaultValues: true });
  config.SERVICE_NAME ??= serviceName;
  config.DATABASE_SCHEMA ??= config.SERVICE_NAME.replace(/-/g, '_');
  const problems = [
    ...validateSync(config, { forbidUnknownValues: true }).map((error) => describe(error, given[error.property])),
    ...tokenKeyProblems(config),
  ];
  if (problems.length > 0) {
    throw new ConfigValidationError(`Invalid configuration for service "${serviceName}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}

/**
 * The token key rules (also enforced by JwtVerifier), checked here as well so that they fail
 * with the other configuration errors, before any connection is opened.
 */
function tokenKeyProblems(config: ServiceConfig): string[] {
  if (config.JWT_SECRET && config.JWT_JWKS_URL) {
    return ['set JWT_SECRET (HS256, development) or JWT_JWKS_URL (production), not both'];
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET && !config.JWT_JWKS_URL) {
    return ['JWT_SECRET or JWT_JWKS_URL must be set in production; the development secret is public'];
  }
  return [];
}

/** The variables a config class declares: those with a default or a validation decorator. */
export function declaredConfigVariables(schema: ConfigClass<ServiceConfig>): Set<string> {
  const decorated = getMetadataStorage()
    .getTargetValidationMetadatas(schema, '', true, false)
    .map((metadata) => metadata.propertyName);
  return new Set([...Object.keys(new schema()), ...decorated]);
}

function describe(error: ValidationError, raw: string | undefined): string {
  const messages = Object.values(error.constraints ?? {}).join('; ');
  const shown = raw === undefined || SENSITIVE.test(error.property) ? '' : ` (got ${JSON.stringify(raw)})`;
  return `${messages}${shown}`;
}
