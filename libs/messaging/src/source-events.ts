import { SOURCE_EVENT_RECEIVED, SOURCE_STREAM_TYPE, sourceStreamId, type EventEnvelope, type ServiceName, type SourceEventReceivedData } from '@lib/contracts';
import type { DomainEvent, PostgresEventStore, StreamAppend } from '@lib/event-store';
import type { DeferredWork, JetStreamContext } from './jetstream-context';
import { PermanentMessageError } from './permanent-message-error';

type SourceEventReceived = DomainEvent<typeof SOURCE_EVENT_RECEIVED, SourceEventReceivedData>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records another service's event in the consuming service's store, whole, on a stream per
 * source stream; the consumer's projections count it from there, so they rebuild from the
 * consumer's own events. It is written in the consumer's transaction, which also writes the
 * inbox row: both commit or neither does. The events of the messages sharing that transaction
 * go in one statement before its commit (`context.deferred`), and the store's readers are woken
 * after it. Any version is fine: events of one source stream may arrive out of order.
 * @throws PermanentMessageError for an envelope that cannot be recorded (dead-lettered at once)
 */
export async function recordSourceEvent(store: PostgresEventStore, service: ServiceName, envelope: EventEnvelope, context: JetStreamContext): Promise<void> {
  const { correlationId, causationId, ...rest } = checkedEnvelope(envelope);
  const source: SourceEventReceivedData['source'] = { service, ...rest };
  const pending = context.deferred(store, () => new SourceEventAppends(store, context));
  pending.add({
    streamId: sourceStreamId(service, envelope.streamId),
    streamType: SOURCE_STREAM_TYPE,
    events: [{ type: SOURCE_EVENT_RECEIVED, data: { source } } satisfies { type: SourceEventReceived['type']; data: SourceEventReceived['data'] }],
    metadata: { workspaceId: envelope.workspaceId, actorId: envelope.actorId, correlationId, causationId },
  });
}

/** One transaction's SourceEventReceived appends, written together before its commit. */
class SourceEventAppends implements DeferredWork {
  private readonly appends: StreamAppend[] = [];

  constructor(
    private readonly store: PostgresEventStore,
    private readonly context: JetStreamContext,
  ) {
    context.afterCommit(() => store.announce([SOURCE_EVENT_RECEIVED]));
  }

  add(append: StreamAppend): void {
    this.appends.push(append);
  }

  async flush(): Promise<void> {
    await this.store.appendToStreams(this.appends.splice(0), this.context.client, { announce: false });
  }
}

/** The envelope's fields the store and the consumers rely on; a message without them would fail every delivery. */
function checkedEnvelope(envelope: EventEnvelope): EventEnvelope {
  const problems: string[] = [];
  if (typeof envelope.workspaceId !== 'string' || !UUID.test(envelope.workspaceId)) problems.push('workspaceId is not a UUID');
  for (const field of ['type', 'streamType', 'streamId', 'occurredAt', 'correlationId'] as const) {
    if (typeof envelope[field] !== 'string' || envelope[field].length === 0) problems.push(`${field} is missing`);
  }
  for (const field of ['schemaVersion', 'version', 'position'] as const) {
    if (!Number.isSafeInteger(envelope[field])) problems.push(`${field} is not an integer`);
  }
  if (envelope.actorId !== null && typeof envelope.actorId !== 'string') problems.push('actorId is neither a string nor null');
  if (envelope.causationId !== null && typeof envelope.causationId !== 'string') problems.push('causationId is neither a string nor null');
  if (typeof envelope.data !== 'object' || envelope.data === null || Array.isArray(envelope.data)) problems.push('data is not an object');
  if (problems.length > 0) throw new PermanentMessageError(`event ${envelope.id} cannot be recorded: ${problems.join('; ')}`);
  return envelope;
}
