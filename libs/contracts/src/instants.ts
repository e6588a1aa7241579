/** An instant with its offset, as every API takes one: `2030-01-01T09:00:00Z`, `2030-01-01T10:00:00.000+01:00`. */
const ZONED_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether the string has the shape of an instant with its offset (its date may still not exist). */
export function isZonedInstantFormat(value: unknown): value is string {
  return typeof value === 'string' && ZONED_INSTANT.test(value);
}

/**
 * The instant an ISO-8601 string with its offset names, or null when it names none. Checked by
 * hand: Date.parse rolls impossible dates over (2030-02-30 -> 2030-03-02), takes strings without
 * an offset as local time, and Date.UTC reads years 0-99 as 1900-1999.
 */
export function parseZonedInstant(value: unknown): Date | null {
  const match = typeof value === 'string' ? ZONED_INSTANT.exec(value) : null;
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const offset = /^z$/i.test(zone) ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || Math.abs(offset) > 18 * 60) {
    return null;
  }
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  return new Date(instant.getTime() - offset * 60_000);
}

function daysInMonth(year: number, month: number): number {
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  return last.getUTCDate();
}
