import { ApiProperty } from '@nestjs/swagger';
import { PLATFORMS, POST_STATUSES, type Platform, type PostStatus, type PostVariantData } from '@lib/contracts';
import type { PlatformPublicationState, Post } from '../../domain';
import type { PostHistoryEntry, PostSummaryView, PostView } from '../../posts/post.views';

// Response shapes for OpenAPI; `implements` keeps each in step with the view it documents.

export class PostVariantViewDto implements PostVariantData {
  @ApiProperty({ enum: PLATFORMS })
  platform!: Platform;

  @ApiProperty({ type: String, nullable: true, description: 'null: the post’s body' })
  body!: string | null;

  @ApiProperty({ type: [String], nullable: true, description: 'null: the post’s hashtags' })
  hashtags!: string[] | null;
}

export class SubmissionViewDto implements NonNullable<Post['submission']> {
  @ApiProperty({ format: 'uuid' }) submittedBy!: string;
  @ApiProperty({ format: 'date-time' }) submittedAt!: string;
}

export class ApprovalViewDto implements NonNullable<Post['approval']> {
  @ApiProperty({ format: 'uuid' }) approvedBy!: string;
  @ApiProperty({ enum: ['owner', 'admin'] }) approverRole!: string;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ format: 'date-time' }) approvedAt!: string;
}

export class RejectionViewDto implements NonNullable<Post['lastRejection']> {
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'uuid' }) rejectedBy!: string;
  @ApiProperty({ format: 'date-time' }) rejectedAt!: string;
}

export class ScheduleViewDto implements NonNullable<Post['schedule']> {
  @ApiProperty({ format: 'date-time', description: 'UTC' }) scheduledAt!: string;
  @ApiProperty({ example: 'America/New_York', description: 'The IANA zone it was scheduled in' }) timeZone!: string;
}

export class PublicationViewDto implements PlatformPublicationState {
  @ApiProperty({ enum: PLATFORMS }) platform!: Platform;
  @ApiProperty({ description: 'Sent with every delivery to this platform; the same on every retry' }) idempotencyKey!: string;
  @ApiProperty({ enum: ['pending', 'published', 'failed'] }) status!: PlatformPublicationState['status'];
  @ApiProperty({ description: 'The last publishing round that targeted this platform' }) round!: number;
  @ApiProperty({ type: String, nullable: true }) externalId!: string | null;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) publishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ description: 'Deliveries tried in the last failed round' }) attempts!: number;
}

export class FailureViewDto implements NonNullable<Post['lastFailure']> {
  @ApiProperty() reason!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) failedAt!: string;
}

export class ArchiveViewDto implements NonNullable<Post['archive']> {
  @ApiProperty({ enum: POST_STATUSES }) previousStatus!: PostStatus;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'uuid' }) archivedBy!: string;
  @ApiProperty({ format: 'date-time' }) archivedAt!: string;
}

/** A post as its events say it is now (or was at `asOf`). */
export class PostViewDto implements PostView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The stream version: send it back as If-Match' }) version!: number;
  @ApiProperty({ enum: POST_STATUSES }) status!: PostStatus;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ type: [String] }) hashtags!: string[];
  @ApiProperty({ type: [PostVariantViewDto] }) variants!: PostVariantViewDto[];
  @ApiProperty({ enum: PLATFORMS, isArray: true }) platforms!: Platform[];
  @ApiProperty({ type: 'string', format: 'uuid', isArray: true }) mediaAssetIds!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) campaignId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) templateId!: string | null;
  @ApiProperty({ type: String, nullable: true }) pillar!: string | null;
  @ApiProperty({ type: String, nullable: true }) series!: string | null;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: SubmissionViewDto, nullable: true }) submission!: SubmissionViewDto | null;
  @ApiProperty({ type: ApprovalViewDto, nullable: true }) approval!: ApprovalViewDto | null;
  @ApiProperty({ type: RejectionViewDto, nullable: true }) lastRejection!: RejectionViewDto | null;
  @ApiProperty({ type: ScheduleViewDto, nullable: true }) schedule!: ScheduleViewDto | null;
  @ApiProperty() publishingRound!: number;
  @ApiProperty({ type: [PublicationViewDto] }) publications!: PublicationViewDto[];
  @ApiProperty({ type: FailureViewDto, nullable: true }) lastFailure!: FailureViewDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) publishedAt!: string | null;
  @ApiProperty({ type: ArchiveViewDto, nullable: true }) archive!: ArchiveViewDto | null;
}

export class PostHistoryEntryDto implements PostHistoryEntry {
  @ApiProperty({ example: 'PostApproved' }) type!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'A user id, or the service’s own worker' }) actorId!: string | null;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event’s payload' }) data!: object;
}

/** A row of a post list (from the post_summaries read model, which follows the events within moments). */
export class PostSummaryDto implements PostSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: POST_STATUSES }) status!: PostStatus;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) campaignId!: string | null;
  @ApiProperty({ enum: PLATFORMS, isArray: true }) platforms!: Platform[];
  @ApiProperty({ type: 'string', format: 'uuid', isArray: true }) mediaAssetIds!: string[];
  @ApiProperty() mediaCount!: number;
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'UTC' }) scheduledAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) timeZone!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) publishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastPublishError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
