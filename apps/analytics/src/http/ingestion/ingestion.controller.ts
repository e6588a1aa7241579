import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import type { Response } from 'express';
import { AnalyticsPermission } from '../../analytics.permissions';
import { IngestionService, type BatchAnswer } from '../../ingestion/ingestion.service';
import type { RequestContext } from '../../request-context';
import { ApiErrorResponses } from '../api-docs';
import { Caller } from '../caller.decorator';
import { BatchAnswerDto, RecordEventsDto, RecordMetricsDto } from './ingestion.dto';

const IDEMPOTENCE =
  'A batch is recorded whole or not at all: one bad item refuses it, with every refused item’s reasons. ' +
  'Sending a batch id again is safe: the same content answers 200 with `duplicate: true` and is counted once; other content answers 409.';

@ApiTags('ingestion')
@Controller()
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('metrics')
  @HttpCode(HttpStatus.ACCEPTED)
  @Permission(AnalyticsPermission.MetricsWrite)
  @ApiOperation({ summary: 'Record a batch of platform metrics (cumulative snapshots or increments)', description: IDEMPOTENCE })
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: BatchAnswerDto, description: 'Recorded; it counts once the projection has applied it, within moments' })
  @ApiOkResponse({ type: BatchAnswerDto, description: 'Already recorded with the same content; nothing written' })
  @ApiErrorResponses(400, 409, 413)
  async recordMetrics(@Caller() caller: RequestContext, @Body() body: RecordMetricsDto, @Res({ passthrough: true }) response: Response): Promise<BatchAnswer> {
    return withDuplicateStatus(response, await this.ingestion.recordMetrics(caller, body));
  }

  @Post('events')
  @HttpCode(HttpStatus.ACCEPTED)
  @Permission(AnalyticsPermission.EventsWrite)
  @ApiOperation({ summary: 'Record a batch of tracked events', description: IDEMPOTENCE })
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: BatchAnswerDto, description: 'Recorded; it counts once the projection has applied it, within moments' })
  @ApiOkResponse({ type: BatchAnswerDto, description: 'Already recorded with the same content; nothing written' })
  @ApiErrorResponses(400, 409, 413)
  async recordEvents(@Caller() caller: RequestContext, @Body() body: RecordEventsDto, @Res({ passthrough: true }) response: Response): Promise<BatchAnswer> {
    return withDuplicateStatus(response, await this.ingestion.recordEvents(caller, body));
  }
}

/** 202 says "recorded now"; a repeat wrote nothing, so it is a plain 200. */
function withDuplicateStatus(response: Response, answer: BatchAnswer): BatchAnswer {
  if (answer.duplicate) response.status(HttpStatus.OK);
  return answer;
}
