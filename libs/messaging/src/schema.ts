import { assertIdentifier, createSchemaIfMissingSql, qualified } from '@lib/event-store';

/**
 * Idempotent DDL for the messaging tables of one service's schema: the outbox relay's
 * checkpoint (one row per relay) and the consumers' inbox (one row per applied event).
 */
export function messagingSchemaSql(schema: string): string[] {
  assertIdentifier(schema);
  return [
    createSchemaIfMissingSql(schema),
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, 'outbox_checkpoint')} (
      name           text        PRIMARY KEY,
      transaction_id xid8        NOT NULL DEFAULT '0',
      position       bigint      NOT NULL DEFAULT 0,
      updated_at     timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, 'inbox')} (
      consumer   text        NOT NULL,
      event_id   uuid        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
  ];
}
