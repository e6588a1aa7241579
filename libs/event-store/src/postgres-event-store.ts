import { createHash, randomUUID } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { ConcurrencyError } from './errors';
import { qualified, assertIdentifier } from './sql';
import {
  START,
  type AppendOptions,
  type AppendResult,
  type CheckpointRowLock,
  type DomainEvent,
  type EventMetadata,
  type ExpectedVersion,
  type GlobalCheckpoint,
  type LockedReadResult,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadStreamOptions,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
} from './types';
import { UpcasterRegistry } from './upcasting';

export interface PostgresEventStoreOptions {
  /** The service's own PostgreSQL schema (e.g. `content`). */
  schema: string;
  upcasters?: UpcasterRegistry;
  /** LISTEN/NOTIFY channel announcing appends; defaults to `<schema>_events`. */
  notifyChannel?: string;
  /**
   * Sends the appends as named prepared statements, parsed and planned once per connection
   * (about 4x cheaper per append). Turn off behind a pooler that cannot keep them (PgBouncer in
   * transaction mode before 1.21). Reads are planned on every call: their best plan depends on
   * how far the table has grown, and a plan a connection cached while the table was small (a
   * sequential scan) would be kept until the table is next analysed.
   */
  preparedStatements?: boolean;
}

interface EventRow {
  position: string;
  transaction_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
}

/**
 * Whether committed events wait for an older transaction still in flight before the read rule
 * returns them: the reader should look again soon rather than wait for a NOTIFY, which was sent
 * already. One probe of the (transaction_id, position) index, whatever the statistics say.
 */
function held(events: string): string {
  // Not EXISTS: without statistics that is planned as a sequential scan, which reads the whole
  // table whenever nothing is held. The ORDER BY keeps it on the index, as in countAfter.
  return `(SELECT w.transaction_id FROM ${events} w WHERE w.transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY w.transaction_id, w.position LIMIT 1) IS NOT NULL`;
}

/**
 * A NOTIFY's payload: the event types, comma-separated, or '' for any type (the types were not
 * given, would not fit PostgreSQL's 8,000 bytes, or one holds a comma).
 */
function notifyPayload(types: Set<string> | null | undefined): string {
  if (!types) return '';
  const payload = [...types].join(',');
  return payload.length > NOTIFY_PAYLOAD_MAX || [...types].some((type) => type.includes(',')) ? '' : payload;
}

/** A row of readAllAfterLocked: the checkpoint, and an event or, when none follows it, nulls. */
type LockedReadRow = { from_transaction_id: string; from_position: string; held: boolean } & NullableEventRow;
/** An event row, or the nulls of an outer join that found none. */
type NullableEventRow = { [K in keyof EventRow]: EventRow[K] | null };

function eventColumns(alias: string): string {
  return `${alias}.position, ${alias}.transaction_id::text AS transaction_id, ${alias}.stream_id, ${alias}.stream_type,
    ${alias}.stream_version, ${alias}.event_id, ${alias}.event_type, ${alias}.schema_version, ${alias}.data,
    ${alias}.metadata, ${alias}.recorded_at`;
}

const NOTIFY_INTERVAL_MS = 10;
/**
 * How soon a reader looks again at committed events an older transaction holds back (see
 * ReadAllResult.held), doubling while they stay held. Above NOTIFY_INTERVAL_MS: while appends
 * go on, their NOTIFYs wake readers first and no look is spent; it counts when they stop.
 */
export const HELD_RECHECK_MS = 25;
const NOTIFY_PAYLOAD_MAX = 7_000;
/** Lag gauges saturate here: beyond it the exact figure matters less than the cost of counting. */
export const LAG_COUNT_CAP = 100_000;

