import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, IsUUID } from 'class-validator';
import {
  MAX_COLLECTION_ITEMS_PER_REQUEST,
  type CollectionItemResult,
  type CollectionSummaryView,
  type CollectionView,
  type CreateCollectionInput,
  type RenameCollectionInput,
} from '../../collections/collections.service';
import { COLLECTION_DESCRIPTION_MAX_LENGTH, COLLECTION_NAME_MAX_LENGTH } from '../../domain';
import { LowerCased } from '../dto-validators';

// Shapes and types are checked here; lengths and blank names are the domain's rules (400 too).

export class CreateCollectionDto implements CreateCollectionInput {
  @ApiProperty({ maxLength: COLLECTION_NAME_MAX_LENGTH, example: 'Spring campaign' })
  @IsString()
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: COLLECTION_DESCRIPTION_MAX_LENGTH })
  @IsOptional()
  @IsString()
  description?: string | null;
}

/** A new name; the description too when given (null or blank clears it). */
export class RenameCollectionDto extends CreateCollectionDto implements RenameCollectionInput {}

export class SetCollectionItemsDto {
  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, minItems: 1, maxItems: MAX_COLLECTION_ITEMS_PER_REQUEST, description: 'Your library items to put in it' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COLLECTION_ITEMS_PER_REQUEST)
  @IsUUID('all', { each: true })
  @LowerCased()
  ids!: string[];
}

// Response shapes for OpenAPI; `implements` keeps each in step with the view it documents.

export class CollectionViewDto implements CollectionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Send it back as If-Match' }) version!: number;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CollectionSummaryViewDto extends CollectionViewDto implements CollectionSummaryView {
  @ApiProperty() itemCount!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Its item added last; null when empty' }) coverItemId!: string | null;
}

class ItemErrorDto {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty() message!: string;
}

export class CollectionItemResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['success', 'error'] }) status!: CollectionItemResult['status'];
  @ApiPropertyOptional({ type: ItemErrorDto, description: 'Why this one failed (the others are done all the same)' }) error?: ItemErrorDto;
}

export class CollectionItemResultsDto {
  @ApiProperty({ type: [CollectionItemResultDto], description: 'One per id, in the order given' }) results!: CollectionItemResult[];
}
