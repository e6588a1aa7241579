import { parseZonedInstant } from '@lib/contracts';
import { ValidationError } from '@lib/service-kit';

/** The instant an ISO-8601 string with its offset names, or null when it names none. */
export const parseInstant = parseZonedInstant;

/** The instant of a string the DTOs have accepted as one (Date.parse would misread some, e.g. a lower-case `z`). */
export function instantOf(value: string, field: string): Date {
  const instant = parseInstant(value);
  if (!instant) throw new ValidationError(`${field} must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z`);
  return instant;
}
