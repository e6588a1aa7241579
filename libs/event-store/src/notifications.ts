import { Client, type Pool } from 'pg';
import { notifyChannelFor } from './postgres-event-store';

export interface AppendListener {
  close(): Promise<void>;
}

/**
 * LISTENs on the store's channel from a dedicated connection (a pooled one would be handed to
 * others between queries) and reconnects when it drops. Wake-ups are hints: readers still poll,
 * so a notification lost during a reconnect only delays them. `onAppend` hears the event types
 * appended (see PostgresEventStore.announce), or null when they may be any.
 */
export async function listenForAppends(pool: Pool, schema: string, onAppend: (types: readonly string[] | null) => void): Promise<AppendListener> {
  const channel = notifyChannelFor(schema);
  let client: Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const open = async (): Promise<void> => {
    const next = new Client(pool.options);
    next.on('notification', (message) => {
      if (message.channel === channel) onAppend(message.payload ? message.payload.split(',') : null);
    });
    next.on('error', () => reconnect());
    await next.connect();
    await next.query(`LISTEN "${channel}"`);
    client = next;
    // Anything appended while we were not listening is picked up by this wake-up.
    onAppend(null);
  };

  const reconnect = (): void => {
    const old = client;
    client = null;
    old?.end().catch(() => undefined);
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      if (!closed) open().catch(() => reconnect());
    }, 1000);
  };

  await open();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
