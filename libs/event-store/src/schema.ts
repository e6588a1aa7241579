import { assertIdentifier, qualified } from './sql';

/**
 * Idempotent DDL for one service's event store. Services run it from their first TypeORM
 * migration; tests run it on a throw-away schema.
 *
 * Indexes, each on purpose:
 * - `events (transaction_id, position)`: reading the whole store in visibility order (relay, projections);
 * - `events (stream_id, stream_version)` unique: loading a stream, and a last line of defence for concurrency;
 * - `events (event_id)` unique: an event id is also the JetStream Nats-Msg-Id.
 */
/**
 * `CREATE SCHEMA IF NOT EXISTS` needs CREATE on the database even when the schema exists; a
 * service's role owns only its schema, so the check is made first.
 */
export function createSchemaIfMissingSql(schema: string): string {
  assertIdentifier(schema);
  return `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '${schema}') THEN CREATE SCHEMA "${schema}"; END IF;
  END $$`;
}

export function eventStoreSchemaSql(schema: string): string[] {
  assertIdentifier(schema);
  const events = qualified(schema, 'events');
  const streams = qualified(schema, 'streams');
  const checkpoints = qualified(schema, 'projection_checkpoints');
  const deadLetters = qualified(schema, 'projection_dead_letters');
  return [
    createSchemaIfMissingSql(schema),
    `CREATE TABLE IF NOT EXISTS ${streams} (
      stream_id    text        PRIMARY KEY,
      stream_type  text        NOT NULL,
      workspace_id uuid        NOT NULL,
      version      bigint      NOT NULL CHECK (version > 0),
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE IF NOT EXISTS ${events} (
      position       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
      stream_id      text        NOT NULL,
      stream_type    text        NOT NULL,
      stream_version bigint      NOT NULL,
      event_id       uuid        NOT NULL,
      event_type     text        NOT NULL,
      schema_version integer     NOT NULL,
      data           jsonb       NOT NULL,
      metadata       jsonb       NOT NULL,
      workspace_id   uuid        NOT NULL,
      recorded_at    timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
      CONSTRAINT events_event_id_key UNIQUE (event_id)
    )`,
    `CREATE INDEX IF NOT EXISTS events_transaction_position_idx ON ${events} (transaction_id, position)`,
    // The audit trail is append-only: updates and deletes are refused by the database itself.
    `CREATE OR REPLACE FUNCTION "${schema}".events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'events are append-only (% refused)', TG_OP; END $$`,
    `DROP TRIGGER IF EXISTS events_append_only ON ${events}`,
    `CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${events}
      FOR EACH ROW EXECUTE FUNCTION "${schema}".events_are_append_only()`,
    `CREATE TABLE IF NOT EXISTS ${checkpoints} (
      name           text        PRIMARY KEY,
      transaction_id xid8        NOT NULL DEFAULT '0',
      position       bigint      NOT NULL DEFAULT 0,
      updated_at     timestamptz NOT NULL DEFAULT now(),
      last_error     text
    )`,
    `CREATE TABLE IF NOT EXISTS ${deadLetters} (
      projection  text        NOT NULL,
      event_id    uuid        NOT NULL,
      position    bigint      NOT NULL,
      event_type  text        NOT NULL,
      error       text        NOT NULL,
      failed_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, event_id)
    )`,
  ];
}
