import { randomUUID } from 'node:crypto';
import { PLATFORMS, type MetricObservationData, type ObservationKind, type PlatformMetric, type ReportedEntityType } from '@lib/contracts';

/** One series of an entity: what a platform reports for it, over and over. */
interface SeriesSpec {
  metric: PlatformMetric;
  kind: ObservationKind;
  /** Largest step of a cumulative series, largest value of an increment. */
  step: number;
}

/**
 * Posts report running totals (cumulative snapshots); accounts a follower count and daily-ish
 * increments. Both have SERIES_PER_ENTITY series, so every entity gets the same share of the
 * observations; about 88% of them are cumulative.
 */
const POST_SERIES: readonly SeriesSpec[] = [
  { metric: 'impressions', kind: 'cumulative', step: 400 },
  { metric: 'reach', kind: 'cumulative', step: 250 },
  { metric: 'likes', kind: 'cumulative', step: 30 },
  { metric: 'comments', kind: 'cumulative', step: 6 },
  { metric: 'shares', kind: 'cumulative', step: 4 },
];
const ACCOUNT_SERIES: readonly SeriesSpec[] = [
  { metric: 'followers', kind: 'cumulative', step: 20 },
  { metric: 'impressions', kind: 'increment', step: 2000 },
  { metric: 'reach', kind: 'increment', step: 1200 },
  { metric: 'clicks', kind: 'increment', step: 80 },
  { metric: 'video_views', kind: 'increment', step: 300 },
];
export const SERIES_PER_ENTITY = POST_SERIES.length;
/** Every seventh entity is an account, the rest posts. */
const ACCOUNT_EVERY = 7;

export interface Entity {
  workspaceId: string;
  entityType: ReportedEntityType;
  entityId: string;
  platform: (typeof PLATFORMS)[number];
  series: readonly SeriesSpec[];
}

/** One MetricBatchRecorded's worth of observations, all of one workspace. */
export interface ObservationBatch {
  workspaceId: string;
  observations: MetricObservationData[];
}

/** Deterministic (seeded) so that runs are comparable: mulberry32. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeEntities(count: number, workspaceIds: readonly string[]): Entity[] {
  return Array.from({ length: count }, (_, i) => {
    const account = i % ACCOUNT_EVERY === ACCOUNT_EVERY - 1;
    return {
      workspaceId: workspaceIds[i % workspaceIds.length],
      entityType: account ? 'account' : 'post',
      entityId: randomUUID(),
      platform: PLATFORMS[i % PLATFORMS.length],
      series: account ? ACCOUNT_SERIES : POST_SERIES,
    };
  });
}

export interface LoadPlan {
  observations: number;
  /** Observations per series (the last round may be partial). */
  rounds: number;
  from: Date;
  to: Date;
}

export function planLoad(observations: number, entities: number, days: number, now: Date): LoadPlan {
  return {
    observations,
    rounds: Math.ceil(observations / (entities * SERIES_PER_ENTITY)),
    from: new Date(now.getTime() - days * 86_400_000),
    to: now,
  };
}

/**
 * The loaded observations as batches of at most `batchSize`, each of one workspace, lazily (10
 * million objects would not fit the heap). Round r holds the r-th observation of every series,
 * at a random instant of the r-th of `rounds` equal slots of the period: each series is reported
 * in time order, as a platform sync would, at irregular intervals; integer values, so that sums
 * are exact whatever the order of addition.
 */
export function* observationBatches(plan: LoadPlan, entities: readonly Entity[], batchSize: number, seed = 42): Generator<ObservationBatch> {
  const random = seededRandom(seed);
  const start = plan.from.getTime();
  const slotMs = (plan.to.getTime() - start) / plan.rounds;
  const totals = new Float64Array(entities.length * SERIES_PER_ENTITY);
  const open = new Map<string, MetricObservationData[]>();
  let emitted = 0;
  for (let round = 0; round < plan.rounds; round++) {
    for (let e = 0; e < entities.length; e++) {
      const entity = entities[e];
      for (let s = 0; s < SERIES_PER_ENTITY; s++) {
        if (emitted === plan.observations) break;
        const spec = entity.series[s];
        const amount = Math.floor(random() * (spec.step + 1));
        const value = spec.kind === 'cumulative' ? (totals[e * SERIES_PER_ENTITY + s] += amount) : amount;
        const observedAt = new Date(Math.min(plan.to.getTime() - 1, Math.floor(start + (round + random()) * slotMs)));
        let batch = open.get(entity.workspaceId);
        if (!batch) open.set(entity.workspaceId, (batch = []));
        batch.push({
          entityType: entity.entityType,
          entityId: entity.entityId,
          platform: entity.platform,
          metric: spec.metric,
          value,
          kind: spec.kind,
          observedAt: observedAt.toISOString(),
        });
        emitted++;
        if (batch.length === batchSize) {
          open.delete(entity.workspaceId);
          yield { workspaceId: entity.workspaceId, observations: batch };
        }
      }
    }
  }
  for (const [workspaceId, observations] of open) yield { workspaceId, observations };
}
