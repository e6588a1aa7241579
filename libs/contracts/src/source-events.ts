/**
 * Another service's event as a consuming service received it. A consumer records each one in
 * its own store (stream type `source`, never published) in the inbox's transaction, so its
 * projections are rebuilt from its own events like every other read model.
 */
export const SOURCE_STREAM_TYPE = 'source';

/** One stream per source stream, so consumers of different posts never contend on one row. */
export function sourceStreamId(service: string, sourceStreamId: string): string {
  return `${SOURCE_STREAM_TYPE}-${service}-${sourceStreamId}`;
}

/** The source envelope, whole, as consumed; its correlation and causation ids go to the metadata. */
export interface SourceEventReceivedData {
  source: {
    service: string;
    id: string;
    type: string;
    schemaVersion: number;
    streamType: string;
    streamId: string;
    version: number;
    position: number;
    occurredAt: string;
    workspaceId: string;
    actorId: string | null;
    data: Record<string, unknown>;
  };
}

export const SOURCE_EVENT_RECEIVED = 'SourceEventReceived';
