import {
  POST_CONTENT_FIELDS,
  isPlatform,
  publicationIdempotencyKey,
  type Platform,
  type PlatformFailureData,
  type PlatformPublicationData,
  type PostContentData,
  type PostContentField,
  type PostStatus,
  type PublicationRequestData,
} from '@lib/contracts';
import type { Decider } from '@lib/event-store';
import { APPROVERS, WORKERS, WRITERS, requireRole, type ActorRole } from './actor';
import { DomainValidationError, InvalidTransitionError, NotFoundError, Violations } from '@lib/domain';
import type {
  ApprovePost,
  ArchivePost,
  AttachMedia,
  CompletePublishing,
  DetachMedia,
  DraftPost,
  EditPost,
  PostCommand,
  RejectPost,
  SchedulePost,
  StartPublishing,
  SubmitPostForReview,
  UnschedulePost,
} from './post.commands';
import type { PostEvent } from './post.events';
import {
  checkContentFits,
  checkReadyForReview,
  effectiveContent,
  isUuid,
  normalizeAssetId,
  normalizeBody,
  normalizeHashtags,
  normalizeOptionalId,
  normalizeOptionalLabel,
  normalizeOptionalReason,
  normalizeReason,
  normalizeTitle,
  normalizeVariants,
  parseInstant,
  canonicalTimeZone,
} from './post.rules';
import {
  evolvePost,
  initialPostState,
  postExists,
  publishedPlatforms,
  targetedPlatforms,
  unpublishedPlatforms,
  type Post,
  type PostState,
} from './post.state';

/**
 * The post lifecycle:
 *
 *   (none) --DraftPost--> draft --Submit--> in_review --Approve--> approved --Schedule--> scheduled
 *   in_review --Reject--> draft;  approved --Reject (withdraw approval)--> draft
 *   scheduled --Unschedule--> approved;  scheduled --Schedule--> scheduled (moved)
 *   approved | scheduled | failed --StartPublishing--> publishing
 *   publishing --CompletePublishing--> published | failed;  failed --Schedule--> scheduled (retry)
 *   anything but publishing/archived --Archive--> archived
 *
 * Content (EditPost, AttachMedia, DetachMedia) changes only in `draft`; to change a post under
 * review or approved, an approver rejects it back to draft (for an approved post: withdraws the
 * approval), which re-opens review. Once any platform is published the content is frozen: it can
 * no longer go back to draft.
 *
 * Repeats: transitions are strict (approving an approved post is a 409); operations with set
 * meaning are idempotent and emit nothing: attaching an attached asset, detaching one that is
 * not attached, an edit that changes nothing, scheduling again for the same time and zone.
 *
 * Approvals: `owner` or `admin`. An approver may approve a post they wrote: the seeds
 * (`workflow_approvals`: "approval processes") name no four-eyes rule and small workspaces have
 * one owner; the author and approver are both recorded, so a four-eyes policy can be added.
 */
const MANUAL_PUBLISHERS: readonly ActorRole[] = [...WRITERS, 'system'];

function requirePost(state: PostState): Post {
  if (!postExists(state)) throw new NotFoundError('post');
  return state;
}

function requireStatus(command: string, post: Post, allowed: readonly PostStatus[], detail?: string): void {
  if (!allowed.includes(post.status)) throw new InvalidTransitionError(command, post.status, { allowed, detail });
}

