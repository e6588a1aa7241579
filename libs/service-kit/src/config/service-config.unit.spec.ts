import 'reflect-metadata';
import { IsIn } from 'class-validator';
import { ConfigValidationError, loadServiceConfig, ServiceConfig } from './service-config';

class ContentConfig extends ServiceConfig {
  override PORT = 3001;

  @IsIn(['sandbox', 'webhook'])
  PUBLISHER: 'sandbox' | 'webhook' = 'sandbox';
}

function failure(env: Record<string, string>): string {
  try {
    loadServiceConfig(ServiceConfig, 'content', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadServiceConfig', () => {
  it('fills in the defaults, deriving SERVICE_NAME and DATABASE_SCHEMA from the service name', () => {
    const config = loadServiceConfig(ServiceConfig, 'content', {});
    expect(config).toEqual(
      Object.assign(new ServiceConfig(), {
        NODE_ENV: 'development',
        SERVICE_NAME: 'content',
        PORT: 3000,
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        DATABASE_SCHEMA: 'content',
        DATABASE_POOL_MAX: 10,
        NATS_URL: 'nats://127.0.0.1:4222',
        LOG_LEVEL: 'info',
        HTTP_BODY_LIMIT: '256kb',
      }),
    );
  });

  it('converts numbers, ignores undeclared variables and treats empty ones as unset', () => {
    const config = loadServiceConfig(ServiceConfig, 'content', { PORT: '4000', DATABASE_POOL_MAX: '3', PATH: '/usr/bin', JWT_SECRET: '', HOST: '' });
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_POOL_MAX).toBe(3);
    expect(config.JWT_SECRET).toBeUndefined();
    expect(config.HOST).toBe('127.0.0.1');
    expect(config).not.toHaveProperty('PATH');
  });

  it('lets a service extend the schema and change defaults', () => {
    const config = loadServiceConfig(ContentConfig, 'content', { PUBLISHER: 'webhook' });
    expect(config).toBeInstanceOf(ContentConfig);
    expect(config.PORT).toBe(3001);
    expect(config.PUBLISHER).toBe('webhook');
    expect(() => loadServiceConfig(ContentConfig, 'content', { PUBLISHER: 'carrier-pigeon' })).toThrow(
      'PUBLISHER must be one of the following values: sandbox, webhook (got "carrier-pigeon")',
    );
  });

  it('derives a valid schema name from a dashed service name', () => {
    expect(loadServiceConfig(ServiceConfig, 'kit-test', {}).DATABASE_SCHEMA).toBe('kit_test');
  });

  it('lists every bad variable, one a line, with the value given', () => {
    const message = failure({ PORT: 'eighty', DATABASE_POOL_MAX: '0', LOG_LEVEL: 'loud', NODE_ENV: 'staging', DATABASE_SCHEMA: 'Content; DROP', HTTP_BODY_LIMIT: 'big' });
    expect(message.split('\n')).toEqual([
      'Invalid configuration for service "content":',
      expect.stringMatching(/^ {2}- NODE_ENV must be one of the following values: development, test, production \(got "staging"\)$/),
      expect.stringMatching(/^ {2}- PORT .*must be an integer number.* \(got "eighty"\)$/),
      expect.stringMatching(/^ {2}- DATABASE_SCHEMA must be a lower-case SQL identifier \(got "Content; DROP"\)$/),
      expect.stringMatching(/^ {2}- DATABASE_POOL_MAX must not be less than 1 \(got "0"\)$/),
      expect.stringMatching(/^ {2}- LOG_LEVEL must be one of the following values: .* \(got "loud"\)$/),
      expect.stringMatching(/^ {2}- HTTP_BODY_LIMIT must be a size such as 256kb or 1mb \(got "big"\)$/),
    ]);
  });

  it('never echoes the values of secrets and URLs', () => {
    const message = failure({ DATABASE_URL: 'mysql://root:hunter2@db/app', NATS_URL: 'nats://user:pw@ nats', JWT_JWKS_URL: 'not a url' });
    expect(message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(message).toContain('NATS_URL must be nats://host:port');
    expect(message).toContain('JWT_JWKS_URL must be a URL address');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('(got');
  });

  it('accepts a NATS cluster seed list', () => {
    expect(loadServiceConfig(ServiceConfig, 'content', { NATS_URL: 'nats://a:4222,nats://b:4222' }).NATS_URL).toBe('nats://a:4222,nats://b:4222');
  });
});

describe('loadServiceConfig token key rules', () => {
  it('refuses a secret and a JWKS URL together', () => {
    expect(failure({ JWT_SECRET: 'x'.repeat(40), JWT_JWKS_URL: 'https://keys.example.test/jwks.json' })).toContain('not both');
  });

  it('refuses production without a key, and accepts it with one', () => {
    expect(failure({ NODE_ENV: 'production' })).toContain('JWT_SECRET or JWT_JWKS_URL must be set in production');
    expect(loadServiceConfig(ServiceConfig, 'content', { NODE_ENV: 'production', JWT_JWKS_URL: 'https://keys.example.test/jwks.json' }).NODE_ENV).toBe('production');
  });
});
