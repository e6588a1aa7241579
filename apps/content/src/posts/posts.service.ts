import { POST_STATUSES, postStreamId, type Platform, type PostStatus } from '@lib/contracts';
import { qualified, type PostgresEventStore } from '@lib/event-store';
import { asApplicationErrors, type Clock, decodeCursor, eventMetadata, NotFoundError, type Page, pageLimit, type RequestContext, toPage, ValidationError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { postCommandHandler, type PostCommandHandler } from '../content-event-store';
import { isUuid, postExists, type Actor, type DraftPost, type PostChanges, type PostCommand } from '../domain';
import { POST_SUMMARIES } from '../projections/post-summaries.projection';
import { domainActor } from '../request-context';
import { postView, type PostHistoryEntry, type PostSummaryView, type PostView } from './post.views';

/** What a client gives to draft a post; the service picks the id. */
export type DraftPostInput = Omit<DraftPost, 'type' | 'actor' | 'now' | 'postId'>;

export interface PostCommandOptions {
  /** The version the client last saw (If-Match); a newer post is a 412, not overwritten. */
  expectedVersion?: number;
}

export interface PostListQuery {
  status?: string;
  campaignId?: string;
  limit?: number;
  cursor?: string;
}

export interface CalendarQuery {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  limit?: number;
  cursor?: string;
}

/** The widest calendar window one request may ask for. */
export const MAX_CALENDAR_DAYS = 366;
const DAY_MS = 86_400_000;

/** Where a page of the list ends: the last row's sort key. */
interface ListCursor {
  updatedAt: string;
  id: string;
}

interface CalendarCursor {
  scheduledAt: string;
  id: string;
}

interface SummaryRow {
  post_id: string;
  version: string;
  status: PostStatus;
  title: string;
  campaign_id: string | null;
  platforms: Platform[];
  media_asset_ids: string[];
  media_count: number;
  author_id: string;
  scheduled_at: Date | null;
  time_zone: string | null;
  published_at: Date | null;
  last_publish_error: string | null;
  created_at: Date;
  updated_at: Date;
}

type CommandBase = { actor: Actor; now: Date };

/**
 * The post use cases. Commands and reads of one post go to its event stream (strongly
 * consistent; another workspace's post does not exist); lists and the calendar read
 * post_summaries, which follows the events within moments.
 */
export class PostsService {
  private readonly posts: PostCommandHandler;
  private readonly summaries: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
  ) {
    this.posts = postCommandHandler(store);
    this.summaries = qualified(store.schema, POST_SUMMARIES);
  }

  draft(context: RequestContext, input: DraftPostInput): Promise<PostView> {
    const postId = randomUUID();
    return this.execute(context, postId, (base) => ({ ...input, type: 'DraftPost', postId, ...base }), {});
  }

  edit(context: RequestContext, postId: string, changes: PostChanges, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'EditPost', changes, ...base }), options);
  }

  attachMedia(context: RequestContext, postId: string, assetId: string, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'AttachMedia', assetId, ...base }), options);
  }

  detachMedia(context: RequestContext, postId: string, assetId: string, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'DetachMedia', assetId, ...base }), options);
  }

  submit(context: RequestContext, postId: string, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'SubmitPostForReview', ...base }), options);
  }

  approve(context: RequestContext, postId: string, input: { comment?: string | null } = {}, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'ApprovePost', comment: input.comment, ...base }), options);
  }

  reject(context: RequestContext, postId: string, input: { reason: string }, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'RejectPost', reason: input.reason, ...base }), options);
  }

  /** `scheduledAt`: an ISO-8601 instant with its offset; `timeZone`: the IANA zone it was chosen in. */
  schedule(context: RequestContext, postId: string, input: { scheduledAt: string; timeZone: string }, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'SchedulePost', scheduledAt: input.scheduledAt, timeZone: input.timeZone, ...base }), options);
  }

  unschedule(context: RequestContext, postId: string, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'UnschedulePost', ...base }), options);
  }

  /** Starts publishing at once (an approved, scheduled or failed post); the worker does the rest. */
  publishNow(context: RequestContext, postId: string, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'StartPublishing', trigger: 'manual', ...base }), options);
  }

  archive(context: RequestContext, postId: string, input: { reason?: string | null } = {}, options: PostCommandOptions = {}): Promise<PostView> {
    return this.execute(context, postId, (base) => ({ type: 'ArchivePost', reason: input.reason, ...base }), options);
  }

  /** The post now, or as it was at `asOf`, to the millisecond (404 if it did not exist yet). */
  async get(context: RequestContext, postId: string, asOf?: Date): Promise<PostView> {
    if (asOf !== undefined && Number.isNaN(asOf.getTime())) throw new ValidationError('asOf must be a valid instant');
    const loaded = await this.posts.load(postStreamId(postId), context.actor.workspaceId, asOf);
    if (!loaded.exists || !postExists(loaded.state)) throw new NotFoundError('post not found');
    return postView(loaded.state, loaded.version);
  }

  /** Every event of the post, oldest first. */
  async history(context: RequestContext, postId: string): Promise<PostHistoryEntry[]> {
    const loaded = await this.posts.load(postStreamId(postId), context.actor.workspaceId);
    if (!loaded.exists) throw new NotFoundError('post not found');
    return loaded.events.map((event) => ({
      type: event.type,
      version: event.version,
      occurredAt: event.occurredAt.toISOString(),
      actorId: event.metadata.actorId,
      correlationId: event.metadata.correlationId,
      data: event.data,
    }));
  }

  /** The workspace's posts, most recently changed first. */
  async list(context: RequestContext, query: PostListQuery = {}): Promise<Page<PostSummaryView>> {
    const limit = pageLimit(query.limit);
    const params: unknown[] = [context.actor.workspaceId];
    const where = ['p.workspace_id = $1'];
    if (query.status !== undefined) {
      if (!(POST_STATUSES as readonly string[]).includes(query.status)) throw new ValidationError(`status must be one of ${POST_STATUSES.join(', ')}`);
      params.push(query.status);
      where.push(`p.status = $${params.length}`);
    }
    if (query.campaignId !== undefined) {
      if (!isUuid(query.campaignId)) throw new ValidationError('campaignId must be a UUID');
      params.push(query.campaignId.toLowerCase());
      where.push(`p.campaign_id = $${params.length}`);
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor, isListCursor);
      params.push(after.updatedAt, after.id);
      where.push(`(p.updated_at, p.post_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const result = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ${this.summaries} AS p
       WHERE ${where.join(' AND ')}
       ORDER BY p.updated_at DESC, p.post_id DESC
       LIMIT $${params.length}`,
      params,
    );
    return toPage(result.rows.map(summaryView), limit, (last): ListCursor => ({ updatedAt: last.updatedAt, id: last.id }));
  }

  /** The workspace's posts scheduled within [from, to), in time order; archived posts left out. */
  async calendar(context: RequestContext, query: CalendarQuery): Promise<Page<PostSummaryView>> {
    const limit = pageLimit(query.limit);
    const { from, to } = query;
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new ValidationError('from and to must be valid instants');
    if (to <= from) throw new ValidationError('to must be after from');
    if (to.getTime() - from.getTime() > MAX_CALENDAR_DAYS * DAY_MS) throw new ValidationError(`the calendar spans at most ${MAX_CALENDAR_DAYS} days`);
    const params: unknown[] = [context.actor.workspaceId, from, to];
    let after = '';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, isCalendarCursor);
      params.push(cursor.scheduledAt, cursor.id);
      after = `AND (p.scheduled_at, p.post_id) > ($4::timestamptz, $5::uuid)`;
    }
    params.push(limit + 1);
    const result = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM ${this.summaries} AS p
       WHERE p.workspace_id = $1 AND p.scheduled_at >= $2 AND p.scheduled_at < $3 AND p.status <> 'archived' ${after}
       ORDER BY p.scheduled_at, p.post_id
       LIMIT $${params.length}`,
      params,
    );
    return toPage(result.rows.map(summaryView), limit, (last): CalendarCursor => ({ scheduledAt: last.scheduledAt ?? '', id: last.id }));
  }

  private async execute(
    context: RequestContext,
    postId: string,
    command: (base: CommandBase) => PostCommand,
    options: PostCommandOptions,
  ): Promise<PostView> {
    return asApplicationErrors(async () => {
      const result = await this.posts.handle(postStreamId(postId), command({ actor: domainActor(context), now: this.clock() }), {
        metadata: eventMetadata(context),
        expectedVersion: options.expectedVersion,
      });
      if (!postExists(result.state)) throw new NotFoundError('post not found');
      return postView(result.state, result.version);
    }, options.expectedVersion);
  }
}

const SUMMARY_COLUMNS = `p.post_id, p.version, p.status, p.title, p.campaign_id, p.platforms, p.media_asset_ids, p.media_count, p.author_id,
  p.scheduled_at, p.time_zone, p.published_at, p.last_publish_error, p.created_at, p.updated_at`;

function summaryView(row: SummaryRow): PostSummaryView {
  return {
    id: row.post_id,
    version: Number(row.version),
    status: row.status,
    title: row.title,
    campaignId: row.campaign_id,
    platforms: row.platforms,
    mediaAssetIds: row.media_asset_ids,
    mediaCount: row.media_count,
    authorId: row.author_id,
    scheduledAt: row.scheduled_at?.toISOString() ?? null,
    timeZone: row.time_zone,
    publishedAt: row.published_at?.toISOString() ?? null,
    lastPublishError: row.last_publish_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function isListCursor(value: unknown): value is ListCursor {
  const cursor = value as Partial<ListCursor> | null;
  return typeof cursor === 'object' && cursor !== null && isInstant(cursor.updatedAt) && isUuid(cursor.id);
}

function isCalendarCursor(value: unknown): value is CalendarCursor {
  const cursor = value as Partial<CalendarCursor> | null;
  return typeof cursor === 'object' && cursor !== null && isInstant(cursor.scheduledAt) && isUuid(cursor.id);
}
