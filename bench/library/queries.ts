/**
 * The measured reads: each view through its real read path (LibraryService.list,
 * CollectionsService.listCollections) against the same answer from the seed's tables
 * (seed-baseline.ts), for random users, every answer of the two checked equal.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_PAGE_SIZE, type RequestContext } from '@lib/service-kit';
import type { CollectionsService } from '../../apps/assets/src/collections/collections.service';
import type { LibraryListQuery, LibraryService } from '../../apps/assets/src/library/library.service';
import { latencyOf, type Latency } from '../shared/latency';
import { round } from '../shared/stats';
import { TARGETS, type BenchConfig } from './config';
import { log } from '../shared/format';
import type { LoadedLibrary } from './load';
import { Random } from './random';
import type { BaselineCursor, BaselineFilter, BaselineItemRow, SeedBaseline } from './seed-baseline';
import type { LibraryPlan } from './workload';

export const PAGE_SIZE = DEFAULT_PAGE_SIZE;

export type Filter = 'collection' | 'tag' | 'text';
export type CaseName = `library by ${Filter}, ${'first' | 'deep'} page` | 'collections with counts, first page';

export interface CaseResult {
  name: CaseName;
  /** What the view answers from, and what the baseline computes. */
  view: string;
  baseline: string;
  /** 1 for a first page; the deep page's number otherwise. */
  page: number;
  viewMs: Latency;
  baselineMs: Latency;
  /** Baseline over view: above 1, the view is faster. */
  ratioP50: number;
  ratioP95: number;
  /** Mean rows per answered page (both sides answer the same). */
  meanRows: number;
  /** Deep pages only: how many distinct (user, filter) pairs deep enough the measurements rotated over. */
  deepTargets: number | null;
  /** The view's p95 is under the target. */
  pass: boolean;
}

interface Probe {
  context: RequestContext;
  filter: BaselineFilter;
  query: LibraryListQuery;
  after: BaselineCursor | null;
}

/** One user's slice of the library, for choosing realistic filters. */
interface UserData {
  context: RequestContext;
  collections: string[];
  items: LoadedLibrary['items'];
}

/** The words the free-text filter can find in an item: its title, tags and prompt, as the 'simple' parser splits them (near enough to choose queries). */
function wordsOf(item: LoadedLibrary['items'][number]['item']): string[] {
  const text = `${item.title ?? ''} ${item.tags.join(' ')} ${item.prompt}`.toLowerCase();
  return [...new Set(text.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !/^[0-9]/.test(w)))];
}

function filterQuery(filter: BaselineFilter): LibraryListQuery {
  if ('collectionId' in filter) return { collectionId: filter.collectionId };
  if ('tag' in filter) return { tag: filter.tag };
  return { q: filter.q };
}

/** One measured row of the table: one call of the view and one of the baseline, compared. */
interface Case {
  name: CaseName;
  page: number;
  deepTargets: number | null;
  view: string;
  baseline: string;
  once(baselineFirst: boolean): Promise<Sample>;
}

interface Sample {
  viewMs: number;
  baselineMs: number;
  rows: number;
}

const LIBRARY_SIDES = {
  view: 'LibraryService.list: library_items (collection name and usage kept by the projection)',
  baseline: 'user_library page, JOIN user_collections for the name, COUNT(*) and max() over post_media_links',
};
const COLLECTIONS_SIDES = {
  view: 'CollectionsService.listCollections: collections (item_count and cover kept by the projection)',
  baseline: 'user_collections page, COUNT(*) over user_library per collection, its cover by ORDER BY ... LIMIT 1',
};

/** Times `work`, in milliseconds. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** Both sides in the given order: alternating which goes first spreads any cache or scheduling advantage evenly. */
async function both<V, B>(baselineFirst: boolean, view: () => Promise<V>, baseline: () => Promise<B>): Promise<[{ value: V; ms: number }, { value: B; ms: number }]> {
  if (baselineFirst) {
    const b = await timed(baseline);
    return [await timed(view), b];
  }
  const v = await timed(view);
  return [v, await timed(baseline)];
}

export class QueryBench {
  private readonly users: UserData[];
  private checked = 0;

  constructor(
    private readonly library: LibraryService,
    private readonly collections: CollectionsService,
    private readonly baseline: SeedBaseline,
    plan: LibraryPlan,
    data: LoadedLibrary,
    private readonly config: BenchConfig,
  ) {
    this.users = plan.users.map((u) => ({
      context: { actor: { userId: u.userId, workspaceId: u.workspaceId, role: 'viewer' }, correlationId: 'bench-library' },
      collections: u.collections.map((c) => plan.collections[c].collectionId),
      items: u.items.map((i) => data.items[i]),
    }));
  }

