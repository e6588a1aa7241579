import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from './errors';

/** U+0000, or a surrogate without its pair: PostgreSQL stores neither in text or jsonb. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Where in the parsed JSON `value` the first string (key or value, in document order) PostgreSQL
 * would refuse is, as `body.a[0]["b c"]`; null when there is none. Iterative: the nesting depth is
 * only bounded by the body limit.
 */
export function unstorableTextPath(value: unknown, root = 'body'): string | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: root }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value: current, path } = next;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return path;
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const children: Array<{ value: unknown; path: string }> = [];
    if (Array.isArray(current)) {
      current.forEach((item: unknown, index) => children.push({ value: item, path: `${path}[${index}]` }));
    } else {
      for (const [key, item] of Object.entries(current)) {
        // JSON.stringify escapes the very characters refused, so the path itself is safe to send.
        const at = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
        if (UNSTORABLE.test(key)) return at;
        children.push({ value: item, path: at });
      }
    }
    // Reversed onto the stack, so the first child is looked at first.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return null;
}

/**
 * Refuses a JSON body holding text PostgreSQL cannot store with a 400, before any handler would
 * fail on it with a 500. Runs after the JSON parser; the error reaches HttpErrorFilter.
 */
export function storableTextMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const path = unstorableTextPath(req.body);
  if (path === null) return next();
  next(new ValidationError(`Request body contains a NUL character or an unpaired surrogate at ${path}`));
}
