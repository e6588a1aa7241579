import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error answer, in the shape Nest's ValidationPipe uses, plus optional `details`. */
export class ErrorBody {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Post 7c0e… not found',
  })
  message!: string | string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}
