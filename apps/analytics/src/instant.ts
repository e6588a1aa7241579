import { ValidationError } from '@lib/service-kit';

/** An instant with its offset: `2030-01-01T09:00:00Z`, `2030-01-01T10:00:00.000+01:00` (content's rule). */
const ZONED_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The instant an ISO-8601 string with its offset names, or null when it names none. Checked by
 * hand: Date.parse rolls impossible dates over (2030-02-30 -> 2030-03-02) and takes strings
 * without an offset as local time.
 */
export function parseInstant(value: unknown): Date | null {
  const match = typeof value === 'string' ? ZONED_INSTANT.exec(value) : null;
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offset = /^z$/i.test(zone) ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || Math.abs(offset) > 18 * 60) return null;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000);
}

/** The instant of a string the DTOs have accepted as one (Date.parse would misread some, e.g. a lower-case `z`). */
export function instantOf(value: string, field: string): Date {
  const instant = parseInstant(value);
  if (!instant) throw new ValidationError(`${field} must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z`);
  return instant;
}
