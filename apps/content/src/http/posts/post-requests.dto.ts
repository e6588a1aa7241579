import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { PLATFORMS, POST_STATUSES, type Platform, type PostStatus } from '@lib/contracts';
import { IsIanaTimeZone, IsOmittable, PageQuery } from '@lib/service-kit';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { BODY_MAX_LENGTH, LABEL_MAX_LENGTH, MAX_HASHTAGS, REASON_MAX_LENGTH, TITLE_MAX_LENGTH, type PostChanges, type PostVariantInput } from '../../domain';
import type { DraftPostInput } from '../../posts/posts.service';
import { IsInstant } from '../dto-validators';

// Shapes and types are checked here; the content rules (lengths counted as the platforms count
// them, hashtag syntax, per-platform limits) are the domain's, which answers 400 the same way.

export class PostVariantDto implements PostVariantInput {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS)
  platform!: Platform;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: BODY_MAX_LENGTH, description: 'This platform’s text; omitted or null: the post’s body' })
  @IsOptional()
  @IsString()
  body?: string | null;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'This platform’s hashtags; omitted or null: the post’s; [] for none' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  hashtags?: string[] | null;
}

export class DraftPostDto implements DraftPostInput {
  @ApiProperty({ maxLength: TITLE_MAX_LENGTH, example: 'Spring launch' })
  @IsString()
  title!: string;

  @ApiPropertyOptional({ maxLength: BODY_MAX_LENGTH, default: '' })
  @IsOmittable()
  @IsString()
  body?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_HASHTAGS, description: 'With or without #, unique case-insensitively', example: ['launch'] })
  @IsOmittable()
  @IsArray()
  @IsString({ each: true })
  hashtags?: string[];

  @ApiPropertyOptional({ type: [PostVariantDto], description: 'One per platform the post targets' })
  @IsOmittable()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PostVariantDto)
  variants?: PostVariantDto[];

  @ApiPropertyOptional({ type: 'string', format: 'uuid', isArray: true, description: 'Assets (of the assets service) attached in this order' })
  @IsOmittable()
  @IsArray()
  @IsUUID('all', { each: true })
  mediaAssetIds?: string[];

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  campaignId?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  templateId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LABEL_MAX_LENGTH, description: 'Content pillar' })
  @IsOptional()
  @IsString()
  pillar?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LABEL_MAX_LENGTH })
  @IsOptional()
  @IsString()
  series?: string | null;
}

/** A partial update of a draft: omitted fields stay, null clears campaignId, templateId, pillar or series. */
export class EditPostDto
  extends PartialType(OmitType(DraftPostDto, ['mediaAssetIds'] as const), { skipNullProperties: false })
  implements PostChanges {}

export class AttachMediaDto {
  @ApiProperty({ format: 'uuid', description: 'An asset of the assets service' })
  @IsUUID()
  assetId!: string;
}

export class ApprovePostDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: REASON_MAX_LENGTH })
  @IsOptional()
  @IsString()
  comment?: string | null;
}

export class RejectPostDto {
  @ApiProperty({ maxLength: REASON_MAX_LENGTH, example: 'The claim in the second sentence needs a source' })
  @IsString()
  reason!: string;
}

export class SchedulePostDto {
  @ApiProperty({ description: 'ISO-8601 instant with its offset; in the future', example: '2030-03-10T09:00:00-04:00' })
  @IsInstant()
  scheduledAt!: string;

  @ApiProperty({ description: 'IANA time zone the time was chosen in; calendars show it in this zone', example: 'America/New_York' })
  @IsIanaTimeZone()
  timeZone!: string;
}

export class ArchivePostDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: REASON_MAX_LENGTH })
  @IsOptional()
  @IsString()
  reason?: string | null;
}

export class PostListQueryDto extends PageQuery {
  @ApiPropertyOptional({ enum: POST_STATUSES })
  @IsOptional()
  @IsIn(POST_STATUSES)
  status?: PostStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  campaignId?: string;
}

export class PostAsOfQueryDto {
  @ApiPropertyOptional({ description: 'The post as it was at this instant (ISO-8601 with offset; encode + as %2B)', example: '2030-01-01T09:00:00Z' })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}
