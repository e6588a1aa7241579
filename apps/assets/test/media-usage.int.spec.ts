import { SOURCE_STREAM_TYPE, postStreamId, sourceStreamId, type SourceEventReceivedData } from '@lib/contracts';
import { randomUUID } from 'node:crypto';
import { libraryItemId } from '../src/domain';
import { STEPWISE_TEST_TIMEOUT_MS, assetsTestDatabase, generatedAsset, requestContext, type AssetsTestDatabase } from './assets-test-kit';

type Label = 'A' | 'B' | 'C' | 'D' | 'X';
type PostLabel = 'P1' | 'P2' | 'P3' | 'P4';

/** One of content's media events for a post: its version in the post stream, what, which item, when (minutes). */
interface MediaEvent {
  post: PostLabel;
  version: number;
  type: 'PostMediaAttached' | 'PostMediaDetached';
  item: Label;
  minute: number;
}

// P1..P3 are posts of the workspace; P4 of another one, where item X lives. P2 also names X:
// another workspace's item, which must not count. D is saved only after the posts named it.
const EVENTS: MediaEvent[] = [
  { post: 'P1', version: 2, type: 'PostMediaAttached', item: 'A', minute: 1 },
  { post: 'P1', version: 3, type: 'PostMediaAttached', item: 'B', minute: 2 },
  { post: 'P1', version: 4, type: 'PostMediaDetached', item: 'A', minute: 3 },
  { post: 'P1', version: 5, type: 'PostMediaAttached', item: 'A', minute: 4 },
  { post: 'P1', version: 6, type: 'PostMediaDetached', item: 'B', minute: 5 },
  { post: 'P2', version: 2, type: 'PostMediaAttached', item: 'A', minute: 6 },
  { post: 'P2', version: 3, type: 'PostMediaAttached', item: 'C', minute: 7 },
  { post: 'P2', version: 4, type: 'PostMediaAttached', item: 'X', minute: 8 },
  { post: 'P3', version: 2, type: 'PostMediaAttached', item: 'D', minute: 9 },
  { post: 'P4', version: 2, type: 'PostMediaAttached', item: 'X', minute: 10 },
  { post: 'P4', version: 3, type: 'PostMediaDetached', item: 'X', minute: 11 },
  // Received twice (a redelivery without an inbox).
  { post: 'P1', version: 3, type: 'PostMediaAttached', item: 'B', minute: 2 },
];

const T0 = Date.UTC(2030, 0, 1, 9, 0);
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

const EXPECTED: Record<Label, { usageCount: number; lastUsedAt: string | null }> = {
  A: { usageCount: 2, lastUsedAt: at(6) },
  B: { usageCount: 0, lastUsedAt: at(2) },
  C: { usageCount: 1, lastUsedAt: at(7) },
  D: { usageCount: 1, lastUsedAt: at(9) },
  X: { usageCount: 0, lastUsedAt: at(10) },
};

