import type { PostSummaryView } from '../../posts/post.views';

/** A calendar row: the post's summary, and its time on the wall clock of the zone it was scheduled in. */
export interface CalendarEntryView extends PostSummaryView {
  localScheduledAt: string | null;
}

export function calendarEntry(summary: PostSummaryView): CalendarEntryView {
  const { scheduledAt, timeZone } = summary;
  return { ...summary, localScheduledAt: scheduledAt !== null && timeZone !== null ? localWallClock(scheduledAt, timeZone) : null };
}

/**
 * The wall-clock time of `instant` in `timeZone`, without offset: `2030-03-10T09:00:00` for
 * `2030-03-10T13:00:00Z` in America/New_York (daylight saving time began that morning).
 */
function localWallClock(instant: string, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
