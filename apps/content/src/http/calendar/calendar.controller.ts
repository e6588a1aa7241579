import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Permission } from '@lib/auth';
import { Caller, type Page, PageOf, type RequestContext } from '@lib/service-kit';
import { ContentPermission } from '../../content.permissions';
import { MAX_CALENDAR_DAYS, PostsService } from '../../posts/posts.service';
import { ApiErrorResponses } from '../api-docs';
import { calendarEntry, type CalendarEntryView } from './calendar-entry';
import { CalendarEntryDto, CalendarQueryDto } from './calendar.dto';

@ApiTags('calendar')
@Controller('calendar')
export class CalendarController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @Permission(ContentPermission.PostRead)
  @ApiOperation({ summary: `Posts scheduled within [from, to), in time order; at most ${MAX_CALENDAR_DAYS} days; archived posts left out` })
  @ApiOkResponse({ type: PageOf(CalendarEntryDto) })
  @ApiErrorResponses(400)
  async calendar(@Caller() caller: RequestContext, @Query() query: CalendarQueryDto): Promise<Page<CalendarEntryView>> {
    const page = await this.posts.calendar(caller, { from: new Date(query.from), to: new Date(query.to), limit: query.limit, cursor: query.cursor });
    return { items: page.items.map(calendarEntry), nextCursor: page.nextCursor };
  }
}
