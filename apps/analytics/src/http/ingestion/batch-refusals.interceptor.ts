import { BadRequestException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import type { RefusedItem } from '../../ingestion/ingestion.service';

/**
 * One refusal shape for a batch route: every 400 carries `details.items`, `[{ index, reasons }]`.
 * The ingestion service words its refusals so; the validation pipe names field paths only
 * (`details.fields`, e.g. `observations.617.metric`), so its refusals are given the items those
 * paths point into, their `details.fields` kept as they are. Pipes run within the interceptors,
 * so the pipe's refusal passes through here (a global interceptor's, such as an unknown query
 * parameter's, does not: it is refused before the body is read as a batch).
 */
export class BatchRefusals implements NestInterceptor {
  /** @param itemsField the body's list of items: `observations`, `events`. */
  constructor(private readonly itemsField: string) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => this.withItems(error))));
  }

  private withItems(error: unknown): unknown {
    if (!(error instanceof BadRequestException)) return error;
    const answer = error.getResponse();
    if (!isRecord(answer)) return error;
    const details = isRecord(answer.details) ? answer.details : {};
    if (Array.isArray(details.items)) return error;
    const items = isFieldMessages(details.fields) ? refusedItemsOf(details.fields, this.itemsField) : [];
    return new BadRequestException({ message: answer.message, details: { ...details, items } }, { cause: error });
  }
}

/**
 * The items the pipe's field paths point into, by index, with each message worded relative to its item
 * (`observations.617.metric must be …` -> `metric must be …`), as the service words its reasons.
 * Paths outside the items (`batchId`, the list itself) name no item.
 */
function refusedItemsOf(fields: Readonly<Record<string, readonly string[]>>, itemsField: string): RefusedItem[] {
  const itemPath = new RegExp(`^${itemsField}\\.(\\d+)(?:\\.|$)`);
  const reasons = new Map<number, string[]>();
  for (const [path, messages] of Object.entries(fields)) {
    const match = itemPath.exec(path);
    if (!match) continue;
    const index = Number(match[1]);
    // The pipe prefixes a message with its path's parents: the item's for its fields, the list's for the item itself.
    const prefix = path === `${itemsField}.${index}` ? `${itemsField}.` : `${itemsField}.${index}.`;
    const worded = messages.map((message) => (message.startsWith(prefix) ? message.slice(prefix.length) : message));
    reasons.set(index, [...(reasons.get(index) ?? []), ...worded]);
  }
  return [...reasons].sort(([a], [b]) => a - b).map(([index, itemReasons]) => ({ index, reasons: itemReasons }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFieldMessages(value: unknown): value is Record<string, string[]> {
  return isRecord(value) && Object.values(value).every((messages) => Array.isArray(messages) && messages.every((message) => typeof message === 'string'));
}
