/**
 * The integration event envelope: identical on the wire (JetStream message body) and in the
 * source service's event store. `position` is the global position in the source store.
 */
export interface EventEnvelope<TData = Record<string, unknown>, TType extends string = string> {
  id: string;
  type: TType;
  schemaVersion: number;
  streamType: string;
  streamId: string;
  version: number;
  position: number;
  occurredAt: string;
  workspaceId: string;
  actorId: string | null;
  correlationId: string;
  causationId: string | null;
  data: TData;
}

export const SERVICES = ['content', 'assets', 'campaigns', 'knowledge', 'analytics'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** JetStream stream per service: `CONTENT` holds `content.>`. */
export function jetStreamName(service: ServiceName): string {
  return service.toUpperCase();
}
