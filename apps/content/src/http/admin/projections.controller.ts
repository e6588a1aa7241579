import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import type { RebuildReport } from '@lib/event-store';
import { ContentPermission } from '../../content.permissions';
import { ContentProjections, type ProjectionStatusView } from '../../projections/content-projections';
import { ApiErrorResponses } from '../api-docs';
import { NoBody } from '../no-body';
import { ProjectionStatusDto, RebuildReportDto } from './projection.dto';

/** The service's projections: shared by every workspace, so for operators, not tenants' data. */
@ApiTags('admin')
@Controller('admin/projections')
export class ProjectionsController {
  constructor(private readonly projections: ContentProjections) {}

  @Get()
  @Permission(ContentPermission.ProjectionRead)
  @ApiOperation({ summary: 'Status and lag of every projection' })
  @ApiOkResponse({ type: [ProjectionStatusDto] })
  status(): Promise<ProjectionStatusView[]> {
    return this.projections.status();
  }

  @Post(':name/rebuild')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.ProjectionRebuild)
  @ApiOperation({
    summary: 'Rebuild a read model from the events',
    description: 'Built beside the live tables, which keep serving, then swapped in; answers when done.',
  })
  @ApiParam({ name: 'name', example: 'post_summaries' })
  @NoBody()
  @ApiOkResponse({ type: RebuildReportDto })
  @ApiErrorResponses(400, 404, 409)
  rebuild(@Param('name') name: string): Promise<RebuildReport> {
    return this.projections.rebuild(name);
  }
}
