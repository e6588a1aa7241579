import type { EventEnvelope } from '@lib/contracts';
import type { RecordedEvent } from './types';

export function toEnvelope(event: RecordedEvent): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamType: event.streamType,
    streamId: event.streamId,
    version: event.version,
    position: event.position,
    occurredAt: event.occurredAt.toISOString(),
    workspaceId: event.metadata.workspaceId,
    actorId: event.metadata.actorId,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    data: event.data as Record<string, unknown>,
  };
}
