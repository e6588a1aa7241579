import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import type { RebuildReport } from '@lib/event-store';
import { ErrorBody } from '../http/error-body';
import { NoBody } from '../http/no-body';
import { PROJECTIONS_ADMIN, ProjectionsAdminPermission, type ProjectionsAdmin, type ProjectionStatusView } from './projections-admin';
import { ProjectionStatusDto, RebuildReportDto } from './projections-admin.dto';

/**
 * The service's projections: shared by every workspace, so for operators, not tenants' data. A
 * service lists it in its controllers and provides PROJECTIONS_ADMIN.
 */
@ApiTags('admin')
@Controller('admin/projections')
export class ProjectionsAdminController {
  constructor(@Inject(PROJECTIONS_ADMIN) private readonly projections: ProjectionsAdmin) {}

  @Get()
  @Permission(ProjectionsAdminPermission.Read)
  @ApiOperation({ summary: 'Status and lag of every projection' })
  @ApiOkResponse({ type: [ProjectionStatusDto] })
  status(): Promise<ProjectionStatusView[]> {
    return this.projections.status();
  }

  @Post(':name/rebuild')
  @HttpCode(HttpStatus.OK)
  @Permission(ProjectionsAdminPermission.Rebuild)
  @ApiOperation({
    summary: 'Rebuild a read model from the events',
    description: 'Built beside the live tables, which keep serving, then swapped in; answers when done.',
  })
  @ApiParam({ name: 'name', example: 'post_summaries' })
  @NoBody()
  @ApiOkResponse({ type: RebuildReportDto })
  @ApiResponse({ status: 400, type: ErrorBody, description: 'A body with fields, or an unknown query parameter.' })
  @ApiResponse({ status: 404, type: ErrorBody, description: 'No projection of this service has that name.' })
  @ApiResponse({ status: 409, type: ErrorBody, description: 'A rebuild of it is already running, or it is not a read model and is never rebuilt.' })
  rebuild(@Param('name') name: string): Promise<RebuildReport> {
    return this.projections.rebuild(name);
  }
}
