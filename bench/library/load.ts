/**
 * Loads the generated library through the write path: every user action is a command decided
 * by the domain's own deciders, and the events they emit are appended to the assets store (with
 * the blob ledger's rows, in the same transaction, as the services do), many commands per
 * transaction. Then the real ProjectionRunner applies the real projections. Nothing is written
 * to a view table directly.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import {
  COLLECTION_STREAM_TYPE,
  LIBRARY_ITEM_STREAM_TYPE,
  POST_STREAM_TYPE,
  SOURCE_STREAM_TYPE,
  WORKSPACE_ASSET_STREAM_TYPE,
  collectionStreamId,
  libraryItemStreamId,
  postStreamId,
  sourceStreamId,
  workspaceAssetStreamId,
  type SourceEventReceivedData,
} from '@lib/contracts';
import { ProjectionRunner, inTransaction, qualified, type EventMetadata, type ExpectedVersion, type NewEvent, type PostgresEventStore } from '@lib/event-store';
import type { Pool } from 'pg';
import {
  decideCollection,
  decideLibraryItem,
  decideWorkspaceAsset,
  evolveCollection,
  evolveLibraryItem,
  evolveWorkspaceAsset,
  initialCollectionState,
  initialLibraryItemState,
  initialWorkspaceAssetState,
  stagedAssetId,
  uuidV5,
  type Actor,
  type AssetsEvent,
  type Collection,
  type CollectionState,
  type LibraryItem,
  type LibraryItemState,
} from '../../apps/assets/src/domain';
import { COLLECTIONS, LIBRARY_ITEMS, LIBRARY_VIEWS, MEDIA_USAGE } from '../../apps/assets/src/projections/library-views.projection';
import { assetsReadModels } from '../../apps/assets/src/projections/assets-read-models';
import { STAGING, STAGING_ASSETS } from '../../apps/assets/src/projections/staging.projection';
import { BlobReferences } from '../../apps/assets/src/staging/blob-references';
import type { BenchConfig } from './config';
import { fmt, log, rate, seconds } from '../shared/format';
import type { LibraryPlan } from './workload';

/** An item as its stream ends up, with what the seed's tables need besides. */
export interface LoadedItem {
  item: LibraryItem;
  /** When it entered the collection it is in (the save or its move), for the collection's cover. */
  collectionAddedAt: string | null;
}

/** One post's use of one item, as the seed's post_media_links would hold it. */
export interface UsageLink {
  postId: string;
  itemId: string;
  attachedAt: string;
  detachedAt: string | null;
}

export interface LoadFigures {
  events: number;
  appends: number;
  transactions: number;
  phases: { name: string; commands: number; events: number; ms: number }[];
  append: { ms: number; eventsPerSecond: number };
  projections: { name: string; ms: number; eventsPerSecond: number }[];
  projectionBatchEvents: number;
  totalMs: number;
  rows: { libraryItems: number; collections: number; mediaUsage: number; stagingAssets: number };
}

export interface LoadedLibrary {
  /** Indexed like `LibraryPlan.items` and `.collections`. */
  items: LoadedItem[];
  collections: Collection[];
  usage: UsageLink[];
  figures: LoadFigures;
}

interface Append {
  streamId: string;
  streamType: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
}

/** What one command (or one received message) writes: its streams' events and the blob ledger's rows. */
interface Command {
  metadata: EventMetadata;
  appends: Append[];
  ledger: AssetsEvent[];
}

interface Phase {
  name: string;
  commands: Command[];
}

const PROGRESS_EVERY_MS = 15_000;
const SETTLE_TIMEOUT_MS = 120_000;