function contentOf(post: Post): PostContentData {
  const { title, body, hashtags, variants, campaignId, templateId, pillar, series } = post;
  return { title, body, hashtags, variants, campaignId, templateId, pillar, series };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function draft(command: DraftPost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  if (postExists(state)) throw new InvalidTransitionError(command.type, state.status, { allowed: [], detail: `post ${state.postId} already exists` });
  const v = new Violations();
  if (!isUuid(command.postId)) v.add('postId', 'must be a uuid');
  const content: PostContentData = {
    title: normalizeTitle(command.title, v),
    body: command.body === undefined ? '' : normalizeBody(command.body, v),
    hashtags: command.hashtags === undefined ? [] : normalizeHashtags(command.hashtags, v),
    variants: command.variants === undefined ? [] : normalizeVariants(command.variants, v),
    campaignId: normalizeOptionalId(command.campaignId, v, 'campaignId'),
    templateId: normalizeOptionalId(command.templateId, v, 'templateId'),
    pillar: normalizeOptionalLabel(command.pillar, v, 'pillar'),
    series: normalizeOptionalLabel(command.series, v, 'series'),
  };
  const media: string[] = [];
  if (command.mediaAssetIds !== undefined) {
    if (!Array.isArray(command.mediaAssetIds)) v.add('mediaAssetIds', 'must be an array of uuids');
    else
      command.mediaAssetIds.forEach((raw, i) => {
        const id = normalizeAssetId(raw, v, `mediaAssetIds.${i}`);
        if (id && !media.includes(id)) media.push(id);
      });
  }
  checkContentFits(content, media.length, v);
  v.throwIfAny();

  const postId = command.postId;
  const at = command.now.toISOString();
  return [
    { type: 'PostDrafted', data: { postId, authorId: command.actor.id, ...content, draftedAt: at } },
    ...media.map(
      (assetId, position): PostEvent => ({
        type: 'PostMediaAttached',
        data: { postId, campaignId: content.campaignId, assetId, position, attachedBy: command.actor.id, attachedAt: at },
      }),
    ),
  ];
}

function edit(command: EditPost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['draft']);
  const v = new Violations();
  const changes: Record<string, unknown> = typeof command.changes === 'object' && command.changes !== null ? { ...command.changes } : {};
  if (typeof command.changes !== 'object' || command.changes === null) v.add('changes', 'must be an object');
  for (const key of Object.keys(changes)) {
    if (!(POST_CONTENT_FIELDS as readonly string[]).includes(key)) v.add(key, 'is not an editable field');
  }
  const has = (field: PostContentField): boolean => changes[field] !== undefined;
  const current = contentOf(post);
  const next: PostContentData = {
    title: has('title') ? normalizeTitle(changes.title, v) : current.title,
    body: has('body') ? normalizeBody(changes.body, v) : current.body,
    hashtags: has('hashtags') ? normalizeHashtags(changes.hashtags, v) : current.hashtags,
    variants: has('variants') ? normalizeVariants(changes.variants, v) : current.variants,
    campaignId: has('campaignId') ? normalizeOptionalId(changes.campaignId, v, 'campaignId') : current.campaignId,
    templateId: has('templateId') ? normalizeOptionalId(changes.templateId, v, 'templateId') : current.templateId,
    pillar: has('pillar') ? normalizeOptionalLabel(changes.pillar, v, 'pillar') : current.pillar,
    series: has('series') ? normalizeOptionalLabel(changes.series, v, 'series') : current.series,
  };
  checkContentFits(next, post.mediaAssetIds.length, v);
  v.throwIfAny();

  const changedFields = POST_CONTENT_FIELDS.filter((field) => !same(current[field], next[field]));
  if (changedFields.length === 0) return [];
  return [
    {
      type: 'PostEdited',
      data: {
        postId: post.postId,
        ...next,
        changedFields,
        previousCampaignId: current.campaignId,
        editedBy: command.actor.id,
        editedAt: command.now.toISOString(),
      },
    },
  ];
}

function attachMedia(command: AttachMedia, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['draft']);
  const v = new Violations();
  const assetId = normalizeAssetId(command.assetId, v);
  v.throwIfAny();
  if (post.mediaAssetIds.includes(assetId)) return [];
  checkContentFits(contentOf(post), post.mediaAssetIds.length + 1, v);
  v.throwIfAny();
  return [
    {
      type: 'PostMediaAttached',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        assetId,
        position: post.mediaAssetIds.length,
        attachedBy: command.actor.id,
        attachedAt: command.now.toISOString(),
      },
    },
  ];
}

function detachMedia(command: DetachMedia, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['draft']);
  const v = new Violations();
  const assetId = normalizeAssetId(command.assetId, v);
  v.throwIfAny();
  if (!post.mediaAssetIds.includes(assetId)) return [];
  return [
    {
      type: 'PostMediaDetached',
      data: { postId: post.postId, campaignId: post.campaignId, assetId, detachedBy: command.actor.id, detachedAt: command.now.toISOString() },
    },
  ];
}

function submit(command: SubmitPostForReview, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['draft']);
  const v = new Violations();
  checkReadyForReview(contentOf(post), post.mediaAssetIds.length, v);
  checkContentFits(contentOf(post), post.mediaAssetIds.length, v);
  v.throwIfAny();
  return [
    {
      type: 'PostSubmittedForReview',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        platforms: targetedPlatforms(post),
        submittedBy: command.actor.id,
        submittedAt: command.now.toISOString(),
      },
    },
  ];
}

function approve(command: ApprovePost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, APPROVERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['in_review']);
  const v = new Violations();
  const comment = normalizeOptionalReason(command.comment, v, 'comment');
  v.throwIfAny();
  return [
    {
      type: 'PostApproved',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        approvedBy: command.actor.id,
        approverRole: command.actor.role,
        comment,
        approvedAt: command.now.toISOString(),
      },
    },
  ];
}

