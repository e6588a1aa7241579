import type { PoolClient } from 'pg';
import type { Decider } from './decider';
import { ConcurrencyError } from './errors';
import type { PostgresEventStore } from './postgres-event-store';
import type { DomainEvent, EventMetadata, RecordedEvent } from './types';

export interface CommandHandlerOptions {
  streamType: string;
  /** Re-reads and re-decides this many times when another writer got there first. */
  maxRetries?: number;
}

export interface HandleOptions {
  metadata: EventMetadata;
  /**
   * The version the caller saw (e.g. from `If-Match`). When given, a mismatch is the caller's
   * conflict to resolve and is never retried.
   */
  expectedVersion?: number;
  /**
   * Runs the read and the append on this connection, inside the caller's transaction, so
   * other writes (e.g. a uniqueness reservation) commit or roll back with the events.
   */
  client?: PoolClient;
}

export interface HandleResult<State, Event extends DomainEvent> {
  state: State;
  events: Event[];
  /** The stream's version after the command (unchanged when the decider emitted nothing). */
  version: number;
  positions: number[];
}

export interface LoadedStream<State> {
  state: State;
  version: number;
  exists: boolean;
}

/**
 * Load -> decide -> append with the loaded version as the expected one. A stream owned by
 * another workspace is treated as absent, so a tenant can neither read nor write it.
 */
export class CommandHandler<State, Command, Event extends DomainEvent> {
  private readonly maxRetries: number;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly decider: Decider<State, Command, Event>,
    private readonly options: CommandHandlerOptions,
  ) {
    this.maxRetries = options.maxRetries ?? 3;
  }

  async load(
    streamId: string,
    workspaceId: string,
    asOf?: Date,
    client?: PoolClient,
  ): Promise<LoadedStream<State> & { events: RecordedEvent<Event>[] }> {
    const stream = await this.store.readStream<Event>(streamId, { asOf }, client);
    if (!stream.streamExists || stream.workspaceId !== workspaceId || stream.events.length === 0) {
      return { state: this.decider.initialState(), version: 0, exists: false, events: [] };
    }
    let state = this.decider.initialState();
    for (const event of stream.events) state = this.decider.evolve(state, { type: event.type, data: event.data } as Event);
    const version = asOf ? stream.events[stream.events.length - 1].version : stream.currentVersion;
    return { state, version, exists: true, events: stream.events };
  }

  async handle(streamId: string, command: Command, options: HandleOptions): Promise<HandleResult<State, Event>> {
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.load(streamId, options.metadata.workspaceId, undefined, options.client);
      if (options.expectedVersion !== undefined && options.expectedVersion !== loaded.version) {
        throw new ConcurrencyError(streamId, options.expectedVersion, loaded.version);
      }
      const events = this.decider.decide(command, loaded.state);
      if (events.length === 0) return { state: loaded.state, events, version: loaded.version, positions: [] };
      try {
        const result = await this.store.appendToStream(streamId, events, {
          streamType: this.options.streamType,
          expectedVersion: loaded.exists ? loaded.version : 'no_stream',
          metadata: options.metadata,
        }, options.client);
        const state = events.reduce((s, e) => this.decider.evolve(s, e), loaded.state);
        return { state, events, version: result.nextExpectedVersion, positions: result.positions };
      } catch (error) {
        // A refused append is a statement that matched no row, not an error, so even inside a
        // caller's transaction the next attempt can go ahead.
        const retryable = error instanceof ConcurrencyError && options.expectedVersion === undefined && attempt < this.maxRetries;
        if (!retryable) throw error;
      }
    }
  }
}
