import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { POST_STREAM_TYPE, postStreamId, type PostDraftedData, type SourceEventReceivedData } from '@lib/contracts';
import { compareCheckpoints, qualified, type PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';
import { TIMESERIES } from '../../apps/analytics/src/timeseries/timeseries.projection';
import { latencyOf, type Latency } from '../shared/latency';
import { checkpointOf } from './checkpoints';
import type { BenchConfig } from './config';
import { fmt, log } from '../shared/format';

export interface LagResult {
  /** The content event appended, and the activity metric it becomes. */
  event: 'PostDrafted';
  metric: 'posts_drafted';
  targetRatePerSecond: number;
  achievedRatePerSecond: number;
  /** Seconds measured, after `warmupSeconds` at the same rate that are not. */
  seconds: number;
  warmupSeconds: number;
  sent: number;
  /** Events measured (sent after the warm-up and found queryable). */
  measured: number;
  /** Sent but not queryable within the timeout after the last one: should be 0. */
  missing: number;
  lagMs: Latency;
  /**
   * The first leg of it, on the database's clock: from the content event's append to the start of
   * the consumer's transaction recording it (relay, NATS, the consumer's queue). The rest is that
   * transaction and the projection.
   */
  committedToRecordedMs: Latency;
  /** How often the probe looked; a figure is late by up to this plus one probe round trip. */
  pollMs: number;
}

const WARMUP_SECONDS = 2;
const SETTLE_TIMEOUT_MS = 180_000;

/**
 * Appends PostDrafted events to content's store (new posts, one event per append, as the content
 * service's command handler does) at a steady rate, each timed at its commit, while content's
 * outbox relay publishes them and analytics' consumer records them as SourceEventReceived, which
 * its `timeseries` projection turns into `posts_drafted` for the post, its workspace and platform.
 *
 * An event's metric is queryable once the projection's checkpoint has passed its
 * SourceEventReceived: the rows and the checkpoint commit together. The probe reads, every
 * `pollMs`, the analytics events recorded since its last look (the store's own visibility rule,
 * so none is missed) and the checkpoint; the lag is the time from the append's commit to the
 * answer of the first probe that sees the event applied.
 */
export async function measureLag(pool: Pool, content: PostgresEventStore, analytics: PostgresEventStore, config: BenchConfig): Promise<LagResult> {
  const workspaceId = randomUUID();
  const authorId = randomUUID();
  /** Each event sent: its commit time (performance.now()), and whether it is past the warm-up. */
  const sent = new Map<string, { committedAt: number; counted: boolean }>();
  /** Seen applied before the sender learnt its append had committed (lag: about 0), and when. */
  const early = new Map<string, number>();
  const lags: number[] = [];
  let applied = 0;
  let sending = true;

  const head = await analytics.visibleHead();
  const probe = async (): Promise<void> => {
    let after = head;
    while (sending || (applied < sent.size && performance.now() - lastSentAt < SETTLE_TIMEOUT_MS)) {
      // One query a look while nothing moved: the probe shares the machine with what it measures.
      const checkpoint = await checkpointOf(pool, analytics.schema, TIMESERIES);
      const now = performance.now();
      while (compareCheckpoints(checkpoint, after) > 0) {
        // Everything up to the checkpoint is applied: read what that newly covers (in the store's order, none missed).
        const batch = await analytics.readAll(after, { limit: 1000, until: checkpoint });
        if (batch.events.length === 0) break;
        after = batch.checkpoint;
        for (const event of batch.events) {
          if (event.type !== 'SourceEventReceived') continue;
          const id = (event.data as SourceEventReceivedData).source.id;
          const origin = sent.get(id);
          if (!origin) {
            // Applied before its append returned to the sender: settled when the sender records it.
            early.set(id, now);
            continue;
          }
          applied += 1;
          if (origin.counted) lags.push(now - origin.committedAt);
        }
      }
      await sleep(config.lagPollMs);
    }
  };

  const record = (id: string, committedAt: number, counted: boolean): void => {
    sent.set(id, { committedAt, counted });
    const seenAt = early.get(id);
    if (seenAt === undefined) return;
    early.delete(id);
    applied += 1;
    if (counted) lags.push(Math.max(0, seenAt - committedAt));
  };

  let lastSentAt = performance.now();
  const probing = probe();
  // The first event through starts what is lazy on the way (the consumer's pull, the relay's
  // leadership, connections): wait for it before the clock starts.
  const primer = await appendPostDrafted(content, workspaceId, authorId);
  record(primer.id, primer.committedAt, false);
  while (applied === 0) {
    if (performance.now() - primer.committedAt > SETTLE_TIMEOUT_MS) throw new Error(`a PostDrafted was not queryable ${SETTLE_TIMEOUT_MS} ms after its commit: is the pipeline running?`);
    await sleep(5);
  }

  const intervalMs = 1000 / config.lagRatePerSecond;
  const warmup = WARMUP_SECONDS * config.lagRatePerSecond;
  const total = warmup + config.lagSeconds * config.lagRatePerSecond;
  const start = performance.now();
  const appends: Promise<void>[] = [];
  // Each event is due at start + i * interval; every millisecond or so, whatever is due goes.
  for (let i = 0; i < total; ) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    for (; i < due; i++) {
      const counted = i >= warmup;
      appends.push(appendPostDrafted(content, workspaceId, authorId).then(({ id, committedAt }) => record(id, committedAt, counted)));
    }
    await sleep(1);
  }
  await Promise.all(appends);
  lastSentAt = performance.now();
  const sendMs = lastSentAt - start;
  sending = false;
  await probing;

  const counted = [...sent].filter(([, origin]) => origin.counted).map(([id]) => id);
  const measured = lags.length;
  const missing = sent.size - applied;
  log(`  ${fmt(total)} events in ${(sendMs / 1000).toFixed(1)} s (${fmt((total * 1000) / sendMs)}/s), ${fmt(measured)} measured after the warm-up, ${missing} missing`);
  return {
    event: 'PostDrafted',
    metric: 'posts_drafted',
    targetRatePerSecond: config.lagRatePerSecond,
    achievedRatePerSecond: Math.round((total * 1000) / sendMs),
    seconds: config.lagSeconds,
    warmupSeconds: WARMUP_SECONDS,
    sent: total,
    measured,
    missing,
    lagMs: latencyOf(lags),
    committedToRecordedMs: latencyOf(await committedToRecorded(pool, content.schema, analytics.schema, head.position, counted)),
    pollMs: config.lagPollMs,
  };
}