function reject(command: RejectPost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, APPROVERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['in_review', 'approved']);
  const published = publishedPlatforms(post);
  if (published.length > 0) {
    throw new InvalidTransitionError(command.type, post.status, { allowed: [], detail: `already published on ${published.join(', ')}; its content is frozen` });
  }
  const v = new Violations();
  const reason = normalizeReason(command.reason, v);
  v.throwIfAny();
  return [
    {
      type: 'PostRejected',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        fromStatus: post.status as 'in_review' | 'approved',
        reason,
        rejectedBy: command.actor.id,
        rejectedAt: command.now.toISOString(),
      },
    },
  ];
}

function schedule(command: SchedulePost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['approved', 'failed', 'scheduled']);
  const v = new Violations();
  const scheduledAt = parseInstant(command.scheduledAt, v, 'scheduledAt');
  const timeZone = canonicalTimeZone(command.timeZone, v);
  if (scheduledAt !== null && Date.parse(scheduledAt) <= command.now.getTime()) {
    v.add('scheduledAt', `must be in the future (now is ${command.now.toISOString()})`);
  }
  v.throwIfAny();
  const previous = post.status === 'scheduled' ? post.schedule : null;
  if (previous && previous.scheduledAt === scheduledAt && previous.timeZone === timeZone) return [];
  return [
    {
      type: 'PostScheduled',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        platforms: unpublishedPlatforms(post),
        scheduledAt: scheduledAt as string,
        timeZone,
        fromStatus: post.status as 'approved' | 'failed' | 'scheduled',
        previousScheduledAt: previous?.scheduledAt ?? null,
        scheduledBy: command.actor.id,
      },
    },
  ];
}

function unschedule(command: UnschedulePost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['scheduled']);
  return [
    {
      type: 'PostUnscheduled',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        previousScheduledAt: post.schedule?.scheduledAt ?? '',
        unscheduledBy: command.actor.id,
        unscheduledAt: command.now.toISOString(),
      },
    },
  ];
}

function startPublishing(command: StartPublishing, state: PostState): PostEvent[] {
  if (command.trigger === 'schedule') {
    requireRole(command.type, command.actor, WORKERS);
    const post = requirePost(state);
    requireStatus(command.type, post, ['scheduled'], 'the scheduler only publishes scheduled posts');
    const due = post.schedule?.scheduledAt;
    if (due === undefined || Date.parse(due) > command.now.getTime()) {
      throw new InvalidTransitionError(command.type, post.status, { allowed: [], detail: `not due until ${due ?? 'never'}` });
    }
    return [started(command, post)];
  }
  if (command.trigger !== 'manual') {
    throw DomainValidationError.single('trigger', 'must be manual or schedule');
  }
  requireRole(command.type, command.actor, MANUAL_PUBLISHERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['approved', 'scheduled', 'failed']);
  return [started(command, post)];
}

function started(command: StartPublishing, post: Post): PostEvent {
  const pending = new Set(unpublishedPlatforms(post));
  const publications: PublicationRequestData[] = post.variants
    .filter((variant) => pending.has(variant.platform))
    .map((variant) => ({
      platform: variant.platform,
      idempotencyKey: publicationIdempotencyKey(post.postId, variant.platform),
      text: effectiveContent(post, variant).text,
      mediaAssetIds: [...post.mediaAssetIds],
    }));
  if (publications.length === 0) {
    // Unreachable through the lifecycle (review needs a platform, the last one published makes
    // the post published); refused rather than starting a round with nothing to do.
    throw new InvalidTransitionError(command.type, post.status, { allowed: [], detail: 'no platform left to publish' });
  }
  return {
    type: 'PostPublishingStarted',
    data: {
      postId: post.postId,
      campaignId: post.campaignId,
      round: post.publishingRound + 1,
      trigger: command.trigger,
      publications,
      alreadyPublished: publishedPlatforms(post),
      startedBy: command.actor.id,
      startedAt: command.now.toISOString(),
    },
  };
}

