import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { Caller, type RequestContext } from '@lib/service-kit';
import { AnalyticsPermission } from '../../analytics.permissions';
import { instantOf } from '../../instant';
import { TimeseriesQueries, type RealtimeAnswer, type SummaryAnswer, type TimeseriesAnswer, type TopAnswer } from '../../query';
import { ApiErrorResponses } from '../api-docs';
import { RealtimeAnswerDto, SummaryAnswerDto, TimeseriesAnswerDto, TopAnswerDto } from './query-answers.dto';
import { RealtimeQueryDto, SummaryQueryDto, TimeseriesQueryDto, TopQueryDto } from './query-requests.dto';

/** The caller's workspace's numbers; everything counted is a projection, current within moments. */
@ApiTags('metrics')
@Controller()
export class QueriesController {
  constructor(private readonly queries: TimeseriesQueries) {}

  @Get('timeseries')
  @Permission(AnalyticsPermission.MetricsRead)
  @ApiOperation({
    summary: 'Metrics of one entity over time, in buckets aligned to a time zone',
    description: 'Every bucket is present; empty ones are 0 for sum, the previous value for last, null for avg, min and max.',
  })
  @ApiOkResponse({ type: TimeseriesAnswerDto })
  @ApiErrorResponses(400)
  timeseries(@Caller() caller: RequestContext, @Query() query: TimeseriesQueryDto): Promise<TimeseriesAnswer> {
    return this.queries.timeseries({
      workspaceId: caller.actor.workspaceId,
      metrics: query.metric,
      entityType: query.entityType,
      entityId: query.entityId,
      from: instantOf(query.from, 'from'),
      to: instantOf(query.to, 'to'),
      interval: query.interval,
      tz: query.tz,
      agg: query.agg,
      compare: query.compare ?? null,
    });
  }

  @Get('top')
  @Permission(AnalyticsPermission.MetricsRead)
  @ApiOperation({ summary: 'The entities of a type with the largest sum of a metric over a range' })
  @ApiOkResponse({ type: TopAnswerDto })
  @ApiErrorResponses(400)
  top(@Caller() caller: RequestContext, @Query() query: TopQueryDto): Promise<TopAnswer> {
    return this.queries.top({
      workspaceId: caller.actor.workspaceId,
      metric: query.metric,
      entityType: query.entityType,
      from: instantOf(query.from, 'from'),
      to: instantOf(query.to, 'to'),
      limit: query.limit,
    });
  }

  @Get('realtime')
  @Permission(AnalyticsPermission.MetricsRead)
  @ApiOperation({ summary: 'Per metric, the sum and count of the last minutes' })
  @ApiOkResponse({ type: RealtimeAnswerDto })
  @ApiErrorResponses(400)
  realtime(@Caller() caller: RequestContext, @Query() query: RealtimeQueryDto): Promise<RealtimeAnswer> {
    return this.queries.realtime({ workspaceId: caller.actor.workspaceId, minutes: query.minutes });
  }

  @Get('summary')
  @Permission(AnalyticsPermission.MetricsRead)
  @ApiOperation({ summary: 'The workspace’s totals per metric, with the period of the same length just before' })
  @ApiOkResponse({ type: SummaryAnswerDto })
  @ApiErrorResponses(400)
  summary(@Caller() caller: RequestContext, @Query() query: SummaryQueryDto): Promise<SummaryAnswer> {
    return this.queries.summary({ workspaceId: caller.actor.workspaceId, from: instantOf(query.from, 'from'), to: instantOf(query.to, 'to') });
  }
}
