import { parseZonedInstant } from '@lib/contracts';
import { unstorableTextPath } from '@lib/service-kit';

/**
 * A cursor's instant exactly as this service writes one (toISOString()). Cursors are base64 JSON
 * a client can edit, and Date.parse accepts what PostgreSQL refuses ("1", 2024-02-30, year
 * +275760, year 0): anything but the round trip was not issued here, and is a 400, not a 500.
 */
export function isCursorInstant(value: unknown): value is string {
  const instant = parseZonedInstant(value);
  return instant !== null && instant.getUTCFullYear() >= 1 && instant.toISOString() === value;
}

/** A cursor's text sort key, which PostgreSQL must be able to take (no U+0000, no lone surrogate). */
export function isCursorText(value: unknown): value is string {
  return typeof value === 'string' && unstorableTextPath(value) === null;
}
