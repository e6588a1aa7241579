import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@lib/event-store';
import type { ScenarioName } from './config';

/** One event, the same for every contender: a ~200-byte JSON object and a pre-generated id. */
export interface BenchEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** One append: a new stream (expected version "no stream") and its events. */
export interface BenchAppend {
  streamId: string;
  streamType: string;
  events: BenchEvent[];
  metadata: EventMetadata;
}

export const STREAM_TYPE = 'post';
export const EVENT_TYPE = 'PostDrafted';

const CHANNELS = ['linkedin', 'instagram', 'x', 'facebook'];

/** ~190-200 bytes once JSON-encoded (depending on the channel and the sequence number). */
function eventData(seq: number): Record<string, unknown> {
  return {
    title: 'Spring launch: five posts for the product team',
    body: 'Draft from the brief. Friendly tone, CTA to the webinar sign-up page.',
    channel: CHANNELS[seq % CHANNELS.length],
    tags: ['launch', 'webinar'],
    seq,
  };
}

/**
 * The appends of one run, built before the clock starts so that every contender is timed on the
 * store alone (its own JSON encoding included). Stream ids are `post-<uuid>`: Emmett derives the
 * stream type from the prefix, ours takes it explicitly.
 *
 * - `single`: `events` streams of one event, one append each.
 * - `batch`: `events / batchSize` streams of `batchSize` events, one append each.
 * Every append creates its stream (expected version "no stream"), for every contender.
 */
export function buildWorkload(scenario: ScenarioName, events: number, batchSize: number): BenchAppend[] {
  const perAppend = scenario === 'single' ? 1 : batchSize;
  const workspaceId = randomUUID();
  const actors = Array.from({ length: 16 }, () => randomUUID());
  const appends: BenchAppend[] = [];
  let seq = 0;
  for (let a = 0; a < events / perAppend; a++) {
    const batch: BenchEvent[] = [];
    for (let i = 0; i < perAppend; i++) batch.push({ id: randomUUID(), type: EVENT_TYPE, data: eventData(seq++) });
    appends.push({
      streamId: `${STREAM_TYPE}-${randomUUID()}`,
      streamType: STREAM_TYPE,
      events: batch,
      metadata: { workspaceId, actorId: actors[a % actors.length], correlationId: randomUUID(), causationId: null },
    });
  }
  return appends;
}

export function appendsIn(scenario: ScenarioName, events: number, batchSize: number): number {
  return scenario === 'single' ? events : events / batchSize;
}
