import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiUuidParam, Caller, NoBody, PageOf, PageQuery, type Page, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import type { Request, Response } from 'express';
import { AssetsPermission } from '../../assets.permissions';
import { BLOB_STORAGE } from '../../assets.tokens';
import type { LibraryItemView } from '../../library/library-item.views';
import { LibraryService } from '../../library/library.service';
import type { StagedAssetSummaryView, StagedAssetView } from '../../staging/staged-asset.views';
import { StagingService } from '../../staging/staging.service';
import type { BlobStorage } from '../../storage';
import { ApiErrorResponses } from '../api-docs';
import { ApiDownload, answerDownload } from '../blob-response';
import { CloseUnreadBodyInterceptor } from '../close-unread-body.interceptor';
import { LibraryItemViewDto, SaveToLibraryDto } from '../library/library.dto';
import { StagedAssetUploads } from './staged-asset-uploads';
import { StagedAssetSummaryViewDto, StagedAssetViewDto, UploadStagedAssetDto } from './workspace-asset.dto';

@ApiTags('workspace-assets')
@Controller('workspace-assets')
export class WorkspaceAssetsController {
  constructor(
    private readonly uploads: StagedAssetUploads,
    private readonly staging: StagingService,
    private readonly library: LibraryService,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
  ) {}

  @Post()
  @Permission(AssetsPermission.WorkspaceAssetWrite)
  @UseInterceptors(CloseUnreadBodyInterceptor)
  @ApiOperation({
    summary: 'Upload a generated asset to your workspace',
    description: 'Streamed, never held in memory. The same job’s asset (jobId, assetIndex) again answers the one staged, with 200, and stores nothing.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadStagedAssetDto })
  @ApiCreatedResponse({ type: StagedAssetViewDto, description: 'Staged; it expires in 7 days unless saved' })
  @ApiOkResponse({ type: StagedAssetViewDto, description: 'This job’s asset was staged already' })
  @ApiErrorResponses(400, 409, 413, 415)
  async upload(@Caller() caller: RequestContext, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<StagedAssetView> {
    const { asset, created } = await this.uploads.stage(caller, request);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return asset;
  }

  @Get()
  @Permission(AssetsPermission.WorkspaceAssetRead)
  @ApiOperation({ summary: 'Your staged assets, soonest to expire first' })
  @ApiOkResponse({ type: PageOf(StagedAssetSummaryViewDto) })
  @ApiErrorResponses(400)
  list(@Caller() caller: RequestContext, @Query() query: PageQuery): Promise<Page<StagedAssetSummaryView>> {
    return this.staging.list(caller, query);
  }

  @Get(':id')
  @Permission(AssetsPermission.WorkspaceAssetRead)
  @ApiOperation({ summary: 'One of your staged assets' })
  @ApiUuidParam('id', 'The staged asset')
  @ApiOkResponse({ type: StagedAssetSummaryViewDto })
  @ApiErrorResponses(400, 404)
  get(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<StagedAssetSummaryView> {
    return this.staging.get(caller, id);
  }

  @Get(':id/file')
  @Permission(AssetsPermission.WorkspaceAssetRead)
  @ApiOperation({ summary: 'The file of one of your staged assets' })
  @ApiUuidParam('id', 'The staged asset')
  @ApiDownload()
  @ApiErrorResponses(400, 404)
  async file(@Caller() caller: RequestContext, @UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await answerDownload(this.storage, await this.staging.get(caller, id), request, response);
  }

  @Post(':id/save')
  @Permission(AssetsPermission.LibraryWrite)
  @ApiOperation({ summary: 'Save a staged asset to your library (again: the item saved, 200)' })
  @ApiUuidParam('id', 'The staged asset')
  @VersionedResponse(LibraryItemViewDto, HttpStatus.CREATED)
  @ApiOkResponse({ type: LibraryItemViewDto, description: 'Saved already; nothing written' })
  @ApiErrorResponses(400, 404, 409, 413)
  async save(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: SaveToLibraryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LibraryItemView> {
    const { item, created } = await this.library.save(caller, id, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return item;
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Permission(AssetsPermission.WorkspaceAssetWrite)
  @ApiOperation({ summary: 'Discard one of your staged assets (a saved copy stays in the library)' })
  @ApiUuidParam('id', 'The staged asset')
  @NoBody()
  @ApiNoContentResponse({ description: 'Discarded' })
  @ApiErrorResponses(400, 404)
  discard(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<void> {
    return this.staging.discard(caller, id);
  }
}
