import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OBSERVATION_KINDS, PLATFORM_METRICS, PLATFORMS, REPORTED_ENTITY_TYPES, type ObservationKind, type Platform, type PlatformMetric, type ReportedEntityType } from '@lib/contracts';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateBy, ValidateIf, ValidateNested, type ValidationArguments } from 'class-validator';
import { IsOmittable } from '@lib/service-kit';
import {
  BATCH_ID,
  describeEntityId,
  EVENT_NAME,
  isEntityId,
  MAX_OBSERVATION_VALUE,
  MAX_PROPERTIES_BYTES,
  MAX_CLIENT_ID_LENGTH,
} from '../../ingestion/ingestion-rules';
import type { BatchAnswer, MetricBatchInput, MetricObservationInput, RefusedItem, TrackedEventBatchInput, TrackedEventInput } from '../../ingestion/ingestion.service';
import { IsInstant } from '../dto-validators';
import { AsSent } from './as-sent';

// Shapes and types are checked here (400 from the validation pipe, per field); the checks against
// the clock and the entity directory are the ingestion service's (400 per item).

const BATCH_SIZE = 'ANALYTICS_MAX_BATCH (default 1000)';

/** A number a platform could report: JSON `1e999` parses to Infinity, and "12" is a string. */
function IsObservationValue(): PropertyDecorator {
  return ValidateBy({
    name: 'isObservationValue',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_OBSERVATION_VALUE,
      defaultMessage: (args?: ValidationArguments) => {
        const value: unknown = args?.value;
        const property = args?.property ?? 'value';
        if (typeof value !== 'number') return `${property} must be a JSON number, not ${value === null ? 'null' : `a ${typeof value}`}`;
        if (!Number.isFinite(value)) return `${property} must be a finite number (a number too large for a double, such as 1e999, is Infinity)`;
        return `${property} must be from 0 to ${MAX_OBSERVATION_VALUE}`;
      },
    },
  });
}

/** The id's format depends on the item's `entityType`; without one, no id makes sense. */
function IsEntityIdOfItsType(): PropertyDecorator {
  return ValidateBy({
    name: 'isEntityIdOfItsType',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const entityType: unknown = Reflect.get(args?.object ?? {}, 'entityType');
        return isReportedEntityType(entityType) && isEntityId(entityType, value);
      },
      defaultMessage: (args?: ValidationArguments) => {
        const entityType: unknown = Reflect.get(args?.object ?? {}, 'entityType');
        const property = args?.property ?? 'entityId';
        if (!isReportedEntityType(entityType)) return `${property} needs an entityType (${REPORTED_ENTITY_TYPES.join(', ')})`;
        return `${property} of a ${entityType} must be ${describeEntityId(entityType)}`;
      },
    },
  });
}

