import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { PoolClient } from 'pg';

/**
 * What a consumer handler gets beside the event (`@Ctx()` in Nest): the message, and `client`,
 * the connection of the transaction that also records the event in the inbox. Projection writes
 * must go through `client` so they commit, or roll back, together with the inbox row.
 */
export class JetStreamContext {
  constructor(
    readonly message: JsMsg,
    readonly client: PoolClient,
    /** The durable consumer this message came through, e.g. `analytics-metrics`. */
    readonly durable: string,
  ) {}

  get subject(): string {
    return this.message.subject;
  }

  /** 1 on the first delivery. */
  get deliveryCount(): number {
    return this.message.info.deliveryCount;
  }

  get streamSequence(): number {
    return this.message.info.streamSequence;
  }

  get headers(): MsgHdrs | undefined {
    return this.message.headers;
  }
}
