import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { jetStreamName, type ServiceName } from '@lib/contracts';

export const DEAD_LETTER_STREAM = 'DEAD_LETTERS';
export const DEAD_LETTER_SUBJECT_PREFIX = 'dead-letter';
const DUPLICATE_WINDOW_MS = 2 * 60_000;

export function deadLetterSubject(durable: string): string {
  return `${DEAD_LETTER_SUBJECT_PREFIX}.${durable}`;
}

export interface JetStreamTopologyOptions {
  /** One stream per service: `CONTENT` holding `content.>`, and so on. */
  streams: readonly ServiceName[];
  /** Also the `DEAD_LETTERS` stream (`dead-letter.>`). */
  deadLetters: boolean;
  /** Message retention; unlimited (0) by default so a projection can be rebuilt from the start. */
  maxAgeMs?: number;
}

type WantedStream = Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects' | 'storage' | 'retention'>;

/** The settings this library wants for a stream (the server fills in the rest). */
function streamConfig(name: string, subjects: string[], maxAgeMs = 0): WantedStream {
  return {
    name,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeMs),
    max_msgs: -1,
    max_bytes: -1,
    max_msg_size: -1,
    max_msgs_per_subject: -1,
    max_consumers: -1,
    num_replicas: 1,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
}

/**
 * Creates the streams, or updates one whose configuration differs from ours (a storage type
 * change is refused by the server and surfaces as an error). Safe to run at every start-up.
 */
export async function ensureJetStreamTopology(jsm: JetStreamManager, options: JetStreamTopologyOptions): Promise<void> {
  const wanted = options.streams.map((service) => streamConfig(jetStreamName(service), [`${service}.>`], options.maxAgeMs));
  if (options.deadLetters) wanted.push(streamConfig(DEAD_LETTER_STREAM, [`${DEAD_LETTER_SUBJECT_PREFIX}.>`], options.maxAgeMs));
  for (const config of wanted) await ensureStream(jsm, config);
}

async function ensureStream(jsm: JetStreamManager, config: WantedStream): Promise<void> {
  const existing = await jsm.streams.info(config.name).catch(notFoundAsNull);
  if (!existing) {
    await jsm.streams.add(config);
    return;
  }
  const { name, storage, retention, ...updatable } = config;
  if (existing.config.storage !== storage || existing.config.retention !== retention) {
    throw new Error(`Stream ${name} exists with storage ${existing.config.storage}/${existing.config.retention}; expected ${storage}/${retention}`);
  }
  if (differs(existing.config, updatable)) await jsm.streams.update(name, { ...existing.config, ...updatable });
}

export interface DurableConsumerOptions {
  /** `<consuming-service>-<purpose>`, e.g. `analytics-metrics`. */
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  /**
   * Server-side delivery limit; -1 (unlimited) by default. `JetStreamConsumerRunner` counts
   * deliveries itself and dead-letters at its own `maxDeliver`: a server-side limit would make
   * NATS stop redelivering silently when the dead-letter publish itself failed.
   */
  maxDeliver?: number;
}

/** Creates a durable pull consumer with explicit ack, or updates it when its settings changed. */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, options: DurableConsumerOptions): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: options.durable,
    filter_subject: options.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver ?? -1,
  };
  const existing = await jsm.consumers.info(stream, options.durable).catch(notFoundAsNull);
  if (!existing) {
    await jsm.consumers.add(stream, { ...wanted, deliver_policy: DeliverPolicy.All });
    return;
  }
  if (differs(existing.config, wanted)) {
    // NATS 2.9 cannot change a consumer's filter subject in place.
    if (existing.config.filter_subject !== wanted.filter_subject) {
      throw new Error(
        `Consumer ${options.durable} on ${stream} filters ${existing.config.filter_subject ?? '(none)'}, not ${options.filterSubject}: ` +
          'delete it (its position is lost) or choose another durable name',
      );
    }
    await jsm.consumers.update(stream, options.durable, { ack_wait: wanted.ack_wait, max_deliver: wanted.max_deliver });
  }
}

function differs<T extends object>(actual: T, wanted: Partial<T>): boolean {
  return Object.entries(wanted).some(([key, value]) => JSON.stringify(actual[key as keyof T]) !== JSON.stringify(value));
}

function notFoundAsNull(error: unknown): null {
  if (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound)
  ) {
    return null;
  }
  throw error;
}
