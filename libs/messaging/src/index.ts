export { messagingSchemaSql } from './schema';
export { connectNats, type NatsConnectionOptions } from './nats-connection';
export {
  DEAD_LETTER_STREAM,
  deadLetterSubject,
  ensureDurableConsumer,
  ensureJetStreamTopology,
  type DurableConsumerOptions,
  type JetStreamTopologyOptions,
} from './topology';
export { EventHeaders, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { PermanentMessageError } from './permanent-message-error';
export { JetStreamContext, type DeferredWork } from './jetstream-context';
export { DeadLetterHeaders, JetStreamConsumerRunner, type ConsumerDefinition, type JetStreamConsumerRunnerOptions } from './consumer-runner';
export {
  JETSTREAM_TRANSPORT,
  JetStreamExceptionFilter,
  JetStreamTransport,
  type JetStreamHandlerExtras,
  type JetStreamTransportEvents,
  type JetStreamTransportOptions,
  type JetStreamTransportStatus,
} from './jetstream-transport';
export type { MessagingLogger } from './logger';
export { recordSourceEvent } from './source-events';