export async function loadLibrary(pool: Pool, store: PostgresEventStore, plan: LibraryPlan, config: BenchConfig): Promise<LoadedLibrary> {
  const { phases, items, collections, usage } = decide(plan);
  const sizes = new Map(plan.items.map((item) => [item.blob.sha256, item.blob.sizeBytes]));
  // The ledger checks that a new blob's bytes are stored: these blobs are only described, never uploaded.
  const blobs = new BlobReferences(pool, store.schema, {
    stat: async (sha256) => ({ sizeBytes: sizes.get(sha256) ?? 0 }),
    delete: async () => undefined,
  });

  const figures: LoadFigures = {
    events: 0,
    appends: 0,
    transactions: 0,
    phases: [],
    append: { ms: 0, eventsPerSecond: 0 },
    projections: [],
    projectionBatchEvents: config.projectionBatchEvents,
    totalMs: 0,
    rows: { libraryItems: 0, collections: 0, mediaUsage: 0, stagingAssets: 0 },
  };
  const appendStart = performance.now();
  const progress = setInterval(() => log(`  appended ${fmt(figures.events)} events (${rate(figures.events, performance.now() - appendStart)} events/s)`), PROGRESS_EVERY_MS);
  try {
    // One phase after the other: a save finds its collection in the view only once the collection's creation is applied.
    for (const phase of phases) {
      const start = performance.now();
      const before = figures.events;
      let next = 0;
      const writer = async (): Promise<void> => {
        while (next < phase.commands.length) {
          const batch = phase.commands.slice(next, next + config.loadBatchItems);
          next += batch.length;
          await inTransaction(pool, async (client) => {
            for (const command of batch) {
              for (const a of command.appends) {
                await store.appendToStream(a.streamId, a.events, { streamType: a.streamType, expectedVersion: a.expectedVersion, metadata: command.metadata }, client);
                figures.events += a.events.length;
                figures.appends += 1;
              }
              if (command.ledger.length > 0) await blobs.record(client, command.metadata.workspaceId, command.ledger);
            }
          });
          figures.transactions += 1;
        }
      };
      await Promise.all(Array.from({ length: config.loadWriters }, writer));
      const ms = performance.now() - start;
      figures.phases.push({ name: phase.name, commands: phase.commands.length, events: figures.events - before, ms: Math.round(ms) });
      log(`  ${phase.name}: ${fmt(phase.commands.length)} commands, ${fmt(figures.events - before)} events in ${seconds(ms)} (${rate(figures.events - before, ms)} events/s)`);
    }
  } finally {
    clearInterval(progress);
  }
  const appendMs = performance.now() - appendStart;
  figures.append = { ms: Math.round(appendMs), eventsPerSecond: Math.round((figures.events * 1000) / appendMs) };

  const runner = new ProjectionRunner(pool, store, assetsReadModels, { batchSize: config.projectionBatchEvents });
  // Positions, not lag: the store counts lag only up to 100,000 events.
  const head = await store.headPosition();
  for (const name of [STAGING, LIBRARY_VIEWS]) {
    const start = performance.now();
    const watch = setInterval(() => {
      void runner.status(name).then(([status]) => log(`  ${name}: at position ${fmt(status.checkpoint.position)} of ${fmt(head)}`), () => undefined);
    }, PROGRESS_EVERY_MS);
    try {
      await catchUpFully(runner, name);
    } finally {
      clearInterval(watch);
    }
    const ms = performance.now() - start;
    figures.projections.push({ name, ms: Math.round(ms), eventsPerSecond: Math.round((figures.events * 1000) / ms) });
    log(`  projection ${name}: caught up on ${fmt(figures.events)} events in ${seconds(ms)} (${rate(figures.events, ms)} events/s read)`);
  }
  figures.totalMs = Math.round(performance.now() - appendStart);

  const count = async (table: string) => Number((await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${qualified(store.schema, table)}`)).rows[0].n);
  const deadLetters = await count('projection_dead_letters');
  if (deadLetters > 0) throw new Error(`${deadLetters} events were dead-lettered by the projections`);
  figures.rows = {
    libraryItems: await count(LIBRARY_ITEMS),
    collections: await count(COLLECTIONS),
    mediaUsage: await count(MEDIA_USAGE),
    stagingAssets: await count(STAGING_ASSETS),
  };
  if (figures.rows.libraryItems !== items.length || figures.rows.collections !== collections.length) {
    throw new Error(`the views hold ${figures.rows.libraryItems} items and ${figures.rows.collections} collections, not ${items.length} and ${collections.length}`);
  }
  return { items, collections, usage, figures };
}

/**
 * Applies every event to the projection. Readers see only what committed before every
 * transaction in flight on the whole server started: while others' long transactions run on a
 * shared server, the last events show up later, so this catches up until nothing is left.
 */
async function catchUpFully(runner: ProjectionRunner, name: string): Promise<void> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    await runner.catchUp(name);
    const [status] = await runner.status(name);
    if (status.lagEvents === 0) return;
    if (performance.now() > deadline) throw new Error(`projection ${name} still ${status.lagEvents} events behind after ${SETTLE_TIMEOUT_MS / 1000} s`);
    await setTimeout(100);
  }
}

/**
 * The plan as the domain decides it: each user action a command on its stream's current state,
 * in three phases (collections; staged assets and their saves; then edits, moves, renames and
 * the posts' media events as the assets-media-usage consumer records them).
 */
function decide(plan: LibraryPlan): { phases: Phase[]; items: LoadedItem[]; collections: Collection[]; usage: UsageLink[] } {
  const actorOf = (user: number): Actor => ({ userId: plan.users[user].userId, workspaceId: plan.users[user].workspaceId, role: 'editor' });
  const metadataOf = (actor: Actor): EventMetadata => ({ workspaceId: actor.workspaceId, actorId: actor.userId, correlationId: randomUUID(), causationId: null });

  const collectionStates: CollectionState[] = [];
  const created: Command[] = plan.collections.map((c) => {
    const actor = actorOf(c.user);
    const events = decideCollection(
      { type: 'CreateCollection', actor, now: new Date(c.createdAt), collectionId: c.collectionId, name: c.name, description: c.description },
      initialCollectionState(),
    );
    collectionStates.push(events.reduce(evolveCollection, initialCollectionState()));
    return { metadata: metadataOf(actor), appends: [{ streamId: collectionStreamId(c.collectionId), streamType: COLLECTION_STREAM_TYPE, events, expectedVersion: 'no_stream' }], ledger: [] };
  });
  const target = (collection: number | null) =>
    collection === null ? null : { collectionId: plan.collections[collection].collectionId, state: collectionStates[collection] };

  const itemStates: LibraryItemState[] = [];
  const addedAt: (string | null)[] = [];
  const saved: Command[] = plan.items.map((p) => {
    const actor = actorOf(p.user);
    const assetId = stagedAssetId(actor.workspaceId, actor.userId, p.jobId, p.assetIndex);
    const added = decideWorkspaceAsset(
      {
        type: 'AddWorkspaceAsset',
        actor,
        now: new Date(p.addedAt),
        assetId,
        blob: p.blob,
        generation: { jobId: p.jobId, assetIndex: p.assetIndex, seed: p.seed, prompt: p.prompt, model: p.model, settings: p.settings, durationSeconds: p.durationSeconds },
      },
      initialWorkspaceAssetState(),
    );
    const source = added.reduce(evolveWorkspaceAsset, initialWorkspaceAssetState());
    const savedEvents = decideLibraryItem(
      {
        type: 'SaveLibraryItem',
        actor,
        now: new Date(p.savedAt),
        sourceAssetId: assetId,
        source,
        title: p.title,
        tags: p.tags,
        favorite: p.favorite,
        visibility: p.visibility,
        collection: target(p.collection),
      },
      initialLibraryItemState(),
    );
    const state = savedEvents.reduce(evolveLibraryItem, initialLibraryItemState());
    itemStates.push(state);
    addedAt.push(p.collection === null ? null : new Date(p.savedAt).toISOString());
    const itemId = (state as LibraryItem).itemId;
    return {
      metadata: metadataOf(actor),
      appends: [
        { streamId: workspaceAssetStreamId(assetId), streamType: WORKSPACE_ASSET_STREAM_TYPE, events: added, expectedVersion: 'no_stream' },
        { streamId: libraryItemStreamId(itemId), streamType: LIBRARY_ITEM_STREAM_TYPE, events: savedEvents, expectedVersion: 'no_stream' },
      ],
      ledger: [...added, ...savedEvents],
    };
  });

  const changes: Command[] = [];
  plan.items.forEach((p, i) => {
    if (p.update === null && p.move === null) return;
    const actor = actorOf(p.user);
    const appends: Append[] = [];
    let state = itemStates[i];
    let version = 1;
    const itemId = (state as LibraryItem).itemId;
    const apply = (events: ReturnType<typeof decideLibraryItem>) => {
      if (events.length === 0) throw new Error(`a planned change of item ${itemId} decided nothing`);
      appends.push({ streamId: libraryItemStreamId(itemId), streamType: LIBRARY_ITEM_STREAM_TYPE, events, expectedVersion: version });
      state = events.reduce(evolveLibraryItem, state);
      version += events.length;
    };
    if (p.update !== null) apply(decideLibraryItem({ type: 'UpdateLibraryItem', actor, now: new Date(p.update.at), changes: p.update.changes }, state));
    if (p.move !== null) {
      apply(decideLibraryItem({ type: 'MoveLibraryItem', actor, now: new Date(p.move.at), to: target(p.move.to) }, state));
      addedAt[i] = p.move.to === null ? null : new Date(p.move.at).toISOString();
    }
    itemStates[i] = state;
    changes.push({ metadata: metadataOf(actor), appends, ledger: [] });
  });
  plan.collections.forEach((c, i) => {
    if (c.rename === null) return;
    const actor = actorOf(c.user);
    const events = decideCollection({ type: 'RenameCollection', actor, now: new Date(c.rename.at), name: c.rename.name }, collectionStates[i]);
    collectionStates[i] = events.reduce(evolveCollection, collectionStates[i]);
    changes.push({ metadata: metadataOf(actor), appends: [{ streamId: collectionStreamId(c.collectionId), streamType: COLLECTION_STREAM_TYPE, events, expectedVersion: 1 }], ledger: [] });
  });

  const items: LoadedItem[] = itemStates.map((state, i) => ({ item: state as LibraryItem, collectionAddedAt: addedAt[i] }));
  const usage: UsageLink[] = [];
  let contentPosition = 0;
  for (const post of plan.posts) {
    const actor = actorOf(post.user);
    const received = (type: string, version: number, at: number, data: Record<string, unknown>): NewEvent => {
      const source: SourceEventReceivedData['source'] = {
        service: 'content',
        id: uuidV5(`bench-library:content-event:${post.postId}:${version}`),
        type,
        schemaVersion: 1,
        streamType: POST_STREAM_TYPE,
        streamId: postStreamId(post.postId),
        version,
        position: ++contentPosition,
        occurredAt: new Date(at).toISOString(),
        workspaceId: actor.workspaceId,
        actorId: actor.userId,
        data,
      };
      return { type: 'SourceEventReceived', data: { source } };
    };
    const events: { version: number; event: NewEvent }[] = [];
    post.media.forEach((m, position) => {
      const assetId = items[m.item].item.itemId;
      const attachedAt = new Date(m.attachedAt).toISOString();
      events.push({
        version: m.version,
        event: received('PostMediaAttached', m.version, m.attachedAt, { postId: post.postId, campaignId: null, assetId, position, attachedBy: actor.userId, attachedAt }),
      });
      const detachedAt = m.detach === null ? null : new Date(m.detach.at).toISOString();
      if (m.detach !== null) {
        events.push({
          version: m.detach.version,
          event: received('PostMediaDetached', m.detach.version, m.detach.at, { postId: post.postId, campaignId: null, assetId, detachedBy: actor.userId, detachedAt }),
        });
      }
      usage.push({ postId: post.postId, itemId: assetId, attachedAt, detachedAt });
    });
    events.sort((a, b) => a.version - b.version);
    changes.push({
      metadata: metadataOf(actor),
      appends: [{ streamId: sourceStreamId('content', postStreamId(post.postId)), streamType: SOURCE_STREAM_TYPE, events: events.map((e) => e.event), expectedVersion: 'any' }],
      ledger: [],
    });
  }

  return {
    phases: [
      { name: 'collections created', commands: created },
      { name: 'assets staged and saved', commands: saved },
      { name: 'edits, moves, renames, post media', commands: changes },
    ],
    items,
    collections: collectionStates.map((state) => state as Collection),
    usage,
  };
}
