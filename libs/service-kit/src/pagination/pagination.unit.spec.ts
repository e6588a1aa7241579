import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ValidationError } from '../http/errors';
import { decodeCursor, encodeCursor, PageQuery, toPage } from './pagination';

interface Position {
  at: string;
  id: string;
}
const isPosition = (value: unknown): value is Position =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'at') === 'string' && typeof Reflect.get(value, 'id') === 'string';

function validate(query: Record<string, string>): { page: PageQuery; errors: string[] } {
  const page = plainToInstance(PageQuery, query);
  return { page, errors: validateSync(page).flatMap((e) => Object.values(e.constraints ?? {})) };
}

describe('cursor pagination', () => {
  it('round-trips a position through an opaque base64url cursor', () => {
    const cursor = encodeCursor({ at: '2026-01-01T00:00:00Z', id: 'p-1' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, isPosition)).toEqual({ at: '2026-01-01T00:00:00Z', id: 'p-1' });
  });

  it('refuses a cursor that is not base64 JSON, or not of the expected shape, with a 400 error', () => {
    for (const cursor of ['%%%', Buffer.from('not json').toString('base64url'), encodeCursor({ at: 1 }), encodeCursor(null)]) {
      expect(() => decodeCursor(cursor, isPosition)).toThrow(ValidationError);
    }
    expect(new ValidationError('x').statusCode).toBe(400);
  });

  it('pages with one extra row telling whether more exist', () => {
    const rows = [1, 2, 3].map((n) => ({ at: `t${n}`, id: `p${n}` }));
    const first = toPage(rows, 2, (last) => ({ at: last.at, id: last.id }));
    expect(first.items).toHaveLength(2);
    expect(decodeCursor(first.nextCursor!, isPosition)).toEqual({ at: 't2', id: 'p2' });
    expect(toPage(rows.slice(0, 2), 2, (last) => last.id)).toEqual({ items: rows.slice(0, 2), nextCursor: null });
    expect(toPage([], 2, () => null)).toEqual({ items: [], nextCursor: null });
  });

  it('validates PageQuery: limit 1..100, default 20, cursor shaped like ours', () => {
    expect(validate({})).toEqual({ page: expect.objectContaining({ limit: 20 }), errors: [] });
    expect(validate({ limit: '100' }).page.limit).toBe(100);
    expect(validate({ limit: '0' }).errors).toEqual(['limit must not be less than 1']);
    expect(validate({ limit: '101' }).errors).toEqual(['limit must not be greater than 100']);
    expect(validate({ limit: 'ten' }).errors).toContain('limit must be an integer number');
    expect(validate({ limit: '2.5' }).errors).toContain('limit must be an integer number');
    expect(validate({ cursor: 'abc/def' }).errors).toEqual(['cursor must be a cursor returned by this API']);
  });
});
