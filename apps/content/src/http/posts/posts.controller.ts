import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiIfMatch, ApiUuidParam, Caller, IfMatchVersion, NoBody, PageOf, type Page, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import { ContentPermission } from '../../content.permissions';
import type { PostHistoryEntry, PostSummaryView, PostView } from '../../posts/post.views';
import { PostsService } from '../../posts/posts.service';
import { ApiErrorResponses } from '../api-docs';
import { AttachMediaDto, DraftPostDto, EditPostDto, PostAsOfQueryDto, PostListQueryDto } from './post-requests.dto';
import { PostHistoryEntryDto, PostSummaryDto, PostViewDto } from './post-views.dto';

@ApiTags('posts')
@Controller('posts')
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post()
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Draft a post' })
  @VersionedResponse(PostViewDto, HttpStatus.CREATED)
  @ApiErrorResponses(400, 413)
  draft(@Caller() caller: RequestContext, @Body() body: DraftPostDto): Promise<PostView> {
    return this.posts.draft(caller, body);
  }

  @Get()
  @Permission(ContentPermission.PostRead)
  @ApiOperation({ summary: 'List the workspace’s posts, most recently changed first' })
  @ApiOkResponse({ type: PageOf(PostSummaryDto) })
  @ApiErrorResponses(400)
  list(@Caller() caller: RequestContext, @Query() query: PostListQueryDto): Promise<Page<PostSummaryView>> {
    return this.posts.list(caller, query);
  }

  @Get(':id')
  @Permission(ContentPermission.PostRead)
  @ApiOperation({ summary: 'A post now, or as it was at `asOf`' })
  @ApiUuidParam('id', 'The post')
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404)
  get(@Caller() caller: RequestContext, @UuidParam('id') id: string, @Query() query: PostAsOfQueryDto): Promise<PostView> {
    return this.posts.get(caller, id, query.asOf === undefined ? undefined : new Date(query.asOf));
  }

  @Get(':id/history')
  @Permission(ContentPermission.PostRead)
  @ApiOperation({ summary: 'Every event of a post, oldest first' })
  @ApiUuidParam('id', 'The post')
  @ApiOkResponse({ type: [PostHistoryEntryDto] })
  @ApiErrorResponses(400, 404)
  history(@Caller() caller: RequestContext, @UuidParam('id') id: string): Promise<PostHistoryEntry[]> {
    return this.posts.history(caller, id);
  }

  @Patch(':id')
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Edit a draft' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  edit(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: EditPostDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.edit(caller, id, body, { expectedVersion });
  }

  @Post(':id/media')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Attach an asset to a draft (again: no change)' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  attachMedia(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: AttachMediaDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.attachMedia(caller, id, body.assetId, { expectedVersion });
  }

  @Delete(':id/media/:assetId')
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Detach an asset from a draft (not attached: no change)' })
  @ApiUuidParam('id', 'The post')
  @ApiUuidParam('assetId', 'The asset')
  @NoBody()
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409)
  detachMedia(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @UuidParam('assetId') assetId: string,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.detachMedia(caller, id, assetId, { expectedVersion });
  }
}
