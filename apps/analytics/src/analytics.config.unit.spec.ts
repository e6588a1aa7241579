import { ConfigValidationError, loadServiceConfig } from '@lib/service-kit';
import { AnalyticsConfig } from './analytics.config';

const load = (env: Record<string, string>) => loadServiceConfig(AnalyticsConfig, 'analytics', env);

describe('AnalyticsConfig', () => {
  it('defaults to port 3005, the documented batch limit and a body limit a full batch fits in', () => {
    expect(load({})).toMatchObject({
      PORT: 3005,
      DATABASE_SCHEMA: 'analytics',
      HTTP_BODY_LIMIT: '1mb',
      ANALYTICS_RAW_RETENTION_DAYS: 95,
      ANALYTICS_PARTITIONS_AHEAD_MONTHS: 3,
      ANALYTICS_MAX_BATCH: 1000,
      ANALYTICS_FUTURE_TOLERANCE_MS: 300_000,
      ANALYTICS_MAX_LATENESS_DAYS: 30,
    });
  });

  it('reads the numbers', () => {
    const config = load({ ANALYTICS_RAW_RETENTION_DAYS: '400', ANALYTICS_MAX_LATENESS_DAYS: '120', ANALYTICS_MAX_BATCH: '50', HTTP_BODY_LIMIT: '2mb' });
    expect(config).toMatchObject({ ANALYTICS_RAW_RETENTION_DAYS: 400, ANALYTICS_MAX_LATENESS_DAYS: 120, ANALYTICS_MAX_BATCH: 50, HTTP_BODY_LIMIT: '2mb' });
  });

  it('refuses a lateness that reaches the raw retention, and says so', () => {
    expect(() => load({ ANALYTICS_MAX_LATENESS_DAYS: '95' })).toThrow('ANALYTICS_MAX_LATENESS_DAYS must be less than ANALYTICS_RAW_RETENTION_DAYS');
    expect(() => load({ ANALYTICS_RAW_RETENTION_DAYS: '20' })).toThrow('ANALYTICS_MAX_LATENESS_DAYS must be less than ANALYTICS_RAW_RETENTION_DAYS');
  });

  it('refuses numbers out of range', () => {
    const envs: Record<string, string>[] = [{ ANALYTICS_MAX_BATCH: '0' }, { ANALYTICS_PARTITIONS_AHEAD_MONTHS: '0' }, { ANALYTICS_FUTURE_TOLERANCE_MS: '-1' }, { ANALYTICS_RAW_RETENTION_DAYS: 'many' }];
    for (const env of envs) {
      expect(() => load(env)).toThrow(ConfigValidationError);
    }
  });
});
