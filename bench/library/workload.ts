/**
 * The generated library: who has which items and collections, what each item is (tags, title,
 * prompt), what happened to it later (updates, moves, collection renames) and which posts use it.
 * Pure and deterministic from the seed; the load turns it into the domain's commands.
 */
import { createHash } from 'node:crypto';
import type { AssetMimeType, AssetType, Visibility } from '@lib/contracts';
import { uuidV5 } from '../../apps/assets/src/domain';
import type { BenchConfig } from './config';
import { Random, apportion, zipf } from './random';
import {
  COLLECTION_NAMES,
  EXTRAS,
  IMAGE_MEDIA,
  IMAGE_MODELS,
  LIGHTING,
  SETTINGS,
  STYLES,
  SUBJECTS,
  TAGS,
  TITLE_ADJECTIVES,
  TITLE_NOUNS,
  VIDEO_MEDIA,
  VIDEO_MODELS,
} from './vocabulary';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The library's year: fixed, so the same seed gives the same timestamps. */
const START = Date.UTC(2025, 10, 1);
const END = START + 365 * DAY;

/** Items per user follow Zipf with this exponent: a few power users hold thousands, most a few hundred. */
const USER_SKEW = 0.7;
const ASSETS_PER_JOB = 4;
const IN_COLLECTION = 0.7;
const UPDATED = 0.1;
const MOVED = 0.15;
const RENAMED = 0.05;
const POSTS_PER_ITEM = 0.2;
const DETACHED = 0.1;

export interface UserPlan {
  userId: string;
  workspaceId: string;
  /** Indexes into `LibraryPlan.items` and `.collections`. */
  items: number[];
  collections: number[];
}

export interface CollectionPlan {
  collectionId: string;
  user: number;
  name: string;
  description: string | null;
  createdAt: number;
  rename: { name: string; at: number } | null;
}

export interface ItemChanges {
  title?: string | null;
  tags?: string[];
  favorite?: boolean;
}

export interface ItemPlan {
  user: number;
  jobId: string;
  assetIndex: number;
  addedAt: number;
  savedAt: number;
  blob: { sha256: string; sizeBytes: number; mimeType: AssetMimeType; assetType: AssetType };
  seed: number;
  prompt: string;
  model: string;
  settings: Record<string, unknown>;
  durationSeconds: number | null;
  title: string | null;
  tags: string[];
  favorite: boolean;
  visibility: Visibility;
  /** Index into `LibraryPlan.collections`, or null for none. */
  collection: number | null;
  update: { at: number; changes: ItemChanges } | null;
  move: { at: number; to: number | null } | null;
}

/** One of content's PostMediaAttached events for an item, and the PostMediaDetached that may follow it. */
export interface MediaPlan {
  item: number;
  attachedAt: number;
  /** The post stream's version of the event (1 is the post's PostDrafted, never received). */
  version: number;
  detach: { at: number; version: number } | null;
}

export interface PostPlan {
  postId: string;
  user: number;
  media: MediaPlan[];
}

export interface LibraryPlan {
  workspaces: string[];
  users: UserPlan[];
  collections: CollectionPlan[];
  items: ItemPlan[];
  posts: PostPlan[];
}

