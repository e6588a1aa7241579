import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiIfMatch, ApiUuidParam, Caller, IfMatchVersion, NoBody, PageOf, PageQuery, type Page, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import { AssetsPermission } from '../../assets.permissions';
import { CollectionsService, type CollectionItemResult, type CollectionSummaryView, type CollectionView } from '../../collections/collections.service';
import { ApiErrorResponses } from '../api-docs';
import {
  CollectionItemResultsDto,
  CollectionSummaryViewDto,
  CollectionViewDto,
  CreateCollectionDto,
  RenameCollectionDto,
  SetCollectionItemsDto,
} from './collections.dto';

@ApiTags('collections')
@Controller('collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @Permission(AssetsPermission.CollectionWrite)
  @ApiOperation({ summary: 'Create a collection' })
  @VersionedResponse(CollectionViewDto, HttpStatus.CREATED)
  @ApiErrorResponses(400, 413)
  create(@Caller() caller: RequestContext, @Body() body: CreateCollectionDto): Promise<CollectionView> {
    return this.collections.createCollection(caller, body);
  }

  @Get()
  @Permission(AssetsPermission.CollectionRead)
  @ApiOperation({ summary: 'Your collections, newest first, each with its item count and cover' })
  @ApiOkResponse({ type: PageOf(CollectionSummaryViewDto) })
  @ApiErrorResponses(400)
  list(@Caller() caller: RequestContext, @Query() query: PageQuery): Promise<Page<CollectionSummaryView>> {
    return this.collections.listCollections(caller, query);
  }

  @Get(':id')
  @Permission(AssetsPermission.CollectionRead)
  @ApiOperation({ summary: 'One of your collections' })
  @ApiUuidParam('id', 'The collection')
  @VersionedResponse(CollectionSummaryViewDto)
  @ApiErrorResponses(400, 404)
  get(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<CollectionSummaryView> {
    return this.collections.getCollection(caller, id);
  }

  @Patch(':id')
  @Permission(AssetsPermission.CollectionWrite)
  @ApiOperation({ summary: 'Rename a collection (and set or clear its description)' })
  @ApiUuidParam('id', 'The collection')
  @ApiIfMatch()
  @VersionedResponse(CollectionViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  rename(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: RenameCollectionDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<CollectionView> {
    return this.collections.renameCollection(caller, id, body, { expectedVersion });
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Permission(AssetsPermission.CollectionWrite)
  @ApiOperation({ summary: 'Delete a collection; its items stay in the library, in no collection' })
  @ApiUuidParam('id', 'The collection')
  @NoBody()
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(400, 404, 409)
  delete(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<void> {
    return this.collections.deleteCollection(caller, id, { expectedVersion });
  }

  @Put(':id/items')
  @Permission(AssetsPermission.CollectionWrite)
  @ApiOperation({
    summary: 'Put library items into a collection, each on its own',
    description: 'Answered per id, in order: one that fails (absent, not yours) leaves the others done. Items not named stay where they are.',
  })
  @ApiUuidParam('id', 'The collection')
  @ApiOkResponse({ type: CollectionItemResultsDto })
  @ApiErrorResponses(400, 404, 413)
  async setItems(@Caller() caller: RequestContext, @UuidParam('id') id: string, @Body() body: SetCollectionItemsDto): Promise<{ results: CollectionItemResult[] }> {
    return { results: await this.collections.setCollectionItems(caller, id, body.ids) };
  }
}
