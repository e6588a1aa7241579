import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '@lib/service-kit';
import { MAX_CALENDAR_DAYS } from '../../posts/posts.service';
import { IsInstant } from '../dto-validators';
import { PostSummaryDto } from '../posts/post-views.dto';
import type { CalendarEntryView } from './calendar-entry';

export class CalendarQueryDto extends PageQuery {
  @ApiProperty({ description: 'Window start, inclusive (ISO-8601 with offset; encode + as %2B)', example: '2030-03-01T00:00:00Z' })
  @IsInstant()
  from!: string;

  @ApiProperty({ description: `Window end, exclusive; at most ${MAX_CALENDAR_DAYS} days after from`, example: '2030-04-01T00:00:00Z' })
  @IsInstant()
  to!: string;
}

export class CalendarEntryDto extends PostSummaryDto implements CalendarEntryView {
  @ApiProperty({ type: String, nullable: true, example: '2030-03-10T09:00:00', description: 'scheduledAt on the wall clock of timeZone, without offset' })
  localScheduledAt!: string | null;
}
