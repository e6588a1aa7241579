import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connectNats } from '@lib/messaging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ServiceConfig } from '../config/service-config';

/** The service's NATS connection, shared by its outbox relay, consumers and health check. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** How long a draining connection may take at shutdown before it is closed outright. */
const DRAIN_TIMEOUT_MS = 5_000;

/**
 * The messaging library's policy (fail fast at boot, then reconnect for ever), with an error that
 * names NATS_URL and a log line for every disconnect and reconnect.
 */
export async function connectServiceNats(config: ServiceConfig): Promise<NatsConnection> {
  const servers = config.NATS_URL.split(',');
  let connection: NatsConnection;
  try {
    connection = await connectNats({ servers, name: config.SERVICE_NAME });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to NATS at ${servers.map(withoutCredentials).join(', ')} (NATS_URL): ${reason}`, { cause: error });
  }
  void logStatus(connection, new Logger('Nats'));
  return connection;
}

/** `nats://user:pass@host:4222` → `nats://host:4222`, for messages that end up in logs. */
function withoutCredentials(server: string): string {
  return server.replace(/\/\/[^@/]*@/, '//');
}

async function logStatus(connection: NatsConnection, logger: Logger): Promise<void> {
  for await (const status of connection.status()) {
    if (status.type === 'disconnect') logger.warn(`Disconnected from ${status.server}; reconnecting`);
    else if (status.type === 'reconnect') logger.log(`Reconnected to ${status.server}`);
    else if (status.type === 'error') logger.error(`NATS error: ${status.error.message}`);
  }
}

@Injectable()
export class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.connection.isClosed()) return;
    // Drain delivers what is in flight; while NATS is down it could wait for ever, hence the bound.
    const drained = this.connection.drain().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
    await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (!this.connection.isClosed()) await this.connection.close();
  }
}