  /** Answers compared so far, warm-up and deep-page walks included. */
  get answersChecked(): number {
    return this.checked;
  }

  /**
   * Every case, interleaved: each round makes one call of every case (in a rotated order), so
   * a noisy moment on the machine falls on all of them alike rather than on whichever ran then.
   */
  async run(): Promise<CaseResult[]> {
    const cases = await this.cases();
    const samples = cases.map(() => ({ view: [] as number[], baseline: [] as number[], rows: 0 }));
    for (let i = 0; i < this.config.warmup + this.config.iterations; i++) {
      for (let k = 0; k < cases.length; k++) {
        const c = (i + k) % cases.length;
        const sample = await cases[c].once(i % 2 === 1);
        if (i < this.config.warmup) continue;
        samples[c].view.push(sample.viewMs);
        samples[c].baseline.push(sample.baselineMs);
        samples[c].rows += sample.rows;
      }
    }
    return cases.map((c, i) => {
      const viewMs = latencyOf(samples[i].view);
      const baselineMs = latencyOf(samples[i].baseline);
      return {
        name: c.name,
        view: c.view,
        baseline: c.baseline,
        page: c.page,
        viewMs,
        baselineMs,
        ratioP50: round(baselineMs.p50 / viewMs.p50, 2),
        ratioP95: round(baselineMs.p95 / viewMs.p95, 2),
        meanRows: round(samples[i].rows / samples[i].view.length, 1),
        deepTargets: c.deepTargets,
        pass: viewMs.p95 < TARGETS.viewP95Ms,
      };
    });
  }

  private async cases(): Promise<Case[]> {
    const cases: Case[] = [];
    let seed = this.config.seed;
    for (const filter of ['collection', 'tag', 'text'] as const) {
      const first = new Random(++seed);
      cases.push({
        name: `library by ${filter}, first page`,
        page: 1,
        deepTargets: null,
        ...LIBRARY_SIDES,
        once: (baselineFirst) => this.libraryPage(`library by ${filter}, first page`, this.firstPageProbe(first, filter), baselineFirst),
      });
      const targets = await this.deepProbes(new Random(++seed), filter);
      if (targets.length === 0) throw new Error(`library by ${filter}: no (user, ${filter}) pair reaches page ${this.config.deepPage} at this scale; lower BENCH_DEEP_PAGE`);
      const deep = new Random(++seed);
      cases.push({
        name: `library by ${filter}, deep page`,
        page: this.config.deepPage,
        deepTargets: targets.length,
        ...LIBRARY_SIDES,
        once: (baselineFirst) => this.libraryPage(`library by ${filter}, deep page`, deep.pick(targets), baselineFirst),
      });
    }
    const random = new Random(++seed);
    const owners = this.users.filter((u) => u.collections.length > 0);
    cases.push({
      name: 'collections with counts, first page',
      page: 1,
      deepTargets: null,
      ...COLLECTIONS_SIDES,
      once: (baselineFirst) => this.collectionsOnce(random.pick(owners), baselineFirst),
    });
    return cases;
  }

  private firstPageProbe(random: Random, filter: Filter): Probe {
    const pool = filter === 'collection' ? this.users.filter((u) => u.collections.length > 0) : this.users;
    const user = random.pick(pool);
    let value: BaselineFilter;
    if (filter === 'collection') {
      value = { collectionId: random.pick(user.collections) };
    } else if (filter === 'tag') {
      // A tag the user has used: the ones a client offers to filter by.
      value = { tag: random.pick(random.pick(user.items).item.tags) };
    } else {
      const words = wordsOf(random.pick(user.items).item);
      value = { q: random.chance(0.3) && words.length > 1 ? `${random.pick(words)} ${random.pick(words)}` : random.pick(words) };
    }
    return { context: user.context, filter: value, query: filterQuery(value), after: null };
  }