/** A permutation from a seed (mulberry32 and Fisher-Yates), so a failing order can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const ORDERS: Array<[string, MediaEvent[]]> = [
  ['as they happened', EVENTS],
  ['reversed', [...EVENTS].reverse()],
  ...[7, 42, 2030, 65537].map((seed): [string, MediaEvent[]] => [`shuffled (seed ${seed})`, shuffled(EVENTS, seed)]),
];

describe("media usage from content's events, in any order of arrival", () => {
  let db: AssetsTestDatabase;
  /** Per order: the usage of each item, and media_usage with ids replaced by labels. */
  const outcomes: Array<{ usage: Record<Label, unknown>; rows: unknown[] }> = [];

  beforeAll(async () => {
    db = await assetsTestDatabase('assets_usage');
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function append(workspaceId: string, postId: string, event: MediaEvent, itemId: string): Promise<void> {
    const occurredAt = at(event.minute);
    const data =
      event.type === 'PostMediaAttached'
        ? { postId, campaignId: null, assetId: itemId, position: 0, attachedBy: 'user-1', attachedAt: occurredAt }
        : { postId, campaignId: null, assetId: itemId, detachedBy: 'user-1', detachedAt: occurredAt };
    const received: SourceEventReceivedData = {
      source: {
        service: 'content',
        id: randomUUID(),
        type: event.type,
        schemaVersion: 1,
        streamType: 'post',
        streamId: postStreamId(postId),
        version: event.version,
        position: event.minute,
        occurredAt,
        workspaceId,
        actorId: 'user-1',
        data,
      },
    };
    await db.store.appendToStream(sourceStreamId('content', postStreamId(postId)), [{ type: 'SourceEventReceived', data: received }], {
      streamType: SOURCE_STREAM_TYPE,
      expectedVersion: 'any',
      metadata: { workspaceId, actorId: null, correlationId: randomUUID(), causationId: null },
    });
  }

  it.each(ORDERS)('counts the same usage with the events %s', async (_name, order) => {
    const workspaceId = randomUUID();
    const otherWorkspaceId = randomUUID();
    const user = requestContext(workspaceId);
    const otherUser = requestContext(otherWorkspaceId);
    const ids = {} as Record<Label, string>;
    for (const label of ['A', 'B', 'C'] as const) {
      const { asset } = await db.staging.registerStagedAsset(user, generatedAsset(db));
      ids[label] = (await db.library.save(user, asset.id)).item.id;
    }
    const { asset: late } = await db.staging.registerStagedAsset(user, generatedAsset(db));
    ids.D = libraryItemId(late.id);
    const { asset: elsewhere } = await db.staging.registerStagedAsset(otherUser, generatedAsset(db));
    ids.X = (await db.library.save(otherUser, elsewhere.id)).item.id;
    const posts: Record<PostLabel, string> = { P1: randomUUID(), P2: randomUUID(), P3: randomUUID(), P4: randomUUID() };

    for (const event of order) await append(event.post === 'P4' ? otherWorkspaceId : workspaceId, posts[event.post], event, ids[event.item]);
    await db.library.save(user, late.id);
    await db.settle();

    const usage = {} as Record<Label, unknown>;
    for (const label of Object.keys(ids) as Label[]) {
      const item = await db.library.get(label === 'X' ? otherUser : user, ids[label]);
      usage[label] = { usageCount: item.usageCount, lastUsedAt: item.lastUsedAt };
    }
    expect(usage).toEqual(EXPECTED);

    const labelOf = new Map<string, string>([...Object.entries(ids), ...Object.entries(posts), ['W', workspaceId], ['W2', otherWorkspaceId]].map(([k, v]) => [v, k]));
    const rows = (await db.rows('media_usage', 'workspace_id, post_id, item_id'))
      .filter((row) => labelOf.has((row as { workspace_id: string }).workspace_id))
      .map((row) => {
        const r = row as { workspace_id: string; post_id: string; item_id: string; attached: boolean; source_version: string; last_attached_at: Date | null };
        return [labelOf.get(r.workspace_id), labelOf.get(r.post_id), labelOf.get(r.item_id), r.attached, Number(r.source_version), r.last_attached_at?.toISOString() ?? null];
      })
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(rows).toEqual([
      ['W', 'P1', 'A', true, 5, at(4)],
      ['W', 'P1', 'B', false, 6, at(2)],
      ['W', 'P2', 'A', true, 2, at(6)],
      ['W', 'P2', 'C', true, 3, at(7)],
      ['W', 'P2', 'X', true, 4, at(8)],
      ['W', 'P3', 'D', true, 2, at(9)],
      ['W2', 'P4', 'X', false, 3, at(10)],
    ]);
    outcomes.push({ usage, rows });
  }, STEPWISE_TEST_TIMEOUT_MS);

  it('rebuilds library_views from every order at once into the same rows', async () => {
    expect(outcomes).toHaveLength(ORDERS.length);
    await db.settle();
    const live = [await db.rows('library_items', 'item_id'), await db.rows('media_usage', 'workspace_id, post_id, item_id')];
    expect(await db.readModels.rebuild('library_views')).toMatchObject({ swapped: true });
    expect([await db.rows('library_items', 'item_id'), await db.rows('media_usage', 'workspace_id, post_id, item_id')]).toEqual(live);
  }, STEPWISE_TEST_TIMEOUT_MS);
});
