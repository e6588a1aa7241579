import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ASSET_MIME_TYPES, ASSET_TYPES, type AssetMimeType, type AssetType, type GenerationData } from '@lib/contracts';
import { IsInt, IsNumber, IsPositive, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { DecimalText, IntegerText, IsOmittable } from '@lib/service-kit';
import { MAX_ASSET_INDEX, MAX_DURATION_SECONDS, MODEL_MAX_LENGTH, SETTINGS_MAX_BYTES } from '../../domain';
import type { StagedAssetSummaryView, StagedAssetView } from '../../staging/staged-asset.views';
import { IsJsonObject, IsNotBlank, IsStorableText, JsonText, LowerCased } from '../dto-validators';

/** Tighter than the domain's own limit: a generation prompt is a few hundred words at most. */
export const UPLOAD_PROMPT_MAX_LENGTH = 4000;

/**
 * The text fields of an upload, beside its one file part. Checked whole once the body has been
 * read (the fields may come after the file), and strictly enough that the domain accepts
 * whatever passes: the file is stored only after this.
 */
export class UploadStagedAssetFieldsDto {
  @ApiProperty({ format: 'uuid', description: 'The generation job; with assetIndex, what makes a retried upload the same asset' })
  @IsUUID()
  @LowerCased()
  jobId!: string;

  @ApiProperty({ minimum: 0, maximum: MAX_ASSET_INDEX, description: 'The asset’s place in its job, from 0' })
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(MAX_ASSET_INDEX)
  assetIndex!: number;

  @ApiProperty({ description: 'The seed the asset was generated with' })
  @IntegerText()
  @IsInt()
  @Min(Number.MIN_SAFE_INTEGER)
  @Max(Number.MAX_SAFE_INTEGER)
  generationSeed!: number;

  @ApiProperty({ minLength: 1, maxLength: UPLOAD_PROMPT_MAX_LENGTH })
  @IsString()
  @IsNotBlank()
  @MaxLength(UPLOAD_PROMPT_MAX_LENGTH)
  @IsStorableText()
  prompt!: string;

  @ApiProperty({ minLength: 1, maxLength: MODEL_MAX_LENGTH, example: 'flux-1-dev' })
  @IsString()
  @IsNotBlank()
  @MaxLength(MODEL_MAX_LENGTH)
  @IsStorableText()
  model!: string;

  @ApiPropertyOptional({ description: `The generation settings as a JSON object (text), at most ${SETTINGS_MAX_BYTES} bytes`, example: '{"steps":28}' })
  @IsOmittable()
  @JsonText()
  @IsJsonObject(SETTINGS_MAX_BYTES)
  @IsStorableText()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: MAX_DURATION_SECONDS, description: 'Videos only; omitted: as the file says' })
  @IsOmittable()
  @DecimalText()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(MAX_DURATION_SECONDS)
  durationSeconds?: number;
}

/** What an upload request is, for OpenAPI: the fields above and the file. */
export class UploadStagedAssetDto extends UploadStagedAssetFieldsDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'One JPEG, PNG, WebP or MP4, with its Content-Type; at most ASSETS_MAX_UPLOAD_BYTES' })
  file!: unknown;
}

// Response shapes for OpenAPI; `implements` keeps each in step with the view it documents.

export class GenerationViewDto implements GenerationData {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty() assetIndex!: number;
  @ApiProperty() seed!: number;
  @ApiProperty() prompt!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: Number, nullable: true }) durationSeconds!: number | null;
}

export class StagedAssetViewDto implements StagedAssetView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ enum: ['staged', 'expired', 'discarded'] }) status!: StagedAssetView['status'];
  @ApiProperty({ enum: ASSET_TYPES }) assetType!: AssetType;
  @ApiProperty({ enum: ASSET_MIME_TYPES }) mimeType!: AssetMimeType;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ description: 'The SHA-256 of the bytes: also the file’s ETag' }) sha256!: string;
  @ApiProperty({ type: GenerationViewDto }) generation!: GenerationData;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Unless saved, it is gone after this' }) expiresAt!: string;
}

export class StagedAssetSummaryViewDto extends StagedAssetViewDto implements StagedAssetSummaryView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The library item saved from it, while that item exists' })
  savedItemId!: string | null;
}
