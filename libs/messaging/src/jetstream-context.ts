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
    private readonly scope: TransactionScope = new TransactionScope(),
  ) {}

  /**
   * The transaction's instance of a piece of deferred work (one per `key`, created on first
   * use), flushed before the commit: writes gathered across the messages that share the
   * transaction go to the database in one statement. A failing flush rolls the transaction back.
   */
  deferred<T extends DeferredWork>(key: object, create: () => T): T {
    return this.scope.deferred(key, create);
  }

  /** Runs `callback` once the transaction has committed (never if it rolls back), e.g. to wake readers of what it wrote. */
  afterCommit(callback: () => void): void {
    this.scope.afterCommit(callback);
  }

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

/** Work a handler leaves for the end of the transaction. */
export interface DeferredWork {
  flush(): Promise<void>;
}

/** What one consumer transaction, of one message or a batch of them, does before and after its commit. */
export class TransactionScope {
  private readonly work = new Map<object, DeferredWork>();
  private readonly committed: (() => void)[] = [];

  deferred<T extends DeferredWork>(key: object, create: () => T): T {
    let work = this.work.get(key);
    if (!work) {
      work = create();
      this.work.set(key, work);
    }
    return work as T;
  }

  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** Before COMMIT, in the order the pieces were first used. */
  async flush(): Promise<void> {
    for (const work of this.work.values()) await work.flush();
  }

  /** After COMMIT: every callback, whatever the others do (the commit stands). */
  runAfterCommit(onError: (error: unknown) => void): void {
    for (const callback of this.committed) {
      try {
        callback();
      } catch (error) {
        onError(error);
      }
    }
  }
}