function MaxJsonBytes(bytes: number): PropertyDecorator {
  return ValidateBy({
    name: 'maxJsonBytes',
    validator: {
      validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= bytes,
      defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must be at most ${bytes} bytes as JSON`,
    },
  });
}

function isReportedEntityType(value: unknown): value is ReportedEntityType {
  return typeof value === 'string' && (REPORTED_ENTITY_TYPES as readonly string[]).includes(value);
}

export class MetricObservationDto implements MetricObservationInput {
  @ApiProperty({ enum: REPORTED_ENTITY_TYPES })
  @IsIn(REPORTED_ENTITY_TYPES)
  entityType!: ReportedEntityType;

  @ApiProperty({ description: 'post, campaign: a UUID; account: the platform’s id, 1 to 128 of A-Z a-z 0-9 . _ : @ -', example: '7c0e6a52-3c4f-4d8e-9a1b-2f3e4d5c6b7a' })
  @IsEntityIdOfItsType()
  entityId!: string;

  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS)
  platform!: Platform;

  @ApiProperty({ enum: PLATFORM_METRICS })
  @IsIn(PLATFORM_METRICS)
  metric!: PlatformMetric;

  @ApiProperty({ minimum: 0, maximum: MAX_OBSERVATION_VALUE, example: 1520 })
  @IsObservationValue()
  value!: number;

  @ApiPropertyOptional({ enum: OBSERVATION_KINDS, default: 'cumulative', description: 'cumulative: a running total as the platform reports it; increment: an amount to add' })
  @IsOmittable()
  @IsIn(OBSERVATION_KINDS)
  kind?: ObservationKind;

  @ApiProperty({ description: 'ISO-8601 with its offset; at most ANALYTICS_FUTURE_TOLERANCE_MS ahead, ANALYTICS_MAX_LATENESS_DAYS behind', example: '2030-03-10T09:00:00Z' })
  @IsInstant()
  observedAt!: string;
}

export class RecordMetricsDto implements MetricBatchInput {
  @ApiProperty({ pattern: BATCH_ID.source, description: 'The client’s id of this batch: sending it again is safe (200, duplicate)', example: 'linkedin-sync:2030-03-10T09' })
  @IsString()
  @Matches(BATCH_ID, { message: 'batchId must be 1 to 128 of A-Z a-z 0-9 . _ : -' })
  batchId!: string;

  @ApiProperty({ type: [MetricObservationDto], minItems: 1, description: `1 to ${BATCH_SIZE} observations` })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => MetricObservationDto)
  observations!: MetricObservationDto[];
}

export class TrackedEventDto implements TrackedEventInput {
  @ApiProperty({ pattern: EVENT_NAME.source, example: 'signup.completed' })
  @IsString()
  @Matches(EVENT_NAME, { message: 'name must be 1 to 64 of a-z 0-9 _ . : -' })
  name!: string;

  @ApiProperty({ description: 'ISO-8601 with its offset; at most ANALYTICS_FUTURE_TOLERANCE_MS ahead, ANALYTICS_MAX_LATENESS_DAYS behind', example: '2030-03-10T09:00:00Z' })
  @IsInstant()
  occurredAt!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_CLIENT_ID_LENGTH })
  @IsOptional()
  @IsString()
  @Length(1, MAX_CLIENT_ID_LENGTH)
  userId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_CLIENT_ID_LENGTH })
  @IsOptional()
  @IsString()
  @Length(1, MAX_CLIENT_ID_LENGTH)
  sessionId?: string | null;

  @ApiPropertyOptional({ enum: REPORTED_ENTITY_TYPES, nullable: true, description: 'With entityId: what the event is about' })
  @IsOptional()
  @IsIn(REPORTED_ENTITY_TYPES)
  entityType?: ReportedEntityType | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'With entityType; post, campaign: a UUID; account: the platform’s id' })
  @ValidateIf((event: TrackedEventDto) => event.entityType != null || event.entityId != null)
  @IsEntityIdOfItsType()
  entityId?: string | null;

  @ApiPropertyOptional({ enum: PLATFORMS, nullable: true })
  @IsOptional()
  @IsIn(PLATFORMS)
  platform?: Platform | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `Anything JSON, at most ${MAX_PROPERTIES_BYTES} bytes; recorded as sent, every key included`, default: {} })
  @AsSent()
  @IsOmittable()
  @IsObject()
  @MaxJsonBytes(MAX_PROPERTIES_BYTES)
  properties?: Record<string, unknown>;
}

export class RecordEventsDto implements TrackedEventBatchInput {
  @ApiProperty({ pattern: BATCH_ID.source, description: 'The client’s id of this batch: sending it again is safe (200, duplicate)', example: 'web:0f3a9c' })
  @IsString()
  @Matches(BATCH_ID, { message: 'batchId must be 1 to 128 of A-Z a-z 0-9 . _ : -' })
  batchId!: string;

  @ApiProperty({ type: [TrackedEventDto], minItems: 1, description: `1 to ${BATCH_SIZE} events` })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => TrackedEventDto)
  events!: TrackedEventDto[];
}

export class BatchAnswerDto implements BatchAnswer {
  @ApiProperty({ example: 'linkedin-sync:2030-03-10T09' }) batchId!: string;
  @ApiProperty({ description: 'Items in the batch' }) accepted!: number;
  @ApiProperty({ description: 'true: this batch id was already recorded with the same content, and nothing was written' }) duplicate!: boolean;
}

export class RefusedItemDto implements RefusedItem {
  @ApiProperty({ description: 'The item’s place in the batch, from 0', example: 617 }) index!: number;
  @ApiProperty({ type: [String], description: 'Every reason the item was refused, worded relative to the item', example: ['metric must be one of the following values: impressions, …'] })
  reasons!: string[];
}

export class BatchRefusalDetailsDto {
  @ApiProperty({ type: [RefusedItemDto], description: 'Every refused item, by index; empty when the fault is the batch’s own (batchId, an empty or oversized list, an unknown field beside them)' })
  items!: RefusedItemDto[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'For a fault of shape or type: the messages per field path, e.g. `observations.617.metric`',
  })
  fields?: Record<string, string[]>;
}

/** A refused batch: the shape every 400 of POST /v1/metrics and /v1/events has once the body is read as a batch. */
export class BatchRefusalDto {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: '1 of 1000 items were refused, so the batch was not recorded' })
  message!: string | string[];
  @ApiProperty({ type: BatchRefusalDetailsDto }) details!: BatchRefusalDetailsDto;
}
