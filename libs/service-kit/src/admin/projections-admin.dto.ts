import { ApiProperty } from '@nestjs/swagger';
import type { RebuildReport } from '@lib/event-store';
import type { ProjectionKind, ProjectionStatusView } from './projections-admin';

export class ProjectionStatusDto implements ProjectionStatusView {
  @ApiProperty({ example: 'post_summaries' }) name!: string;
  @ApiProperty({ enum: ['read-model', 'process-manager'] }) kind!: ProjectionKind;
  @ApiProperty({ description: 'Read models only: a process manager’s tables hold what the events do not' }) rebuildable!: boolean;
  @ApiProperty({ description: 'Global position of the last event applied' }) position!: number;
  @ApiProperty({ description: 'Events appended but not applied yet' }) lagEvents!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The last failure; cleared by the next batch that succeeds' }) lastError!: string | null;
}

export class RebuildReportDto implements RebuildReport {
  @ApiProperty({ example: 'post_summaries' }) name!: string;
  @ApiProperty({ description: 'Events read while rebuilding' }) events!: number;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ description: 'Whether the rebuilt tables replaced the live ones' }) swapped!: boolean;
}