export function planLibrary(config: BenchConfig): LibraryPlan {
  const random = new Random(config.seed);
  const id = (kind: string, n: number) => uuidV5(`bench-library:${config.seed}:${kind}:${n}`);
  const workspaces = Array.from({ length: config.workspaces }, (_, w) => id('workspace', w));

  const userWeights = Array.from({ length: config.users }, (_, u) => 1 / (u + 1) ** USER_SKEW);
  // Everyone has at least one item; the rest follow the skew.
  const itemCounts = apportion(config.items - config.users, userWeights).map((n) => n + 1);
  const collectionCounts = apportion(config.collections, itemCounts.map(Math.sqrt));
  const users: UserPlan[] = itemCounts.map((_, u) => ({ userId: id('user', u), workspaceId: workspaces[u % workspaces.length], items: [], collections: [] }));

  const collections: CollectionPlan[] = [];
  users.forEach((user, u) => {
    for (let k = 0; k < collectionCounts[u]; k++) {
      const name = random.pick(COLLECTION_NAMES);
      user.collections.push(collections.length);
      collections.push({
        collectionId: id('collection', collections.length),
        user: u,
        name,
        description: random.chance(0.4) ? `Assets for ${name.toLowerCase()}` : null,
        createdAt: START - random.int(DAY, 60 * DAY),
        rename: random.chance(RENAMED) ? { name: `${name} ${random.int(2025, 2026)}`, at: START + random.int(0, 364 * DAY) } : null,
      });
    }
  });

  const items: ItemPlan[] = [];
  users.forEach((user, u) => {
    let job: { id: string; at: number; video: boolean; prompt: string; model: string } | null = null;
    // A user's first collections are their big ones.
    const weights = user.collections.length === 0 ? null : zipfOf(user.collections.length, 1);
    for (let j = 0; j < itemCounts[u]; j++) {
      const assetIndex = j % ASSETS_PER_JOB;
      if (assetIndex === 0 || job === null) {
        const video = random.chance(0.2);
        job = {
          id: id(`job:${u}`, Math.floor(j / ASSETS_PER_JOB)),
          at: START + random.int(0, 360 * DAY),
          video,
          prompt: prompt(random, video),
          model: random.pick(video ? VIDEO_MODELS : IMAGE_MODELS),
        };
      }
      const savedAt = job.at + random.int(60_000, 3 * DAY);
      const tags = random.drawDistinct(zipfOf(TAGS.length, 0.9), random.int(1, 5)).map((t) => TAGS[t]);
      const title = random.chance(0.65) ? makeTitle(random) : null;
      const favorite = random.chance(0.12);
      const inCollection = weights !== null && random.chance(IN_COLLECTION) ? user.collections[random.drawIndex(weights)] : null;
      const update = random.chance(UPDATED) ? { at: Math.min(END, savedAt + random.int(HOUR, 30 * DAY)), changes: changesOf(random, tags, title, favorite) } : null;
      let move: ItemPlan['move'] = null;
      if (user.collections.length > 0 && random.chance(MOVED)) {
        const targets: (number | null)[] = user.collections.filter((c) => c !== inCollection);
        if (inCollection !== null) targets.push(null);
        if (targets.length > 0) move = { at: Math.min(END, Math.max(savedAt, update?.at ?? 0) + random.int(HOUR, 30 * DAY)), to: random.pick(targets) };
      }
      const imageType = random.next();
      const mimeType: AssetMimeType = job.video ? 'video/mp4' : imageType < 0.5 ? 'image/png' : imageType < 0.85 ? 'image/jpeg' : 'image/webp';
      user.items.push(items.length);
      items.push({
        user: u,
        jobId: job.id,
        assetIndex,
        addedAt: job.at,
        savedAt,
        blob: {
          sha256: createHash('sha256').update(`bench-library:${config.seed}:blob:${items.length}`).digest('hex'),
          sizeBytes: job.video ? random.int(2_000_000, 80_000_000) : random.int(150_000, 4_000_000),
          mimeType,
          assetType: job.video ? 'video' : 'image',
        },
        seed: random.int(0, 2 ** 31 - 1),
        prompt: job.prompt,
        model: job.model,
        settings: job.video ? { fps: 24, resolution: '1080p' } : { steps: random.int(20, 40), guidance: random.int(25, 75) / 10 },
        durationSeconds: job.video ? random.int(40, 200) / 10 : null,
        title,
        tags,
        favorite,
        visibility: random.chance(0.7) ? 'private' : random.chance(1 / 3) ? 'unlisted' : 'public',
        collection: inCollection,
        update,
        move,
      });
    }
  });

  const posts: PostPlan[] = [];
  const postCount = Math.round(config.items * POSTS_PER_ITEM);
  for (let p = 0; p < postCount; p++) {
    // A post by the owner of a random item: heavy users post more.
    const user = items[random.int(0, items.length - 1)].user;
    const own = users[user].items;
    const picked = new Set<number>();
    const wanted = Math.min(own.length, random.int(1, 3));
    while (picked.size < wanted) picked.add(own[random.int(0, own.length - 1)]);
    let version = 1;
    const media: MediaPlan[] = [...picked].map((item) => ({ item, attachedAt: Math.min(END, items[item].savedAt + random.int(0, 20 * DAY)), version: ++version, detach: null }));
    for (const m of media) if (random.chance(DETACHED)) m.detach = { at: Math.min(END, m.attachedAt + random.int(HOUR, 10 * DAY)), version: ++version };
    posts.push({ postId: id('post', p), user, media });
  }
  return { workspaces, users, collections, items, posts };
}

function prompt(random: Random, video: boolean): string {
  const pickZipf = <T>(list: readonly T[]) => list[random.drawIndex(zipfOf(list.length, 0.8))];
  const medium = video ? random.pick(VIDEO_MEDIA) : random.pick(IMAGE_MEDIA);
  const extras = random.drawDistinct(zipfOf(EXTRAS.length, 0.8), random.int(0, 2)).map((e) => `, ${EXTRAS[e]}`).join('');
  return `${pickZipf(STYLES)} ${medium} of ${pickZipf(SUBJECTS)} ${pickZipf(SETTINGS)}, ${pickZipf(LIGHTING)}${extras}`;
}

function makeTitle(random: Random): string {
  const base = `${random.pick(TITLE_ADJECTIVES)} ${random.pick(TITLE_NOUNS)}`;
  return random.chance(0.3) ? `${base} ${random.int(1, 12)}` : base;
}

/** One edit of what the library's update changes: a tag added, the title changed, or the favourite flag flipped. */
function changesOf(random: Random, tags: readonly string[], title: string | null, favorite: boolean): ItemChanges {
  const kind = random.next();
  if (kind < 0.4) {
    const start = random.int(0, TAGS.length - 1);
    for (let k = 0; k < TAGS.length; k++) {
      const extra = TAGS[(start + k) % TAGS.length];
      if (!tags.includes(extra)) return { tags: [...tags, extra] };
    }
  }
  if (kind < 0.7) return { title: title === null ? makeTitle(random) : `${title} (final)` };
  return { favorite: !favorite };
}

const zipfCache = new Map<string, Float64Array>();
function zipfOf(n: number, s: number): Float64Array {
  const key = `${n}:${s}`;
  let cumulative = zipfCache.get(key);
  if (cumulative === undefined) {
    cumulative = zipf(n, s);
    zipfCache.set(key, cumulative);
  }
  return cumulative;
}
