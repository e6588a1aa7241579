import { CONTENT_EVENT_SCHEMA_VERSIONS, postStreamId, type EventEnvelope, type Metric, type PostDraftedData } from '@lib/contracts';
import type { Answer, CallOptions, TestWorkspace } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import type { TimeseriesAnswer } from '../src/query';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** `HttpTestApp.call`'s signature, so that helpers serve an in-process app and a ServiceProcess alike. */
export type Call = <T = Record<string, unknown>>(method: string, path: string, options?: CallOptions) => Promise<Answer<T>>;

/**
 * HTTP calls to a service run as its own process, as HttpTestApp.call makes them to one built
 * in the test (`as` is required: there is no app workspace to default to).
 */
export function serviceCaller(base: () => string): Call {
  return async <T>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (options.role) {
      if (!options.as) throw new Error('serviceCaller: a role needs `as`, the workspace');
      headers.authorization = `Bearer ${await options.as.token(options.role)}`;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    // Bounded: a request to a service that is being killed must fail, not hang the test.
    const response = await fetch(`${base()}${path}`, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (undefined as T);
    return { status: response.status, headers: response.headers, text, json };
  };
}

export const hoursAgo = (hours: number): string => new Date(Date.now() - hours * HOUR_MS).toISOString();

/** Whole UTC days around now, so that anything stamped in the last days (or now) falls in it. */
export function recentDays(): { from: string; to: string } {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return { from: new Date(today - 3 * DAY_MS).toISOString(), to: new Date(today + DAY_MS).toISOString() };
}

export interface SeriesQuery {
  metrics: readonly Metric[];
  entityType: string;
  entityId: string;
}

/** GET /v1/timeseries over recentDays() by UTC day, as a viewer of `as`; the raw answer. */
export function timeseries(call: Call, as: TestWorkspace, query: SeriesQuery): Promise<Answer<TimeseriesAnswer & { message?: unknown }>> {
  const params = new URLSearchParams({ metric: query.metrics.join(','), entityType: query.entityType, entityId: query.entityId, ...recentDays(), interval: 'day' });
  return call<TimeseriesAnswer & { message?: unknown }>('GET', `/v1/timeseries?${params.toString()}`, { role: 'viewer', as });
}

/** Each metric's total over recentDays(); fails unless the answer is 200. */
export async function totals(call: Call, as: TestWorkspace, query: SeriesQuery): Promise<Record<string, number | null>> {
  const answer = await timeseries(call, as, query);
  if (answer.status !== 200) throw new Error(`GET /v1/timeseries ${JSON.stringify(query)} answered ${answer.status}: ${answer.text}`);
  return Object.fromEntries(answer.json.series.map((series) => [series.metric, series.totals.current]));
}

/** A PostDrafted envelope of `workspaceId`'s new post, as content's relay publishes it. */
export function postDraftedEnvelope(workspaceId: string, postId: string = randomUUID()): EventEnvelope<PostDraftedData> {
  const now = new Date().toISOString();
  const authorId = randomUUID();
  return {
    id: randomUUID(),
    type: 'PostDrafted',
    schemaVersion: CONTENT_EVENT_SCHEMA_VERSIONS.PostDrafted,
    streamType: 'post',
    streamId: postStreamId(postId),
    version: 1,
    position: 1,
    occurredAt: now,
    workspaceId,
    actorId: authorId,
    correlationId: randomUUID(),
    causationId: null,
    data: {
      postId,
      authorId,
      draftedAt: now,
      title: 'Drafted elsewhere',
      body: '',
      hashtags: [],
      variants: [{ platform: 'linkedin', body: null, hashtags: null }],
      campaignId: null,
      templateId: null,
      pillar: null,
      series: null,
    },
  };
}
