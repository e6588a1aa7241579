import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiIfMatch, ApiUuidParam, Caller, IfMatchVersion, NoBody, PageOf, PageQuery, type Page, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import { ContentPermission } from '../../content.permissions';
import { TemplatesService, type TemplateView } from '../../templates/templates.service';
import { ApiErrorResponses } from '../api-docs';
import { CreateTemplateDto, TemplateViewDto, UpdateTemplateDto } from './template.dto';

@ApiTags('templates')
@Controller('templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @Permission(ContentPermission.TemplateWrite)
  @ApiOperation({ summary: 'Create a template' })
  @VersionedResponse(TemplateViewDto, HttpStatus.CREATED)
  @ApiErrorResponses(400, 409, 413)
  create(@Caller() caller: RequestContext, @Body() body: CreateTemplateDto): Promise<TemplateView> {
    return this.templates.create(caller, body);
  }

  @Get()
  @Permission(ContentPermission.TemplateRead)
  @ApiOperation({ summary: 'List the workspace’s templates by name' })
  @ApiOkResponse({ type: PageOf(TemplateViewDto) })
  @ApiErrorResponses(400)
  list(@Caller() caller: RequestContext, @Query() query: PageQuery): Promise<Page<TemplateView>> {
    return this.templates.list(caller, query);
  }

  @Get(':id')
  @Permission(ContentPermission.TemplateRead)
  @ApiOperation({ summary: 'A template' })
  @ApiUuidParam('id', 'The template')
  @VersionedResponse(TemplateViewDto)
  @ApiErrorResponses(400, 404)
  get(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<TemplateView> {
    return this.templates.get(caller, id);
  }

  @Patch(':id')
  @Permission(ContentPermission.TemplateWrite)
  @ApiOperation({ summary: 'Update a template' })
  @ApiUuidParam('id', 'The template')
  @ApiIfMatch()
  @VersionedResponse(TemplateViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  update(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: UpdateTemplateDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<TemplateView> {
    return this.templates.update(caller, id, body, { expectedVersion });
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Permission(ContentPermission.TemplateWrite)
  @ApiOperation({ summary: 'Delete a template; its name is free again' })
  @ApiUuidParam('id', 'The template')
  @NoBody()
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(400, 404, 409)
  delete(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<void> {
    return this.templates.delete(caller, id, { expectedVersion });
  }
}
