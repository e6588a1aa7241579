import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ASSET_MIME_TYPES, ASSET_TYPES, VISIBILITIES, type AssetMimeType, type AssetType, type Visibility } from '@lib/contracts';
import { BooleanText, IsOmittable, PageQuery } from '@lib/service-kit';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { MAX_TAGS, TAG_MAX_LENGTH, TITLE_MAX_LENGTH, type LibraryItemChanges } from '../../domain';
import type { LibraryItemSummaryView, LibraryItemView } from '../../library/library-item.views';
import { LIBRARY_SCOPES, LIBRARY_SORTS, NO_COLLECTION, SEARCH_MAX_LENGTH, type LibraryListQuery, type SaveToLibraryInput } from '../../library/library.service';
import { LowerCased } from '../dto-validators';

// Shapes and types are checked here; the content rules (lengths in characters, tags trimmed,
// lower-cased and deduplicated) are the domain's, which answers 400 the same way.

export class SaveToLibraryDto implements SaveToLibraryInput {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: TITLE_MAX_LENGTH, description: 'Omitted, null or blank: untitled' })
  @IsOptional()
  @IsString()
  title?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_TAGS, description: `Each 1 to ${TAG_MAX_LENGTH} characters; kept lower-cased, repeats dropped` })
  @IsOmittable()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ default: false })
  @IsOmittable()
  @IsBoolean()
  favorite?: boolean;

  @ApiPropertyOptional({ enum: VISIBILITIES, default: 'private', description: 'private: yours alone; unlisted: readable by the workspace by id; public: also listed to it' })
  @IsOmittable()
  @IsIn(VISIBILITIES)
  visibility?: Visibility;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'One of your collections; omitted or null: none' })
  @IsOptional()
  @IsUUID()
  @LowerCased()
  collectionId?: string | null;
}

/** A partial update: omitted fields stay, `title: null` clears the title. */
export class UpdateLibraryItemDto extends OmitType(SaveToLibraryDto, ['collectionId'] as const) implements LibraryItemChanges {}

export class MoveLibraryItemDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'One of your collections, or null: out of any' })
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsUUID()
  @LowerCased()
  collectionId!: string | null;
}

export class LibraryListQueryDto extends PageQuery implements LibraryListQuery {
  @ApiPropertyOptional({ enum: LIBRARY_SCOPES, default: 'own', description: 'own: your items; workspace: the workspace’s public items' })
  @IsOptional()
  @IsIn(LIBRARY_SCOPES)
  scope?: string;

  @ApiPropertyOptional({ description: `One of your collections, or "${NO_COLLECTION}" for items in none (scope own)` })
  @IsOptional()
  @ValidateIf((_object: object, value: unknown) => value !== NO_COLLECTION)
  @IsUUID('all', { message: `collectionId must be a UUID or "${NO_COLLECTION}"` })
  collectionId?: string;

  @ApiPropertyOptional({ maxLength: TAG_MAX_LENGTH, description: 'Items with this tag (case does not matter)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(TAG_MAX_LENGTH)
  tag?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @BooleanText()
  @IsBoolean({ message: 'favorite must be true or false' })
  favorite?: boolean;

  @ApiPropertyOptional({ enum: ASSET_TYPES })
  @IsOptional()
  @IsIn(ASSET_TYPES)
  type?: string;

  @ApiPropertyOptional({ maxLength: SEARCH_MAX_LENGTH, description: 'Words of the title, tags or prompt, in web-search syntax: fox -snow "red fox"' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'q must not be blank' })
  @MaxLength(SEARCH_MAX_LENGTH)
  q?: string;

  @ApiPropertyOptional({ enum: LIBRARY_SORTS, default: 'newest', description: 'newest first, or by title (untitled first)' })
  @IsOptional()
  @IsIn(LIBRARY_SORTS)
  sort?: string;
}

// Response shapes for OpenAPI; `implements` keeps each in step with the view it documents.

export class LibraryItemViewDto implements LibraryItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Send it back as If-Match' }) version!: number;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ format: 'uuid', description: 'The staged asset it was saved from' }) sourceAssetId!: string;
  @ApiProperty({ enum: ASSET_TYPES }) assetType!: AssetType;
  @ApiProperty({ enum: ASSET_MIME_TYPES }) mimeType!: AssetMimeType;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ description: 'The SHA-256 of the bytes: also the file’s ETag' }) sha256!: string;
  @ApiProperty() prompt!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: Number, nullable: true }) seed!: number | null;
  @ApiProperty({ type: Number, nullable: true }) durationSeconds!: number | null;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() favorite!: boolean;
  @ApiProperty({ enum: VISIBILITIES }) visibility!: Visibility;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) collectionId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class LibraryItemSummaryViewDto extends LibraryItemViewDto implements LibraryItemSummaryView {
  @ApiProperty({ type: String, nullable: true, description: 'null when in no collection, or its collection was deleted' }) collectionName!: string | null;
  @ApiProperty({ description: 'Posts of the workspace using it now' }) usageCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The latest time a post attached it' }) lastUsedAt!: string | null;
}
