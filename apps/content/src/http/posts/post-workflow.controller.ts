import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { ApiIfMatch, ApiUuidParam, Caller, IfMatchVersion, NoBody, type RequestContext, UuidParam, VersionedResponse } from '@lib/service-kit';
import { ContentPermission } from '../../content.permissions';
import type { PostView } from '../../posts/post.views';
import { PostsService } from '../../posts/posts.service';
import { ApiErrorResponses } from '../api-docs';
import { ApprovePostDto, ArchivePostDto, RejectPostDto, SchedulePostDto } from './post-requests.dto';
import { PostViewDto } from './post-views.dto';

/**
 * The lifecycle commands: draft → in_review → approved → scheduled → publishing → published |
 * failed, and archived. A command the post's status does not allow answers 409.
 */
@ApiTags('posts')
@Controller('posts/:id')
export class PostWorkflowController {
  constructor(private readonly posts: PostsService) {}

  @Post('submit')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Submit a draft for review' })
  @ApiUuidParam('id', 'The post')
  @NoBody()
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409)
  submit(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<PostView> {
    return this.posts.submit(caller, id, { expectedVersion });
  }

  @Post('approve')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostApprove)
  @ApiOperation({ summary: 'Approve a post in review' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  approve(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: ApprovePostDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.approve(caller, id, body, { expectedVersion });
  }

  @Post('reject')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostApprove)
  @ApiOperation({ summary: 'Send a post in review, or an approved one, back to draft' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  reject(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: RejectPostDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.reject(caller, id, body, { expectedVersion });
  }

  @Post('schedule')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Schedule an approved (or failed) post, or move its time', description: 'Stored in UTC with the IANA zone it was chosen in.' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  schedule(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: SchedulePostDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.schedule(caller, id, body, { expectedVersion });
  }

  @Post('unschedule')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Take a scheduled post off the schedule (back to approved)' })
  @ApiUuidParam('id', 'The post')
  @NoBody()
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409)
  unschedule(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<PostView> {
    return this.posts.unschedule(caller, id, { expectedVersion });
  }

  @Post('publish')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({
    summary: 'Publish now (an approved, scheduled or failed post)',
    description: 'Answers at once with the post `publishing`; the worker delivers to each platform not yet published.',
  })
  @ApiUuidParam('id', 'The post')
  @NoBody()
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409)
  publish(@Caller() caller: RequestContext, @UuidParam('id') id: string, @IfMatchVersion() expectedVersion: number | undefined): Promise<PostView> {
    return this.posts.publishNow(caller, id, { expectedVersion });
  }

  @Post('archive')
  @HttpCode(HttpStatus.OK)
  @Permission(ContentPermission.PostWrite)
  @ApiOperation({ summary: 'Archive a post (not while it is publishing)' })
  @ApiUuidParam('id', 'The post')
  @ApiIfMatch()
  @VersionedResponse(PostViewDto)
  @ApiErrorResponses(400, 404, 409, 413)
  archive(
    @Caller() caller: RequestContext,
    @UuidParam('id') id: string,
    @Body() body: ArchivePostDto,
    @IfMatchVersion() expectedVersion: number | undefined,
  ): Promise<PostView> {
    return this.posts.archive(caller, id, body, { expectedVersion });
  }
}
