import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Transform, type TransformFnParams } from 'class-transformer';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * Free-form JSON fields of a batch's items (a tracked event's `properties`), kept exactly as sent.
 *
 * Nest's validation pipe deletes every `__proto__`, `prototype` and `constructor` key, at any
 * depth, from the body in place before validating it (and class-transformer skips such keys when
 * it copies an object), though in JSON they are keys like any other. Interceptors run before
 * pipes: KeepAsSent copies each item's field where the pipe does not look (under a symbol: it
 * walks string keys only), and @AsSent() puts that copy in the DTO, where it is validated as
 * usual. The copy goes through JSON, which makes every key, `__proto__` included, an own data
 * property: no key of the client's reaches a prototype.
 */
const SENT = Symbol('sent');

export class KeepAsSent implements NestInterceptor {
  /** @param itemsField the body's list of items; @param fields their fields to keep as sent. */
  constructor(
    private readonly itemsField: string,
    private readonly fields: readonly string[],
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    const items: unknown = isRecord(body) ? body[this.itemsField] : undefined;
    if (Array.isArray(items)) {
      for (const item of items) {
        if (!isRecord(item)) continue;
        const sent = new Map<string, unknown>();
        for (const field of this.fields) if (item[field] !== undefined) sent.set(field, JSON.parse(JSON.stringify(item[field])) as unknown);
        Reflect.set(item, SENT, sent);
      }
    }
    return next.handle();
  }
}

/**
 * The field as KeepAsSent kept it, in place of class-transformer's copy of what the pipe left;
 * that copy only where nothing was kept (an item outside the list, e.g. `events` sent as an
 * object, which validation refuses anyway). The route must use KeepAsSent.
 */
export function AsSent(): PropertyDecorator {
  return Transform(({ obj, key, value }: TransformFnParams): unknown => {
    const sent: unknown = Reflect.get(obj as object, SENT);
    return sent instanceof Map && sent.has(key) ? sent.get(key) : value;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
