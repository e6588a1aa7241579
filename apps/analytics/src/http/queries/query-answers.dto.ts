import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENTITY_TYPES, METRICS, type EntityType, type Metric } from '@lib/contracts';
import { AGGREGATIONS, INTERVALS, type Aggregation, type Interval, type RealtimeAnswer, type SeriesAnswer, type SeriesSource, type SummaryAnswer, type TimeseriesAnswer, type TimeseriesPoint, type TopAnswer } from '../../query';

export class TimeseriesPointDto implements TimeseriesPoint {
  @ApiProperty({ description: 'The bucket’s start, as an instant', example: '2030-03-01T00:00:00.000Z' }) t!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null: avg, min or max of an empty bucket' }) value!: number | null;
  @ApiProperty({ description: 'false while the bucket’s end is still ahead' }) complete!: boolean;
}

export class SeriesTotalsDto {
  @ApiProperty({ type: Number, nullable: true, description: 'The aggregate over the whole range' }) current!: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'With compare=previous' }) previous?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'With compare=previous: (current - previous) / previous; null when previous is 0 or null' })
  change?: number | null;
}

export class SeriesAnswerDto implements SeriesAnswer {
  @ApiProperty({ enum: METRICS }) metric!: Metric;
  @ApiProperty({ type: [TimeseriesPointDto] }) points!: TimeseriesPointDto[];
  @ApiPropertyOptional({ type: [TimeseriesPointDto], description: 'With compare=previous: the period just before, bucket for bucket' }) previous?: TimeseriesPointDto[];
  @ApiProperty({ type: SeriesTotalsDto }) totals!: SeriesTotalsDto;
}

export class TimeseriesAnswerDto implements TimeseriesAnswer {
  @ApiProperty({ enum: METRICS, description: 'The first series’ metric' }) metric!: Metric;
  @ApiProperty({ enum: INTERVALS }) interval!: Interval;
  @ApiProperty({ example: 'UTC' }) tz!: string;
  @ApiProperty({ enum: AGGREGATIONS }) agg!: Aggregation;
  @ApiProperty({ description: 'The range, widened to whole buckets' }) from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ enum: ['daily', 'hourly', 'raw'], description: 'The table the answer was read from' }) source!: SeriesSource;
  @ApiProperty({ type: [TimeseriesPointDto], description: 'The first series’ points' }) points!: TimeseriesPointDto[];
  @ApiProperty({ type: [SeriesAnswerDto], description: 'One per metric asked for, in that order' }) series!: SeriesAnswerDto[];
}

export class TopItemDto {
  @ApiProperty() entityId!: string;
  @ApiProperty({ description: 'Sum over the range' }) value!: number;
}

export class TopAnswerDto implements TopAnswer {
  @ApiProperty({ enum: METRICS }) metric!: Metric;
  @ApiProperty({ enum: ENTITY_TYPES }) entityType!: EntityType;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [TopItemDto], description: 'Largest first' }) items!: TopItemDto[];
}

export class RealtimeMetricDto {
  @ApiProperty({ enum: METRICS }) metric!: Metric;
  @ApiProperty() sum!: number;
  @ApiProperty({ description: 'Observations' }) count!: number;
}

export class RealtimeAnswerDto implements RealtimeAnswer {
  @ApiProperty() since!: string;
  @ApiProperty() until!: string;
  @ApiProperty({ type: [RealtimeMetricDto] }) metrics!: RealtimeMetricDto[];
}

export class SummaryMetricDto {
  @ApiProperty({ enum: METRICS }) metric!: Metric;
  @ApiProperty() current!: number;
  @ApiProperty({ description: 'The period of the same length just before' }) previous!: number;
  @ApiProperty({ type: Number, nullable: true, description: '(current - previous) / previous; null when previous is 0' }) change!: number | null;
}

export class SummaryAnswerDto implements SummaryAnswer {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [SummaryMetricDto] }) metrics!: SummaryMetricDto[];
}
