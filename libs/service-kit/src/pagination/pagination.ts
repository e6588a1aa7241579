import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { ValidationError } from '../http/errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` of every list endpoint; extend it with the endpoint's filters. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page; opaque' })
  @IsOptional()
  @MaxLength(1024)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a cursor returned by this API' })
  cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** An OpenAPI schema for `Page<T>`, e.g. `@ApiOkResponse({ type: PageOf(PostView) })`. */
export function PageOf<T>(item: new (...args: never[]) => T): new () => Page<T> {
  class PageDto implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items!: T[];

    @ApiProperty({ type: String, nullable: true })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: `PageOf${item.name}` });
  return PageDto;
}

/** Cursor contents are the service's business (e.g. `{ at, id }` of the last row): base64url JSON. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor and checks its shape: cursors come from clients, who may alter them.
 * @throws ValidationError (400) for a cursor this service did not issue
 */
export function decodeCursor<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('cursor is not a cursor returned by this API');
  }
  if (!isPosition(value)) throw new ValidationError('cursor is not a cursor returned by this API');
  return value;
}

/**
 * Builds a page from `limit + 1` rows fetched after the cursor: the extra row only tells that
 * another page exists. `positionOf` gives the cursor contents for the last row shown.
 */
export function toPage<T>(rows: T[], limit: number, positionOf: (last: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}

/** A list's page size: the default when not given, else 1..MAX_PAGE_SIZE. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}
