import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ValidationError } from '@lib/service-kit';

/** A list's page size: the default when not given, else 1..MAX_PAGE_SIZE. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}
