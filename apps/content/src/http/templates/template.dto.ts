import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { PLATFORMS, type Platform } from '@lib/contracts';
import { IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { IsOmittable } from '@lib/service-kit';
import { BODY_MAX_LENGTH, LABEL_MAX_LENGTH, TEMPLATE_NAME_MAX_LENGTH, type TemplateChanges } from '../../domain';
import type { CreateTemplateInput, TemplateView } from '../../templates/templates.service';

export class CreateTemplateDto implements CreateTemplateInput {
  @ApiProperty({ maxLength: TEMPLATE_NAME_MAX_LENGTH, description: 'Unique in the workspace, case-insensitively', example: 'Product launch' })
  @IsString()
  name!: string;

  @ApiProperty({ maxLength: BODY_MAX_LENGTH, description: 'Text with {{placeholder}} slots', example: 'Meet {{product.name}}, out {{date}}!' })
  @IsString()
  body!: string;

  @ApiPropertyOptional({ enum: PLATFORMS, isArray: true, description: 'The platforms it is written for; none: any' })
  @IsOmittable()
  @IsArray()
  @IsIn(PLATFORMS, { each: true })
  platforms?: Platform[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LABEL_MAX_LENGTH })
  @IsOptional()
  @IsString()
  category?: string | null;
}

/** A partial update: omitted fields stay, `category: null` clears it. */
export class UpdateTemplateDto extends PartialType(CreateTemplateDto, { skipNullProperties: false }) implements TemplateChanges {}

export class TemplateViewDto implements TemplateView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The stream version: send it back as If-Match' }) version!: number;
  @ApiProperty() name!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ type: [String], description: 'The placeholder names of the body, in order of first appearance' }) placeholders!: string[];
  @ApiProperty({ enum: PLATFORMS, isArray: true }) platforms!: Platform[];
  @ApiProperty({ type: String, nullable: true }) category!: string | null;
  @ApiProperty({ format: 'uuid' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