  /**
   * (user, filter) pairs whose answer reaches the deep page, taken at random among those the
   * in-memory library says are big enough, each walked page by page on both sides (every page
   * compared) up to the cursors of the deep page.
   */
  private async deepProbes(random: Random, filter: Filter): Promise<Probe[]> {
    const needed = (this.config.deepPage - 1) * PAGE_SIZE + 1;
    const candidates: { user: UserData; filter: BaselineFilter }[] = [];
    for (const user of this.users) {
      const counts = new Map<string, number>();
      for (const { item } of user.items) {
        const keys = filter === 'collection' ? (item.collectionId === null ? [] : [item.collectionId]) : filter === 'tag' ? item.tags : wordsOf(item);
        for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        if (n < needed) continue;
        candidates.push({ user, filter: filter === 'collection' ? { collectionId: key } : filter === 'tag' ? { tag: key } : { q: key } });
      }
    }
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
    }
    const probes: Probe[] = [];
    for (const candidate of candidates) {
      if (probes.length === this.config.deepTargets) break;
      let probe: Probe | null = { context: candidate.user.context, filter: candidate.filter, query: filterQuery(candidate.filter), after: null };
      for (let page = 1; page < this.config.deepPage && probe !== null; page++) probe = (await this.libraryPage(`library by ${filter}, walking to the deep page`, probe, false)).next;
      if (probe !== null) probes.push(probe);
    }
    log(`  library by ${filter}: ${candidates.length} (user, ${filter}) pairs with at least ${needed} items, ${probes.length} walked to page ${this.config.deepPage}`);
    return probes;
  }

  /** One probe on both sides, compared; and the probe of the page after it, if any. */
  private async libraryPage(name: string, probe: Probe, baselineFirst: boolean): Promise<Sample & { next: Probe | null }> {
    const userId = probe.context.actor.userId;
    const [view, base] = await both(
      baselineFirst,
      () => this.library.list(probe.context, probe.query),
      () => this.baseline.list(userId, probe.filter, probe.after, PAGE_SIZE),
    );
    const shown = base.value.slice(0, PAGE_SIZE);
    const expected = shown.map(baselineItem);
    const actual = view.value.items.map((i) => ({
      id: i.id,
      title: i.title,
      tags: i.tags,
      collectionId: i.collectionId,
      collectionName: i.collectionName,
      usageCount: i.usageCount,
      lastUsedAt: i.lastUsedAt,
      createdAt: i.createdAt,
    }));
    const hasNext = base.value.length > PAGE_SIZE;
    if (JSON.stringify(actual) !== JSON.stringify(expected) || (view.value.nextCursor !== null) !== hasNext) {
      throw new Error(
        `${name}: the view and the baseline disagree for user ${userId}, ${JSON.stringify(probe.filter)}, after ${JSON.stringify(probe.after)}:\n` +
          `  view     (${actual.length} rows, next ${view.value.nextCursor !== null}): ${JSON.stringify(actual)}\n` +
          `  baseline (${expected.length} rows, next ${hasNext}): ${JSON.stringify(expected)}`,
      );
    }
    this.checked += 1;
    const last = shown[shown.length - 1];
    const next =
      view.value.nextCursor === null || last === undefined
        ? null
        : { ...probe, query: { ...probe.query, cursor: view.value.nextCursor }, after: { createdAt: last.created_at, id: last.id } };
    return { viewMs: view.ms, baselineMs: base.ms, rows: actual.length, next };
  }

  private async collectionsOnce(user: UserData, baselineFirst: boolean): Promise<Sample> {
    const userId = user.context.actor.userId;
    const [view, base] = await both(
      baselineFirst,
      () => this.collections.listCollections(user.context),
      () => this.baseline.listCollections(userId, PAGE_SIZE),
    );
    const actual = view.value.items.map((c) => ({ id: c.id, name: c.name, itemCount: c.itemCount, coverItemId: c.coverItemId }));
    const expected = base.value.slice(0, PAGE_SIZE).map((c) => ({ id: c.id, name: c.name, itemCount: c.item_count, coverItemId: c.cover_item_id }));
    const hasNext = base.value.length > PAGE_SIZE;
    if (JSON.stringify(actual) !== JSON.stringify(expected) || (view.value.nextCursor !== null) !== hasNext) {
      throw new Error(
        `collections with counts: the view and the baseline disagree for user ${userId}:\n` +
          `  view:     ${JSON.stringify(actual)} next ${view.value.nextCursor !== null}\n  baseline: ${JSON.stringify(expected)} next ${hasNext}`,
      );
    }
    this.checked += 1;
    return { viewMs: view.ms, baselineMs: base.ms, rows: actual.length };
  }
}

function baselineItem(row: BaselineItemRow) {
  return {
    id: row.id,
    title: row.custom_title,
    tags: row.tags,
    collectionId: row.collection_id,
    collectionName: row.collection_name,
    usageCount: row.usage_count,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