/** One name per SQL text: the same statement shares its plan, schemas never clash. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `es_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

export function notifyChannelFor(schema: string): string {
  return `${assertIdentifier(schema)}_events`;
}

export class PostgresEventStore {
  readonly schema: string;
  readonly notifyChannel: string;
  private readonly upcasters: UpcasterRegistry;
  private readonly sql: ReturnType<typeof buildStatements>;
  /** readAllAfterLocked's statements, by checkpoint table and lock mode. */
  private readonly lockedReads = new Map<string, string>();
  private readonly prepared: boolean;
  /** Event types appended since the last NOTIFY; null when one of the appends did not say (any type). */
  private notifyPending: Set<string> | null | undefined = undefined;
  private notifyTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions,
  ) {
    this.schema = assertIdentifier(options.schema);
    this.notifyChannel = options.notifyChannel ?? notifyChannelFor(this.schema);
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.sql = buildStatements(this.schema);
    this.prepared = options.preparedStatements ?? true;
  }

  /**
   * Appends in a single statement (one round trip, atomic without an explicit transaction):
   * the stream row is created or bumped only if the expected version holds, and the events are
   * inserted from that row. A failed check inserts nothing and raises ConcurrencyError.
   */
  async appendToStream<E extends DomainEvent>(
    streamId: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions,
    client?: PoolClient,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const { metadata } = options;
    const ids: string[] = [];
    const types: string[] = [];
    const versions: number[] = [];
    const data: string[] = [];
    const metas: string[] = [];
    for (const event of events) {
      ids.push(event.id ?? randomUUID());
      types.push(event.type);
      versions.push(event.schemaVersion ?? this.upcasters.currentVersion(event.type));
      data.push(JSON.stringify(event.data));
      metas.push(JSON.stringify(event.metadata ? { ...metadata, ...event.metadata, workspaceId: metadata.workspaceId } : metadata));
    }
    const [text, expected] = this.appendStatement(options.expectedVersion, events.length === 1);
    const params =
      events.length === 1
        ? [streamId, options.streamType, metadata.workspaceId, 1, ids[0], types[0], versions[0], data[0], metas[0]]
        : [streamId, options.streamType, metadata.workspaceId, events.length, ids, types, versions, data, metas];
    if (expected !== null) params.push(expected);
    const result = await (client ?? this.pool).query<{ position: string; stream_version: string; transaction_id: string }>(this.statement(text, params));
    if (result.rowCount === 0) {
      throw new ConcurrencyError(streamId, options.expectedVersion, await this.currentVersion(streamId, client));
    }
    const rows = result.rows.map((r) => ({ position: Number(r.position), version: Number(r.stream_version), tx: r.transaction_id }));
    rows.sort((a, b) => a.version - b.version);
    if (options.announce ?? true) this.announce(types);
    return {
      nextExpectedVersion: rows[rows.length - 1].version,
      positions: rows.map((r) => r.position),
      transactionId: rows[0].tx,
    };
  }

  /**
   * Appends to many streams in one statement, each stream's events after whatever it holds
   * (expected version `any`): for a batch of independent facts, such as a consumer recording
   * the events of a batch of messages, in one round trip rather than one per stream. Runs in
   * the caller's transaction (`client`): a stream that exists in another workspace refuses the
   * call with ConcurrencyError, after which that transaction must roll back, as it would leave
   * the other streams' events. Streams are locked in stream id order, so concurrent calls cannot
   * deadlock. Readers are woken on the call unless `announce` is false (see AppendOptions).
   */
  async appendToStreams(appends: readonly StreamAppend[], client: PoolClient, options: { announce?: boolean } = {}): Promise<void> {
    const columns: unknown[][] = Array.from({ length: 8 }, () => []);
    const [streams, types, workspaces, ids, eventTypes, versions, data, metas] = columns;
    for (const append of appends) {
      for (const event of append.events) {
        streams.push(append.streamId);
        types.push(append.streamType);
        workspaces.push(append.metadata.workspaceId);
        ids.push(event.id ?? randomUUID());
        eventTypes.push(event.type);
        versions.push(event.schemaVersion ?? this.upcasters.currentVersion(event.type));
        data.push(JSON.stringify(event.data));
        metas.push(JSON.stringify(event.metadata ? { ...append.metadata, ...event.metadata, workspaceId: append.metadata.workspaceId } : append.metadata));
      }
    }
    if (ids.length === 0) return;
    const result = await client.query<{ stream_id: string }>(this.statement(this.sql.appendToStreams, columns));
    if (result.rowCount !== ids.length) {
      // The stream whose events were not all written: it belongs to another workspace.
      const missing = new Map<string, number>();
      for (const id of streams as string[]) missing.set(id, (missing.get(id) ?? 0) + 1);
      for (const row of result.rows) missing.set(row.stream_id, (missing.get(row.stream_id) ?? 0) - 1);
      const refused = [...missing].find(([, n]) => n > 0)?.[0] ?? String(streams[0]);
      throw new ConcurrencyError(refused, 'any', await this.currentVersion(refused, client));
    }
    if (options.announce ?? true) this.announce(eventTypes as string[]);
  }

  async readStream<E extends DomainEvent = DomainEvent>(
    streamId: string,
    options: ReadStreamOptions = {},
    client?: PoolClient,
  ): Promise<ReadStreamResult<E>> {
    const result = await (client ?? this.pool).query<EventRow & { current_version: string; stream_workspace: string }>(
      { text: this.sql.readStream, values: [streamId, options.fromVersion ?? 1, options.toVersion ?? null, options.asOf ?? null] },
    );
    if (result.rows.length === 0) return { events: [], currentVersion: 0, streamExists: false, workspaceId: null };
    const first = result.rows[0];
    const events = first.event_id === null ? [] : result.rows.map((row) => this.toRecorded<E>(row));
    return { events, currentVersion: Number(first.current_version), streamExists: true, workspaceId: first.stream_workspace };
  }

  /**
   * Events strictly after `after` in (transaction id, position) order, limited to transactions
   * older than every transaction still in flight. A slower transaction that took an earlier
   * position is therefore never skipped (its rows become visible before anything past it is
   * read), and a rolled-back one never stalls the reader (its positions simply never appear).
   */
  async readAll(after: GlobalCheckpoint, options: ReadAllOptions = {}, client?: PoolClient): Promise<ReadAllResult> {
    const limit = options.limit ?? 500;
    const result = await (client ?? this.pool).query<{ held: boolean } & NullableEventRow>(
      { text: this.sql.readAll, values: [after.transactionId, after.position, limit, options.until?.transactionId ?? null, options.until?.position ?? null] },
    );
    const [first] = result.rows;
    if (first.event_id === null) return { events: [], checkpoint: after, held: first.held };
    const events = result.rows.map((row) => this.toRecorded(row as EventRow));
    const last = events[events.length - 1];
    return { events, checkpoint: { transactionId: last.transactionId, position: last.position }, held: first.held };
  }

  /**
   * In the caller's transaction: locks a reader's checkpoint row (FOR UPDATE) and reads the
   * events after it, by the same rule as readAll, in one statement (one round trip, not two).
   * null when the row is missing or, with `skipLocked`, held by another transaction.
   */
  async readAllAfterLocked(client: PoolClient, row: CheckpointRowLock, options: ReadAllOptions = {}): Promise<LockedReadResult | null> {
    assertIdentifier(row.table);
    const key = `${row.table}/${row.skipLocked}`;
    let text = this.lockedReads.get(key);
    if (text === undefined) {
      text = readAllAfterLockedStatement(this.schema, row.table, row.skipLocked);
      this.lockedReads.set(key, text);
    }
    const result = await client.query<LockedReadRow>(
      { text, values: [row.name, options.limit ?? 500, options.until?.transactionId ?? null, options.until?.position ?? null] },
    );
    if (result.rows.length === 0) return null;
    const [first] = result.rows;
    const from = { transactionId: first.from_transaction_id, position: Number(first.from_position) };
    // A checkpoint with nothing after it comes back as one row without an event (the outer join).
    if (first.event_id === null) return { from, events: [], checkpoint: from, held: first.held };
    const events = result.rows.map((event) => this.toRecorded(event as EventRow));
    const last = events[events.length - 1];
    return { from, events, checkpoint: { transactionId: last.transactionId, position: last.position }, held: first.held };
  }

  /** Where a reader that has read everything visible now would stand. */
  async visibleHead(client?: PoolClient): Promise<GlobalCheckpoint> {
    const result = await (client ?? this.pool).query<{ transaction_id: string; position: string }>(this.sql.visibleHead);
    if (result.rows.length === 0) return START;
    return { transactionId: result.rows[0].transaction_id, position: Number(result.rows[0].position) };
  }

  /** visibleHead, and whether committed events past it wait for an older transaction (see ReadAllResult.held). */
  async visibility(client?: PoolClient): Promise<{ head: GlobalCheckpoint; held: boolean }> {
    const result = await (client ?? this.pool).query<{ held: boolean; transaction_id: string | null; position: string | null }>(this.sql.visibility);
    const [row] = result.rows;
    return { head: row.transaction_id === null ? START : { transactionId: row.transaction_id, position: Number(row.position) }, held: row.held };
  }

  /**
   * Committed events past a checkpoint, counted up to `cap`: a reader's lag. (Head position
   * minus checkpoint position would be wrong both ways, since readers go in transaction order.)
   */
  async countAfter(checkpoint: GlobalCheckpoint, cap = LAG_COUNT_CAP, client?: PoolClient): Promise<number> {
    const result = await (client ?? this.pool).query<{ n: number }>(
      { text: this.sql.countAfter, values: [checkpoint.transactionId, checkpoint.position, cap] },
    );
    return result.rows[0].n;
  }

  /** The highest position written so far (committed or not). */
  async headPosition(client?: PoolClient): Promise<number> {
    const result = await (client ?? this.pool).query<{ head: string | null }>(this.sql.head);
    return Number(result.rows[0].head ?? 0);
  }

  private async currentVersion(streamId: string, client?: PoolClient): Promise<number> {
    const result = await (client ?? this.pool).query<{ version: string }>(this.sql.streamVersion, [streamId]);
    return result.rows.length === 0 ? 0 : Number(result.rows[0].version);
  }

  private appendStatement(expected: ExpectedVersion, single: boolean): [string, number | null] {
    const statements = single ? this.sql.appendOne : this.sql.appendMany;
    if (expected === 'any') return [statements.any, null];
    if (expected === 'no_stream' || expected === 0) return [statements.new, null];
    if (expected === 'stream_exists') return [statements.existing, null];
    if (!Number.isSafeInteger(expected) || expected < 0) throw new Error(`Invalid expected version ${expected}`);
    return [statements.exact, expected];
  }

  private statement(text: string, values: unknown[]): QueryConfig {
    return this.prepared ? { name: statementName(text), text, values } : { text, values };
  }

  /**
   * Wakes the store's readers (relay, projections): a NOTIFY from its own statement, after the
   * append's commit, at most once per NOTIFY_INTERVAL_MS (a last one follows a burst). A NOTIFY
   * inside the append's transaction would take PostgreSQL's global notify lock at commit and
   * serialise every concurrent append, and readers need one wake-up, not one per event. The
   * payload names the event types appended since the last one (see listenForAppends), so that
   * a reader of other types need not wake; without `types`, any type may have been appended.
   */
  announce(types?: Iterable<string>): void {
    if (types === undefined || this.notifyPending === null) this.notifyPending = null;
    else for (const type of types) (this.notifyPending ??= new Set()).add(type);
    if (this.notifyTimer) return;
    const pending = this.notifyPending;
    this.notifyPending = undefined;
    this.pool.query('SELECT pg_notify($1, $2)', [this.notifyChannel, notifyPayload(pending)]).catch(() => undefined); // readers also poll
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      if (this.notifyPending !== undefined) this.announce([]);
    }, NOTIFY_INTERVAL_MS);
    this.notifyTimer.unref();
  }

  private toRecorded<E extends DomainEvent>(row: EventRow): RecordedEvent<E> {
    const { schemaVersion, data } = this.upcasters.upcast(row.event_type, row.schema_version, row.data);
    return {
      id: row.event_id,
      type: row.event_type,
      data: data as E['data'],
      schemaVersion,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: Number(row.stream_version),
      position: Number(row.position),
      transactionId: row.transaction_id,
      occurredAt: row.recorded_at,
      metadata: row.metadata,
    };
  }
}

