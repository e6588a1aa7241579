import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectionOptions {
  servers: string | string[];
  /** Shown in the server's connection list, e.g. `analytics-consumer`. */
  name: string;
}

/**
 * Connects once (fails fast when no server answers at start-up) and then reconnects for ever:
 * the relay and the consumers ride out NATS restarts instead of dying with them.
 */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}
