import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import type { Response } from 'express';
import { Caller, type RequestContext } from '@lib/service-kit';
import { AnalyticsPermission } from '../../analytics.permissions';
import { IngestionService, type BatchAnswer } from '../../ingestion/ingestion.service';
import { ApiErrorResponses } from '../api-docs';
import { KeepAsSent } from './as-sent';
import { BatchRefusals } from './batch-refusals.interceptor';
import { BatchAnswerDto, BatchRefusalDto, RecordEventsDto, RecordMetricsDto } from './ingestion.dto';

/** What both batch routes promise, with `items` the body's list (`observations`, `events`). */
const batchRules = (items: string): string =>
  [
    'A batch is recorded whole or not at all: one bad item refuses it, with every refused item’s reasons.',
    'Sending a batch id again is safe: the same content answers 200 with `duplicate: true` and is counted once; other content answers 409.',
    '',
    'Every 400 answer to a batch has the same shape: `details.items` lists each refused item as `{ index, reasons }` (its place in the batch, from 0, ' +
      'and every reason, worded relative to the item: `metric must be one of …`, `observedAt is more than 300 s in the future`), ' +
      'and is empty when the fault is the batch’s own (its batchId, an empty or oversized list, an unknown field beside them). ' +
      `A fault of shape or type also names its fields in \`details.fields\`, by path (\`${items}.617.metric\`). ` +
      'A request refused before its body is read as a batch (a body that is not JSON or is over HTTP_BODY_LIMIT, an unknown query parameter) has no `details.items`.',
  ].join('\n');
const BATCH_REFUSED = 'The batch was refused whole; nothing was written. `details.items`: every refused item with its reasons; `details.fields`: the faults of shape or type, by path.';

@ApiTags('ingestion')
@Controller()
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('metrics')
  @HttpCode(HttpStatus.ACCEPTED)
  @Permission(AnalyticsPermission.MetricsWrite)
  @UseInterceptors(new BatchRefusals('observations'))
  @ApiOperation({ summary: 'Record a batch of platform metrics (cumulative snapshots or increments)', description: batchRules('observations') })
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: BatchAnswerDto, description: 'Recorded; it counts once the projection has applied it, within moments' })
  @ApiOkResponse({ type: BatchAnswerDto, description: 'Already recorded with the same content; nothing written' })
  @ApiBadRequestResponse({ type: BatchRefusalDto, description: BATCH_REFUSED })
  @ApiErrorResponses(409, 413)
  async recordMetrics(@Caller() caller: RequestContext, @Body() body: RecordMetricsDto, @Res({ passthrough: true }) response: Response): Promise<BatchAnswer> {
    return withDuplicateStatus(response, await this.ingestion.recordMetrics(caller, body));
  }

  @Post('events')
  @HttpCode(HttpStatus.ACCEPTED)
  @Permission(AnalyticsPermission.EventsWrite)
  @UseInterceptors(new BatchRefusals('events'), new KeepAsSent('events', ['properties']))
  @ApiOperation({ summary: 'Record a batch of tracked events', description: batchRules('events') })
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: BatchAnswerDto, description: 'Recorded; it counts once the projection has applied it, within moments' })
  @ApiOkResponse({ type: BatchAnswerDto, description: 'Already recorded with the same content; nothing written' })
  @ApiBadRequestResponse({ type: BatchRefusalDto, description: BATCH_REFUSED })
  @ApiErrorResponses(409, 413)
  async recordEvents(@Caller() caller: RequestContext, @Body() body: RecordEventsDto, @Res({ passthrough: true }) response: Response): Promise<BatchAnswer> {
    return withDuplicateStatus(response, await this.ingestion.recordEvents(caller, body));
  }
}

/** 202 says "recorded now"; a repeat wrote nothing, so it is a plain 200. */
function withDuplicateStatus(response: Response, answer: BatchAnswer): BatchAnswer {
  if (answer.duplicate) response.status(HttpStatus.OK);
  return answer;
}