function completePublishing(command: CompletePublishing, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WORKERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['publishing']);
  const round = post.publishingRound;
  const pending = post.publications.filter((p) => p.status === 'pending');
  const pendingPlatforms = new Set(pending.map((p) => p.platform));
  const v = new Violations();
  const published: PlatformPublicationData[] = [];
  const failures: PlatformFailureData[] = [];
  const seen = new Set<Platform>();

  if (!Array.isArray(command.results)) v.add('results', 'must be an array');
  else
    command.results.forEach((result, i) => {
      const at = `results.${i}`;
      if (!isPlatform(result?.platform) || !pendingPlatforms.has(result.platform)) {
        v.add(`${at}.platform`, `must be one of this round's platforms: ${[...pendingPlatforms].join(', ')}`);
        return;
      }
      if (seen.has(result.platform)) {
        v.add(`${at}.platform`, `${result.platform} reported more than once`);
        return;
      }
      seen.add(result.platform);
      const idempotencyKey = publicationIdempotencyKey(post.postId, result.platform);
      if (result.outcome === 'published') {
        if (typeof result.externalId !== 'string' || result.externalId.trim().length === 0 || result.externalId.length > 500) {
          v.add(`${at}.externalId`, 'must be a non-blank string of at most 500 characters');
        }
        const url = result.url ?? null;
        if (url !== null && !isHttpUrl(url)) v.add(`${at}.url`, 'must be an http(s) URL or null');
        const publishedAt = parseInstant(result.publishedAt, v, `${at}.publishedAt`);
        published.push({ platform: result.platform, idempotencyKey, externalId: String(result.externalId).trim(), url, publishedAt: publishedAt ?? '', round });
      } else if (result.outcome === 'failed') {
        const reason = normalizeReason(result.reason, v, `${at}.reason`);
        if (!Number.isInteger(result.attempts) || result.attempts < 1) v.add(`${at}.attempts`, 'must be an integer of at least 1');
        failures.push({ platform: result.platform, idempotencyKey, reason, attempts: result.attempts });
      } else {
        v.add(`${at}.outcome`, 'must be published or failed');
      }
    });
  const missing = [...pendingPlatforms].filter((platform) => !seen.has(platform));
  if (missing.length > 0) v.add('results', `no result for ${missing.join(', ')}`);
  v.throwIfAny();

  const at = command.now.toISOString();
  const order = (a: { platform: Platform }, b: { platform: Platform }): number => platformOrder(post, a.platform) - platformOrder(post, b.platform);
  if (failures.length === 0) {
    const earlier: PlatformPublicationData[] = post.publications
      .filter((p) => p.status === 'published')
      .map((p) => ({ platform: p.platform, idempotencyKey: p.idempotencyKey, externalId: p.externalId ?? '', url: p.url, publishedAt: p.publishedAt ?? '', round: p.round }));
    return [
      {
        type: 'PostPublished',
        data: {
          postId: post.postId,
          campaignId: post.campaignId,
          platforms: targetedPlatforms(post),
          publications: [...earlier, ...published].sort(order),
          round,
          publishedAt: at,
        },
      },
    ];
  }
  failures.sort(order);
  published.sort(order);
  return [
    {
      type: 'PostPublishFailed',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        round,
        platforms: pending.map((p) => p.platform).sort((a, b) => platformOrder(post, a) - platformOrder(post, b)),
        failedPlatforms: failures.map((f) => f.platform),
        failures,
        published,
        reason: failures.map((f) => `${f.platform}: ${f.reason}`).join('; '),
        attempts: Math.max(...failures.map((f) => f.attempts)),
        failedAt: at,
      },
    },
  ];
}

function platformOrder(post: Post, platform: Platform): number {
  const i = post.variants.findIndex((variant) => variant.platform === platform);
  return i === -1 ? Number.MAX_SAFE_INTEGER : i;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function archive(command: ArchivePost, state: PostState): PostEvent[] {
  requireRole(command.type, command.actor, WRITERS);
  const post = requirePost(state);
  requireStatus(command.type, post, ['draft', 'in_review', 'approved', 'scheduled', 'published', 'failed']);
  const v = new Violations();
  const reason = normalizeOptionalReason(command.reason, v, 'reason');
  v.throwIfAny();
  return [
    {
      type: 'PostArchived',
      data: {
        postId: post.postId,
        campaignId: post.campaignId,
        previousStatus: post.status as Exclude<PostStatus, 'archived' | 'publishing'>,
        mediaAssetIds: [...post.mediaAssetIds],
        reason,
        archivedBy: command.actor.id,
        archivedAt: command.now.toISOString(),
      },
    },
  ];
}

export function decidePost(command: PostCommand, state: PostState): PostEvent[] {
  switch (command.type) {
    case 'DraftPost':
      return draft(command, state);
    case 'EditPost':
      return edit(command, state);
    case 'AttachMedia':
      return attachMedia(command, state);
    case 'DetachMedia':
      return detachMedia(command, state);
    case 'SubmitPostForReview':
      return submit(command, state);
    case 'ApprovePost':
      return approve(command, state);
    case 'RejectPost':
      return reject(command, state);
    case 'SchedulePost':
      return schedule(command, state);
    case 'UnschedulePost':
      return unschedule(command, state);
    case 'StartPublishing':
      return startPublishing(command, state);
    case 'CompletePublishing':
      return completePublishing(command, state);
    case 'ArchivePost':
      return archive(command, state);
    default:
      throw DomainValidationError.single('type', `unknown command ${String((command as { type?: unknown }).type)}`);
  }
}

export const postDecider: Decider<PostState, PostCommand, PostEvent> = {
  decide: decidePost,
  evolve: evolvePost,
  initialState: initialPostState,
};

