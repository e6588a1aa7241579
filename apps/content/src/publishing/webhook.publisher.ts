import { createHmac } from 'node:crypto';
import { type Clock } from '@lib/service-kit';
import { PublicationError, type PublicationReceipt, type PublicationRequest, type Publisher } from './publisher.port';

export interface WebhookPublisherOptions {
  url: string;
  /** HMAC-SHA256 key shared with the receiver. */
  secret: string;
  /** Whole request, answer included. */
  timeoutMs: number;
}

/** The most of a refusal's body kept in the error (it ends up in the post's failure reason). */
const DETAIL_LENGTH = 200;
/** The domain's limit on a platform's id of a post. */
const EXTERNAL_ID_MAX_LENGTH = 500;

/**
 * `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`, the timestamp in Unix seconds: the
 * receiver recomputes it from the raw body and the X-Content-Timestamp header, and should
 * refuse stale timestamps (replays).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * POSTs each publication as JSON (the PublicationRequest) to the configured URL, signed, with
 * its Idempotency-Key. Any 2xx is a publication; the answer may name it with
 * `{ "externalId" | "id": string | integer, "url": string }`, else the idempotency key names it.
 */
export class WebhookPublisher implements Publisher {
  constructor(
    private readonly options: WebhookPublisherOptions,
    private readonly clock: Clock,
  ) {}

  async publish(request: PublicationRequest): Promise<PublicationReceipt> {
    const body = JSON.stringify(request);
    const timestamp = String(Math.floor(this.clock().getTime() / 1000));
    let status: number;
    let answer: string;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
          'x-content-timestamp': timestamp,
          'x-content-signature': webhookSignature(this.options.secret, timestamp, body),
        },
        body,
        // A redirect would carry the signed request somewhere it was not configured to go.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      answer = await response.text();
    } catch (error) {
      throw new PublicationError(this.transportFailure(error), false);
    }
    if (status < 200 || status > 299) throw PublicationError.fromStatus(status, answer.slice(0, DETAIL_LENGTH).trim());
    return receiptOf(answer, request.idempotencyKey);
  }

  /** fetch's errors may come from another realm (undici's DOMException), so they are read by shape. */
  private transportFailure(error: unknown): string {
    const { name, message, cause } = (typeof error === 'object' && error !== null ? error : {}) as Partial<Record<'name' | 'message' | 'cause', unknown>>;
    if (name === 'TimeoutError') return `no answer within ${this.options.timeoutMs} ms`;
    const reason = typeof cause === 'object' && cause !== null && 'message' in cause ? cause.message : message;
    return `request failed: ${String(reason ?? error)}`;
  }
}

function receiptOf(answer: string, idempotencyKey: string): PublicationReceipt {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(answer);
  } catch {
    // A 2xx without a JSON body is still a publication.
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const id = [fields.externalId, fields.id]
    .map((value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value))
    .find((value): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= EXTERNAL_ID_MAX_LENGTH);
  return { externalId: id?.trim() ?? idempotencyKey, url: isHttpUrl(fields.url) ? fields.url : null };
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