/** Per event: its SourceEventReceived's recorded_at minus its own (each its transaction's start; autocommit appends start just before they commit). */
async function committedToRecorded(pool: Pool, contentSchema: string, analyticsSchema: string, fromPosition: number, ids: readonly string[]): Promise<number[]> {
  const { rows } = await pool.query<{ ms: number }>(
    `SELECT extract(epoch FROM a.recorded_at - c.recorded_at)::float8 * 1000 AS ms
     FROM ${qualified(contentSchema, 'events')} c
     JOIN ${qualified(analyticsSchema, 'events')} a ON a.data->'source'->>'id' = c.event_id::text
     WHERE c.event_id = ANY($1::uuid[]) AND a.position > $2 AND a.event_type = 'SourceEventReceived'`,
    [ids, fromPosition],
  );
  return rows.map((row) => row.ms);
}

/** A new post's first event, as content's command handler appends it (expected version: no stream). */
async function appendPostDrafted(store: PostgresEventStore, workspaceId: string, authorId: string): Promise<{ id: string; committedAt: number }> {
  const id = randomUUID();
  const postId = randomUUID();
  const data: PostDraftedData = {
    postId,
    authorId,
    draftedAt: new Date().toISOString(),
    title: 'Launch week, day 3',
    body: 'Three things we learned shipping the new planner.',
    hashtags: ['launch'],
    variants: [{ platform: 'linkedin', body: null, hashtags: null }],
    campaignId: null,
    templateId: null,
    pillar: null,
    series: null,
  };
  await store.appendToStream(postStreamId(postId), [{ id, type: 'PostDrafted', data }], {
    streamType: POST_STREAM_TYPE,
    expectedVersion: 'no_stream',
    metadata: { workspaceId, actorId: authorId, correlationId: randomUUID(), causationId: null },
  });
  return { id, committedAt: performance.now() };
}
