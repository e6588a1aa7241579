import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiIfMatch, ApiUuidParam, Caller, IfMatchVersion, NoBody, PageOf, type Page, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import type { Request, Response } from 'express';
import { AssetsPermission } from '../../assets.permissions';
import { BLOB_STORAGE } from '../../assets.tokens';
import type { LibraryItemSummaryView, LibraryItemView } from '../../library/library-item.views';
import { LibraryService } from '../../library/library.service';
import type { BlobStorage } from '../../storage';
import { ApiErrorResponses } from '../api-docs';
import { ApiDownload, answerDownload } from '../blob-response';
import { LibraryItemSummaryViewDto, LibraryItemViewDto, LibraryListQueryDto, MoveLibraryItemDto, UpdateLibraryItemDto } from './library.dto';

@ApiTags('library')
@Controller('library')
export class LibraryController {
  constructor(
    private readonly library: LibraryService,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
  ) {}

  @Get()
  @Permission(AssetsPermission.LibraryRead)
  @ApiOperation({ summary: 'Your library items, or the workspace’s public ones, filtered; newest first or by title' })
  @ApiOkResponse({ type: PageOf(LibraryItemSummaryViewDto) })
  @ApiErrorResponses(400)
  list(@Caller() caller: RequestContext, @Query() query: LibraryListQueryDto): Promise<Page<LibraryItemSummaryView>> {
    return this.library.list(caller, query);
  }

  @Get(':id')
  @Permission(AssetsPermission.LibraryRead)
  @ApiOperation({ summary: 'A library item: yours, or another member’s that is not private' })
  @ApiUuidParam('id', 'The library item')
  @VersionedResponse(LibraryItemSummaryViewDto)
  @ApiErrorResponses(400, 404)
  get(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<LibraryItemSummaryView> {
    return this.library.get(caller, id);
  }

  @Get(':id/file')
  @Permission(AssetsPermission.LibraryRead)
  @ApiOperation({ summary: 'The file of a library item you may see' })
  @ApiUuidParam('id', 'The library item')
  @ApiDownload()
  @ApiErrorResponses(400, 404)
  async file(@Caller() caller: RequestContext, @UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    await answerDownload(this.storage, await this.library.get(caller, id), request, response);
  }

  @Patch(':id')
  @Permission(AssetsPermission.LibraryWrite)
  @ApiOperation({ summary: 'Edit one of your items: title, tags, favourite, visibility' })
  @ApiUuidParam('id', 'The library item')
  @ApiIfMatch()
  @VersionedResponse(LibraryItemViewDto)
  @ApiErrorResponses(400, 403, 404, 409, 413)
  update(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: UpdateLibraryItemDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<LibraryItemView> {
    return this.library.update(caller, id, body, { expectedVersion });
  }

  @Post(':id/move')
  @HttpCode(HttpStatus.OK)
  @Permission(AssetsPermission.LibraryWrite)
  @ApiOperation({ summary: 'Move one of your items into one of your collections, or out of any (null)' })
  @ApiUuidParam('id', 'The library item')
  @ApiIfMatch()
  @VersionedResponse(LibraryItemViewDto)
  @ApiErrorResponses(400, 403, 404, 409, 413)
  move(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: MoveLibraryItemDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<LibraryItemView> {
    return this.library.move(caller, id, body.collectionId, { expectedVersion });
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Permission(AssetsPermission.LibraryWrite)
  @ApiOperation({ summary: 'Remove one of your items; its file goes once nothing else holds it' })
  @ApiUuidParam('id', 'The library item')
  @NoBody()
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrorResponses(400, 403, 404, 409)
  remove(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<void> {
    return this.library.remove(caller, id, { expectedVersion });
  }
}
