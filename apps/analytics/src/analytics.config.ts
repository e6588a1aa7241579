import { ServiceConfig } from '@lib/service-kit';
import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';

const DAY_MS = 86_400_000;

/**
 * The analytics service's environment: ServiceConfig's, plus ingestion's limits and the
 * time-series store's retention.
 */
export class AnalyticsConfig extends ServiceConfig {
  override PORT = 3005;

  /** A full batch of observations is about 250 KB of JSON; the default 256kb would refuse some. */
  override HTTP_BODY_LIMIT = '1mb';

  /** Raw observations and tracked events are kept this long (whole months are dropped); rollups for ever. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  ANALYTICS_RAW_RETENTION_DAYS = 95;

  /** Monthly partitions created ahead of time. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24)
  ANALYTICS_PARTITIONS_AHEAD_MONTHS = 3;

  /** Items of one POST /v1/metrics or /v1/events batch. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  ANALYTICS_MAX_BATCH = 1_000;

  /** How far past now an observation may be stamped (clocks drift). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(DAY_MS)
  ANALYTICS_FUTURE_TOLERANCE_MS = 300_000;

  /**
   * How old an observation may be. Below the raw retention, so that a late snapshot still lands
   * in a raw partition beside its predecessor.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @IsBelowRawRetention()
  ANALYTICS_MAX_LATENESS_DAYS = 30;
}

function IsBelowRawRetention(): PropertyDecorator {
  return ValidateBy({
    name: 'isBelowRawRetention',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const retention: unknown = Reflect.get(args?.object ?? {}, 'ANALYTICS_RAW_RETENTION_DAYS');
        return typeof value === 'number' && typeof retention === 'number' && value < retention;
      },
      defaultMessage: () => 'ANALYTICS_MAX_LATENESS_DAYS must be less than ANALYTICS_RAW_RETENTION_DAYS',
    },
  });
}
