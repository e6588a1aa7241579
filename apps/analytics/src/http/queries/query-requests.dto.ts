import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENTITY_TYPES, METRICS, type EntityType, type Metric } from '@lib/contracts';
import { IntegerText, IsIanaTimeZone } from '@lib/service-kit';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { AGGREGATIONS, INTERVALS, QUERY_LIMITS, type Aggregation, type Interval } from '../../query';
import { IsInstant } from '../dto-validators';

const COMPARISONS = ['previous'] as const;

/** A post, campaign, account, workspace, platform or tracked event name. */
const ENTITY_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const INSTANT_NOTE = 'ISO-8601 with its offset; encode + as %2B';

/** `metric=impressions,likes` (or the parameter repeated). */
function commaList({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') return value.split(',');
  if (Array.isArray(value)) return value.flatMap((item: unknown) => (typeof item === 'string' ? item.split(',') : [item]));
  return value;
}

/** A window [from, to); the queries widen it to whole buckets. */
class RangeQuery {
  @ApiProperty({ description: `Start, inclusive (${INSTANT_NOTE})`, example: '2030-03-01T00:00:00Z' })
  @IsInstant()
  from!: string;

  @ApiProperty({ description: `End, exclusive (${INSTANT_NOTE})`, example: '2030-04-01T00:00:00Z' })
  @IsInstant()
  to!: string;
}

export class TimeseriesQueryDto extends RangeQuery {
  @ApiProperty({ type: String, description: `1 to ${QUERY_LIMITS.maxMetrics} of ${METRICS.join(', ')}, separated by commas`, example: 'impressions,likes' })
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(QUERY_LIMITS.maxMetrics)
  @ArrayUnique()
  @IsIn(METRICS, { each: true })
  metric!: Metric[];

  @ApiProperty({ enum: ENTITY_TYPES })
  @IsIn(ENTITY_TYPES)
  entityType!: EntityType;

  @ApiProperty({ description: 'The post, campaign or account; the workspace id; the platform; the tracked event’s name', example: '7c0e6a52-3c4f-4d8e-9a1b-2f3e4d5c6b7a' })
  @IsString()
  @Matches(ENTITY_ID, { message: 'entityId must be 1 to 128 of A-Z a-z 0-9 . _ : @ -' })
  entityId!: string;

  @ApiProperty({ enum: INTERVALS })
  @IsIn(INTERVALS)
  interval!: Interval;

  @ApiPropertyOptional({ default: 'UTC', description: 'IANA time zone the buckets are aligned to', example: 'Europe/Paris' })
  @IsOptional()
  @IsIanaTimeZone()
  tz: string = 'UTC';

  @ApiPropertyOptional({ enum: AGGREGATIONS, default: 'sum', description: 'min, max and last only for post, account and campaign' })
  @IsOptional()
  @IsIn(AGGREGATIONS)
  agg: Aggregation = 'sum';

  @ApiPropertyOptional({ enum: COMPARISONS, description: 'Also the period of the same length just before' })
  @IsOptional()
  @IsIn(COMPARISONS)
  compare?: (typeof COMPARISONS)[number];
}

export class TopQueryDto extends RangeQuery {
  @ApiProperty({ enum: METRICS })
  @IsIn(METRICS)
  metric!: Metric;

  @ApiProperty({ enum: ENTITY_TYPES })
  @IsIn(ENTITY_TYPES)
  entityType!: EntityType;

  @ApiPropertyOptional({ minimum: 1, maximum: QUERY_LIMITS.maxTopLimit, default: 10 })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(QUERY_LIMITS.maxTopLimit)
  limit: number = 10;
}

export class RealtimeQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: QUERY_LIMITS.maxRealtimeMinutes, default: QUERY_LIMITS.maxRealtimeMinutes })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(QUERY_LIMITS.maxRealtimeMinutes)
  minutes: number = QUERY_LIMITS.maxRealtimeMinutes;
}

export class SummaryQueryDto extends RangeQuery {}
