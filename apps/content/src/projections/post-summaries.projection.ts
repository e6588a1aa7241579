import type { Projection, ProjectionContext, RecordedEvent } from '@lib/event-store';
import type { PostDrafted, PostEvent } from '../domain';

export const POST_SUMMARIES = 'post_summaries';

/**
 * One row per post: what lists, the calendar and the scheduler read. Each event is applied
 * only over an older row version, so applying an event twice changes nothing. A run of drafts
 * (new posts, the bulk of a busy store) is inserted by one statement: a batch's transaction
 * holds back every reader by position on the server while it runs, so it must stay short.
 */
export const postSummariesProjection: Projection = {
  name: POST_SUMMARIES,
  tables: [POST_SUMMARIES],
  eventTypes: [
    'PostDrafted',
    'PostEdited',
    'PostMediaAttached',
    'PostMediaDetached',
    'PostSubmittedForReview',
    'PostApproved',
    'PostRejected',
    'PostScheduled',
    'PostUnscheduled',
    'PostPublishingStarted',
    'PostPublished',
    'PostPublishFailed',
    'PostArchived',
  ] satisfies PostEvent['type'][],
  async apply(events, ctx) {
    // Drafts before any later event of the batch, so that event finds its post's row.
    let drafts: RecordedEvent<PostDrafted>[] = [];
    for (const recorded of events as readonly RecordedEvent<PostEvent>[]) {
      if (recorded.type === 'PostDrafted') {
        drafts.push(recorded as RecordedEvent<PostDrafted>);
        continue;
      }
      await insertDrafts(drafts, ctx);
      drafts = [];
      await applyChange(recorded as RecordedEvent<Exclude<PostEvent, PostDrafted>>, ctx);
    }
    await insertDrafts(drafts, ctx);
  },
};

async function insertDrafts(drafts: readonly RecordedEvent<PostDrafted>[], ctx: ProjectionContext): Promise<void> {
  if (drafts.length === 0) return;
  const rows = drafts.map(({ data, metadata, version, occurredAt }) => ({
    post_id: data.postId,
    workspace_id: metadata.workspaceId,
    title: data.title,
    campaign_id: data.campaignId,
    platforms: data.variants.map((v) => v.platform),
    author_id: data.authorId,
    version,
    created_at: data.draftedAt,
    updated_at: occurredAt.toISOString(),
  }));
  await ctx.client.query(
    `INSERT INTO ${ctx.table(POST_SUMMARIES)} AS p (post_id, workspace_id, title, status, campaign_id, platforms, author_id, version, created_at, updated_at)
     SELECT r.post_id, r.workspace_id, r.title, 'draft', r.campaign_id, ARRAY(SELECT v FROM jsonb_array_elements_text(r.platforms) WITH ORDINALITY AS e(v, n) ORDER BY n), r.author_id, r.version, r.created_at, r.updated_at
     FROM jsonb_to_recordset($1::jsonb) AS r(post_id uuid, workspace_id uuid, title text, campaign_id uuid, platforms jsonb, author_id text, version bigint, created_at timestamptz, updated_at timestamptz)
     ON CONFLICT (post_id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

async function applyChange(recorded: RecordedEvent<Exclude<PostEvent, PostDrafted>>, ctx: ProjectionContext): Promise<void> {
  const table = ctx.table(POST_SUMMARIES);
  const event = { type: recorded.type, data: recorded.data } as Exclude<PostEvent, PostDrafted>;
  const [assignments, values] = changesOf(event);
  // $1 post, $2 version, $3 recorded time; the event's own values follow.
  await ctx.client.query(
    `UPDATE ${table} AS p SET ${assignments}, version = $2, updated_at = $3 WHERE p.post_id = $1 AND p.version < $2`,
    [event.data.postId, recorded.version, recorded.occurredAt, ...values],
  );
}

/** The SET clause for one event (parameters from $4) and its values. */
function changesOf(event: Exclude<PostEvent, PostDrafted>): [string, unknown[]] {
  switch (event.type) {
    case 'PostEdited':
      return ['title = $4, campaign_id = $5, platforms = $6', [event.data.title, event.data.campaignId, event.data.variants.map((v) => v.platform)]];
    case 'PostMediaAttached':
      // Inserted at its position, as the post's state does; a repeat of an attached asset is a no-op there too.
      return [
        `media_asset_ids = CASE WHEN $4::uuid = ANY (p.media_asset_ids) THEN p.media_asset_ids
           ELSE p.media_asset_ids[1:$5::int] || $4::uuid || p.media_asset_ids[$5::int + 1:] END`,
        [event.data.assetId, event.data.position],
      ];
    case 'PostMediaDetached':
      return ['media_asset_ids = array_remove(p.media_asset_ids, $4::uuid)', [event.data.assetId]];
    case 'PostSubmittedForReview':
      return ["status = 'in_review'", []];
    case 'PostApproved':
      return ["status = 'approved'", []];
    case 'PostRejected':
      return ["status = 'draft'", []];
    case 'PostScheduled':
      return ["status = 'scheduled', scheduled_at = $4, time_zone = $5", [event.data.scheduledAt, event.data.timeZone]];
    case 'PostUnscheduled':
      return ["status = 'approved', scheduled_at = NULL, time_zone = NULL", []];
    case 'PostPublishingStarted':
      return ["status = 'publishing'", []];
    case 'PostPublished':
      return ["status = 'published', published_at = $4, last_publish_error = NULL", [event.data.publishedAt]];
    case 'PostPublishFailed':
      return ["status = 'failed', last_publish_error = $4", [event.data.reason]];
    case 'PostArchived':
      return ["status = 'archived'", []];
  }
}