function buildStatements(schema: string) {
  const events = qualified(schema, 'events');
  const streams = qualified(schema, 'streams');
  // $1 stream id, $2 stream type, $3 workspace, $4 event count, $5..$9 the events' ids, types,
  // schema versions, data and metadata (arrays, or scalars for one event: no array to build and
  // unpack on the hot single-event path), $10 the expected version.
  const many = `unnest($5::uuid[], $6::text[], $7::int[], $8::jsonb[], $9::jsonb[]) WITH ORDINALITY AS e(id, type, schema_version, data, metadata, ord)`;
  const one = `(SELECT $5::uuid, $6::text, $7::int, $8::jsonb, $9::jsonb, 1::bigint) AS e(id, type, schema_version, data, metadata, ord)`;
  const insertEvents = (source: string) => (streamCte: string) => `
    WITH s AS (${streamCte})
    INSERT INTO ${events} (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, workspace_id)
    SELECT $1, $2, s.version - $4 + e.ord, e.id, e.type, e.schema_version, e.data, e.metadata, $3
    FROM s, ${source}
    ORDER BY e.ord
    RETURNING position, stream_version, transaction_id::text AS transaction_id`;
  const appends = (insert: (streamCte: string) => string) => ({
    new: insert(`
      INSERT INTO ${streams} (stream_id, stream_type, workspace_id, version) VALUES ($1, $2, $3, $4)
      ON CONFLICT (stream_id) DO NOTHING RETURNING version`),
    any: insert(`
      INSERT INTO ${streams} (stream_id, stream_type, workspace_id, version) VALUES ($1, $2, $3, $4)
      ON CONFLICT (stream_id) DO UPDATE SET version = ${streams}.version + EXCLUDED.version, updated_at = now()
        WHERE ${streams}.workspace_id = EXCLUDED.workspace_id
      RETURNING version`),
    existing: insert(`
      UPDATE ${streams} SET version = version + $4, updated_at = now()
      WHERE stream_id = $1 AND workspace_id = $3 RETURNING version`),
    exact: insert(`
      UPDATE ${streams} SET version = version + $4, updated_at = now()
      WHERE stream_id = $1 AND workspace_id = $3 AND version = $10 RETURNING version`),
  });
  return {
    appendOne: appends(insertEvents(one)),
    appendMany: appends(insertEvents(many)),
    // $1..$8 one element per event: stream id, stream type, workspace, event id, type, schema
    // version, data, metadata. Each stream's row is created or bumped once by its event count
    // (unless it belongs to another workspace: then it returns no row, its events are not
    // inserted, and the caller sees fewer rows than events); the events then take the versions
    // below the new one, in the order given.
    appendToStreams: `
      WITH e AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
          WITH ORDINALITY AS e(stream_id, stream_type, workspace_id, id, type, schema_version, data, metadata, ord)
      ),
      counts AS (
        SELECT stream_id, min(stream_type) AS stream_type, min(workspace_id::text)::uuid AS workspace_id, count(*) AS n FROM e GROUP BY stream_id
      ),
      s AS (
        INSERT INTO ${streams} AS st (stream_id, stream_type, workspace_id, version)
        SELECT stream_id, stream_type, workspace_id, n FROM counts ORDER BY stream_id
        ON CONFLICT (stream_id) DO UPDATE SET version = st.version + EXCLUDED.version, updated_at = now()
          WHERE st.workspace_id = EXCLUDED.workspace_id
        RETURNING st.stream_id, st.version, st.workspace_id
      )
      INSERT INTO ${events} (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, workspace_id)
      SELECT e.stream_id, e.stream_type, s.version - c.n + row_number() OVER (PARTITION BY e.stream_id ORDER BY e.ord), e.id, e.type, e.schema_version, e.data, e.metadata, s.workspace_id
      FROM e JOIN s ON s.stream_id = e.stream_id JOIN counts c ON c.stream_id = e.stream_id
      WHERE e.workspace_id = s.workspace_id
      ORDER BY e.ord
      RETURNING stream_id`,
    readStream: `
      SELECT s.version AS current_version, s.workspace_id AS stream_workspace, ${eventColumns('e')}
      FROM ${streams} s
      LEFT JOIN ${events} e ON e.stream_id = s.stream_id
        AND e.stream_version >= $2
        AND ($3::bigint IS NULL OR e.stream_version <= $3)
        AND ($4::timestamptz IS NULL OR date_trunc('milliseconds', e.recorded_at) <= $4)
      WHERE s.stream_id = $1
      ORDER BY e.stream_version`,
    // ORDER BY names e.transaction_id: bare, it would be the ::text output column, which sorts 999 after 1000.
    // One row without an event when nothing is readable: `held` comes back either way.
    readAll: `
      SELECT h.held, ${eventColumns('e')}
      FROM (SELECT ${held(events)} AS held) h LEFT JOIN LATERAL (
        SELECT * FROM ${events} x
        WHERE (x.transaction_id, x.position) > ($1::xid8, $2::bigint)
          AND x.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND ($4::xid8 IS NULL OR (x.transaction_id, x.position) <= ($4::xid8, $5::bigint))
        ORDER BY x.transaction_id, x.position
        LIMIT $3
      ) e ON true
      ORDER BY e.transaction_id, e.position`,
    head: `SELECT max(position) AS head FROM ${events}`,
    // The ORDER BY keeps it on the (transaction_id, position) index whatever the statistics say:
    // on a table never analysed, the open-ended range looks like a third of the table, and a
    // sequential scan would count all of it every time.
    countAfter: `
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM ${events} e WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
        ORDER BY e.transaction_id, e.position LIMIT $3
      ) past`,
    visibleHead: `
      SELECT e.transaction_id::text AS transaction_id, e.position FROM ${events} e
      WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1`,
    visibility: `
      SELECT h.held, v.transaction_id::text AS transaction_id, v.position
      FROM (SELECT ${held(events)} AS held) h LEFT JOIN LATERAL (
        SELECT e.transaction_id, e.position FROM ${events} e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1
      ) v ON true`,
    streamVersion: `SELECT version FROM ${streams} WHERE stream_id = $1`,
  };
}

/**
 * The checkpoint row first (locking it), then, on the store's index, the events after it: the
 * outer join keeps the checkpoint when nothing follows it. The read rule is readAll's.
 */
function readAllAfterLockedStatement(schema: string, table: string, skipLocked: boolean): string {
  const events = qualified(schema, 'events');
  return `
    WITH c AS MATERIALIZED (
      SELECT transaction_id, position FROM ${qualified(schema, table)} WHERE name = $1 FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}
    )
    SELECT c.transaction_id::text AS from_transaction_id, c.position AS from_position, ${held(events)} AS held, ${eventColumns('e')}
    FROM c LEFT JOIN LATERAL (
      SELECT * FROM ${events} x
      WHERE (x.transaction_id, x.position) > (c.transaction_id, c.position)
        AND x.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        AND ($3::xid8 IS NULL OR (x.transaction_id, x.position) <= ($3::xid8, $4::bigint))
      ORDER BY x.transaction_id, x.position
      LIMIT $2
    ) e ON true
    ORDER BY e.transaction_id, e.position`;
}
