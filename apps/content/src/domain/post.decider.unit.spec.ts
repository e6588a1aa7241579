import type { Platform, PostContentData, PostStatus, PostVariantData } from '@lib/contracts';
import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { DomainValidationError, InvalidTransitionError, NotFoundError } from '@lib/domain';
import { RoleForbiddenError } from './errors';
import type { PostCommand } from './post.commands';
import { postDecider } from './post.decider';
import type { PostEvent } from './post.events';
import type { Post } from './post.state';

const spec = deciderSpec(postDecider);

// ---- fixtures ----------------------------------------------------------------------------

const postId = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';
const campaignId = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const otherCampaignId = '0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d';
const asset = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const editor: Actor = { id: 'user-editor', role: 'editor' };
const admin: Actor = { id: 'user-admin', role: 'admin' };
const owner: Actor = { id: 'user-owner', role: 'owner' };
const viewer: Actor = { id: 'user-viewer', role: 'viewer' };
const publisher: Actor = { id: 'worker-publisher', role: 'system' };
const scheduler: Actor = { id: 'worker-scheduler', role: 'system' };

const t = (minutes: number): Date => new Date(Date.UTC(2030, 0, 1, 9, minutes));
const iso = (minutes: number): string => t(minutes).toISOString();
const DRAFTED = 0;
const SUBMITTED = 1;
const APPROVED = 2;
const SCHEDULING = 3;
const DUE = 60;

const content: PostContentData = {
  title: 'Spring launch',
  body: 'We are live!',
  hashtags: ['launch', 'Spring'],
  variants: [
    { platform: 'x', body: null, hashtags: null },
    { platform: 'linkedin', body: 'We are live, and here is the longer story for LinkedIn.', hashtags: ['news'] },
  ],
  campaignId,
  templateId: null,
  pillar: 'Product',
  series: null,
};

const drafted = (over: Partial<PostContentData> = {}, authorId = editor.id): PostEvent => ({
  type: 'PostDrafted',
  data: { postId, authorId, ...content, ...over, draftedAt: iso(DRAFTED) },
});
const attached = (assetId: string, position: number, cid: string | null = campaignId): PostEvent => ({
  type: 'PostMediaAttached',
  data: { postId, campaignId: cid, assetId, position, attachedBy: editor.id, attachedAt: iso(DRAFTED) },
});
const submitted = (platforms: Platform[] = ['x', 'linkedin']): PostEvent => ({
  type: 'PostSubmittedForReview',
  data: { postId, campaignId, platforms, submittedBy: editor.id, submittedAt: iso(SUBMITTED) },
});
const approved = (by: Actor = admin): PostEvent => ({
  type: 'PostApproved',
  data: { postId, campaignId, approvedBy: by.id, approverRole: by.role, comment: null, approvedAt: iso(APPROVED) },
});
const scheduled = (
  fromStatus: 'approved' | 'failed' | 'scheduled' = 'approved',
  platforms: Platform[] = ['x', 'linkedin'],
  scheduledAt = iso(DUE),
  previousScheduledAt: string | null = null,
): PostEvent => ({
  type: 'PostScheduled',
  data: { postId, campaignId, platforms, scheduledAt, timeZone: 'Europe/Berlin', fromStatus, previousScheduledAt, scheduledBy: editor.id },
});
const key = (platform: Platform): string => `${postId}:${platform}`;
const X_TEXT = 'We are live!\n\n#launch #Spring';
const LINKEDIN_TEXT = 'We are live, and here is the longer story for LinkedIn.\n\n#news';
const started = (round: number, platforms: Platform[], alreadyPublished: Platform[] = [], trigger: 'manual' | 'schedule' = 'schedule', at = DUE): PostEvent => ({
  type: 'PostPublishingStarted',
  data: {
    postId,
    campaignId,
    round,
    trigger,
    publications: platforms.map((platform) => ({
      platform,
      idempotencyKey: key(platform),
      text: platform === 'x' ? X_TEXT : LINKEDIN_TEXT,
      mediaAssetIds: [asset(1)],
    })),
    alreadyPublished,
    startedBy: trigger === 'schedule' ? scheduler.id : editor.id,
    startedAt: iso(at),
  },
});
const publication = (platform: Platform, round = 1) => ({
  platform,
  idempotencyKey: key(platform),
  externalId: `${platform}-ext-1`,
  url: `https://${platform}.example/p/1`,
  publishedAt: iso(DUE + round),
  round,
});
const failedRound1: PostEvent = {
  type: 'PostPublishFailed',
  data: {
    postId,
    campaignId,
    round: 1,
    platforms: ['x', 'linkedin'],
    failedPlatforms: ['linkedin'],
    failures: [{ platform: 'linkedin', idempotencyKey: key('linkedin'), reason: 'token expired', attempts: 5 }],
    published: [publication('x')],
    reason: 'linkedin: token expired',
    attempts: 5,
    failedAt: iso(DUE + 10),
  },
};
const allFailedRound1: PostEvent = {
  type: 'PostPublishFailed',
  data: {
    postId,
    campaignId,
    round: 1,
    platforms: ['x', 'linkedin'],
    failedPlatforms: ['x', 'linkedin'],
    failures: [
      { platform: 'x', idempotencyKey: key('x'), reason: 'rate limited', attempts: 3 },
      { platform: 'linkedin', idempotencyKey: key('linkedin'), reason: 'token expired', attempts: 5 },
    ],
    published: [],
    reason: 'x: rate limited; linkedin: token expired',
    attempts: 5,
    failedAt: iso(DUE + 10),
  },
};
const publishedEvent: PostEvent = {
  type: 'PostPublished',
  data: { postId, campaignId, platforms: ['x', 'linkedin'], publications: [publication('x'), publication('linkedin')], round: 1, publishedAt: iso(DUE + 10) },
};

const history = {
  draft: [drafted(), attached(asset(1), 0)],
  get in_review() { return [...this.draft, submitted()]; },
  get approved() { return [...this.in_review, approved()]; },
  get scheduled() { return [...this.approved, scheduled()]; },
  get publishing() { return [...this.scheduled, started(1, ['x', 'linkedin'])]; },
  get published() { return [...this.publishing, publishedEvent]; },
  get failed() { return [...this.publishing, failedRound1]; },
  get archived(): PostEvent[] {
    return [...this.draft, { type: 'PostArchived', data: { postId, campaignId, previousStatus: 'draft', mediaAssetIds: [asset(1)], reason: null, archivedBy: editor.id, archivedAt: iso(5) } }];
  },
} satisfies Record<PostStatus, PostEvent[]>;

const ALL_STATUSES: PostStatus[] = ['draft', 'in_review', 'approved', 'scheduled', 'publishing', 'published', 'failed', 'archived'];
const except = (...allowed: PostStatus[]): PostStatus[] => ALL_STATUSES.filter((s) => !allowed.includes(s));

type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> & { now?: Date } : never;
const cmd = (command: WithoutNow<PostCommand>): PostCommand => ({ now: t(5), ...command }) as PostCommand;
const draftPost = (over: Record<string, unknown> = {}): PostCommand =>
  cmd({ type: 'DraftPost', actor: editor, now: t(DRAFTED), postId, title: 'Spring launch', ...over } as never);
const edit = (changes: Record<string, unknown>, actor: Actor = editor): PostCommand => cmd({ type: 'EditPost', actor, changes } as never);
const attach = (assetId: string, actor: Actor = editor): PostCommand => cmd({ type: 'AttachMedia', actor, assetId });
const detach = (assetId: string, actor: Actor = editor): PostCommand => cmd({ type: 'DetachMedia', actor, assetId });
const submit = (actor: Actor = editor): PostCommand => cmd({ type: 'SubmitPostForReview', actor, now: t(SUBMITTED) });
const approve = (actor: Actor = admin, comment?: string): PostCommand => cmd({ type: 'ApprovePost', actor, comment, now: t(APPROVED) });
const reject = (reason: string, actor: Actor = admin): PostCommand => cmd({ type: 'RejectPost', actor, reason, now: t(4) });
const schedule = (scheduledAt = iso(DUE), timeZone = 'Europe/Berlin', now = t(SCHEDULING), actor: Actor = editor): PostCommand =>
  cmd({ type: 'SchedulePost', actor, scheduledAt, timeZone, now });
const unschedule = (actor: Actor = editor): PostCommand => cmd({ type: 'UnschedulePost', actor, now: t(4) });
const publishNow = (actor: Actor = editor, now = t(DUE)): PostCommand => cmd({ type: 'StartPublishing', actor, trigger: 'manual', now });
const publishDue = (now = t(DUE), actor: Actor = scheduler): PostCommand => cmd({ type: 'StartPublishing', actor, trigger: 'schedule', now });
const ok = (platform: Platform, round = 1) => ({
  platform,
  outcome: 'published' as const,
  externalId: `${platform}-ext-1`,
  url: `https://${platform}.example/p/1`,
  publishedAt: iso(DUE + round),
});
const fail = (platform: Platform, reason: string, attempts: number) => ({ platform, outcome: 'failed' as const, reason, attempts });
const complete = (results: unknown[], actor: Actor = publisher, now = t(DUE + 10)): PostCommand =>
  cmd({ type: 'CompletePublishing', actor, results, now } as never);
const archive = (actor: Actor = editor, reason?: string): PostCommand => cmd({ type: 'ArchivePost', actor, reason, now: t(5) });

const violationsOf = (error: DomainValidationError): string[] => error.violations.map((v) => v.field);

// ---- DraftPost ---------------------------------------------------------------------------

describe('DraftPost', () => {
  it('given no post, when drafted, then PostDrafted with normalised content and one PostMediaAttached per asset', () => {
    spec
      .given([])
      .when(
        draftPost({
          title: '  Spring launch  ',
          body: 'We are live!',
          hashtags: ['#launch', 'Spring', '#LAUNCH'],
          variants: [{ platform: 'x' }, { platform: 'linkedin', body: 'We are live, and here is the longer story for LinkedIn.', hashtags: ['#news'] }],
          mediaAssetIds: [asset(1), asset(2), asset(1).toUpperCase()],
          campaignId: campaignId.toUpperCase(),
          pillar: ' Product ',
        }),
      )
      .then([drafted(), attached(asset(1), 0), attached(asset(2), 1)]);
  });

  it('given no post, when drafted with a title only, then the rest defaults to empty', () => {
    spec
      .given([])
      .when(draftPost())
      .then([
        {
          type: 'PostDrafted',
          data: {
            postId,
            authorId: editor.id,
            title: 'Spring launch',
            body: '',
            hashtags: [],
            variants: [],
            campaignId: null,
            templateId: null,
            pillar: null,
            series: null,
            draftedAt: iso(DRAFTED),
          },
        },
      ]);
  });

  it('given a post, when drafted again, then InvalidTransitionError', () => {
    spec.given(history.draft).when(draftPost()).thenThrows(InvalidTransitionError, { code: 'invalid_transition', status: 'draft' });
  });

  it('refuses a viewer', () => {
    spec.given([]).when(draftPost({ actor: viewer })).thenThrows(RoleForbiddenError, { code: 'forbidden', role: 'viewer' });
  });

  it('reports every broken rule at once', () => {
    const error = spec
      .given([])
      .when(
        draftPost({
          postId: 'not-a-uuid',
          title: '   ',
          hashtags: ['ok', 'not-ok', 42],
          variants: [{ platform: 'x' }, { platform: 'x' }, { platform: 'myspace' }],
          mediaAssetIds: ['nope'],
          campaignId: 'c1',
          templateId: 'tpl',
          pillar: '  ',
          series: 7,
        }),
      )
      .thenThrows(DomainValidationError, { code: 'validation_failed' });
    expect(violationsOf(error)).toEqual([
      'postId',
      'title',
      'hashtags.1',
      'hashtags.2',
      'variants.1.platform',
      'variants.2.platform',
      'campaignId',
      'templateId',
      'pillar',
      'series',
      'mediaAssetIds.0',
    ]);
  });

  it('title: 1..200 characters after trimming', () => {
    spec.given([]).when(draftPost({ title: 'a'.repeat(200) })).run();
    const error = spec.given([]).when(draftPost({ title: 'a'.repeat(201) })).thenThrows(DomainValidationError);
    expect(error.violations).toEqual([{ field: 'title', message: 'must be at most 200 characters' }]);
  });

  it('body: at most 63206 characters', () => {
    spec.given([]).when(draftPost({ body: 'a'.repeat(63206), variants: [{ platform: 'facebook' }] })).run();
    const error = spec.given([]).when(draftPost({ body: 'a'.repeat(63207) })).thenThrows(DomainValidationError);
    expect(violationsOf(error)).toEqual(['body']);
  });

  it('hashtags: letters and digits of any script, at most 30 distinct', () => {
    const [event] = spec.given([]).when(draftPost({ hashtags: ['#café', '東京', 'x_2030'] })).run().events;
    expect(event.type === 'PostDrafted' && event.data.hashtags).toEqual(['café', '東京', 'x_2030']);
    const thirty = Array.from({ length: 30 }, (_, i) => `tag${i}`);
    spec.given([]).when(draftPost({ hashtags: [...thirty, '#TAG0'] })).run();
    const error = spec.given([]).when(draftPost({ hashtags: [...thirty, 'tag30'] })).thenThrows(DomainValidationError);
    expect(error.violations).toEqual([{ field: 'hashtags', message: 'at most 30 hashtags, got 31' }]);
    expect(violationsOf(spec.given([]).when(draftPost({ hashtags: ['foo-bar', '#', '##x'] })).thenThrows(DomainValidationError))).toEqual([
      'hashtags.0',
      'hashtags.1',
      'hashtags.2',
    ]);
  });

  it("a platform's text (body and hashtags) must fit its limit, counted in code points", () => {
    const tooLong = spec.given([]).when(draftPost({ body: 'a'.repeat(281), variants: [{ platform: 'x' }] })).thenThrows(DomainValidationError);
    expect(tooLong.violations).toEqual([
      { field: 'body', message: 'x takes at most 280 characters (body and hashtags), got 281; give the x variant its own body' },
    ]);
    // 270 + "\n\n" + "#abcdefgh" (9) = 281
    const withTags = spec.given([]).when(draftPost({ body: 'a'.repeat(270), hashtags: ['abcdefgh'], variants: [{ platform: 'x' }] })).thenThrows(DomainValidationError);
    expect(withTags.violations[0].message).toContain('got 281');
    // an override fits X while the post body stays long for LinkedIn
    spec.given([]).when(draftPost({ body: 'a'.repeat(2000), variants: [{ platform: 'linkedin' }, { platform: 'x', body: 'short', hashtags: [] }] })).run();
    // 280 emoji are 280 characters (560 UTF-16 units)
    spec.given([]).when(draftPost({ body: '🚀'.repeat(280), variants: [{ platform: 'x' }] })).run();
    const override = spec.given([]).when(draftPost({ variants: [{ platform: 'threads', body: 'b'.repeat(501) }] })).thenThrows(DomainValidationError);
    expect(violationsOf(override)).toEqual(['variants.0.body']);
  });

  it('media: at most 10 per post, fewer where a platform is stricter (x: 4)', () => {
    const ten = Array.from({ length: 10 }, (_, i) => asset(i + 1));
    expect(spec.given([]).when(draftPost({ mediaAssetIds: ten })).run().events).toHaveLength(11);
    const eleven = spec.given([]).when(draftPost({ mediaAssetIds: [...ten, asset(11)] })).thenThrows(DomainValidationError);
    expect(eleven.violations).toEqual([{ field: 'mediaAssetIds', message: 'at most 10 media, the post would have 11' }]);
    const forX = spec.given([]).when(draftPost({ variants: [{ platform: 'x' }], mediaAssetIds: ten.slice(0, 5) })).thenThrows(DomainValidationError);
    expect(forX.violations).toEqual([{ field: 'mediaAssetIds', message: 'at most 4 media (x), the post would have 5' }]);
  });
});

// ---- EditPost ----------------------------------------------------------------------------

describe('EditPost', () => {
  it('given a draft, when edited, then PostEdited with the whole content and what changed', () => {
    spec
      .given(history.draft)
      .when(edit({ title: 'Spring launch, day one', campaignId: otherCampaignId, pillar: null, hashtags: ['launch', 'Spring'] }))
      .then([
        {
          type: 'PostEdited',
          data: {
            postId,
            ...content,
            title: 'Spring launch, day one',
            campaignId: otherCampaignId,
            pillar: null,
            changedFields: ['title', 'campaignId', 'pillar'],
            previousCampaignId: campaignId,
            editedBy: editor.id,
            editedAt: iso(5),
          },
        },
      ]);
  });

  it('given a draft, when the variants are replaced, then the targeted platforms change', () => {
    const { state } = spec.given(history.draft).when(edit({ variants: [{ platform: 'instagram', hashtags: [] }] })).run();
    expect((state as Post).variants).toEqual<PostVariantData[]>([{ platform: 'instagram', body: null, hashtags: [] }]);
  });

  it('given a draft, when an edit changes nothing (after normalisation), then nothing happens', () => {
    spec.given(history.draft).when(edit({})).thenNothingHappened();
    // undefined leaves a field as it is (DTO instances carry undefined properties); only null clears
    spec.given(history.draft).when(edit({ title: undefined, campaignId: undefined, pillar: undefined })).thenNothingHappened();
    spec.given(history.draft).when(edit({ title: ' Spring launch ', hashtags: ['#launch', '#Spring'], campaignId: campaignId.toUpperCase() })).thenNothingHappened();
  });

  it.each(except('draft'))('given a post %s, when edited, then InvalidTransitionError (content changes only in draft)', (status) => {
    spec.given(history[status]).when(edit({ title: 'New' })).thenThrows(InvalidTransitionError, { status, allowed: ['draft'] });
  });

  it('refuses fields that are not content', () => {
    const error = spec.given(history.draft).when(edit({ status: 'published', authorId: 'me' })).thenThrows(DomainValidationError);
    expect(violationsOf(error)).toEqual(['status', 'authorId']);
  });

  it('refuses a change of platforms that the attached media no longer fit (youtube: 1)', () => {
    const error = spec
      .given([...history.draft, attached(asset(2), 1)])
      .when(edit({ variants: [{ platform: 'youtube' }] }))
      .thenThrows(DomainValidationError);
    expect(error.violations).toEqual([{ field: 'mediaAssetIds', message: 'at most 1 media (youtube), the post would have 2' }]);
  });

  it('refuses a body that no longer fits a platform', () => {
    spec.given(history.draft).when(edit({ body: 'a'.repeat(300) })).thenThrows(DomainValidationError, { violations: [expect.objectContaining({ field: 'body' })] });
  });

  it('given no post, then NotFoundError; a viewer, then ForbiddenError', () => {
    spec.given([]).when(edit({ title: 'x' })).thenThrows(NotFoundError, { code: 'not_found' });
    spec.given(history.draft).when(edit({ title: 'x' }, viewer)).thenThrows(RoleForbiddenError);
  });
});

// ---- media -------------------------------------------------------------------------------

describe('AttachMedia / DetachMedia', () => {
  it('given a draft, when an asset is attached, then PostMediaAttached at the next position', () => {
    spec
      .given(history.draft)
      .when(attach(asset(2)))
      .then([{ type: 'PostMediaAttached', data: { postId, campaignId, assetId: asset(2), position: 1, attachedBy: editor.id, attachedAt: iso(5) } }]);
  });

  it('attaching an attached asset is a no-op (ids compared in lower case)', () => {
    spec.given(history.draft).when(attach(asset(1))).thenNothingHappened();
    spec.given(history.draft).when(attach(asset(1).toUpperCase())).thenNothingHappened();
  });

  it('given a draft, when an attached asset is detached, then PostMediaDetached', () => {
    const state = spec
      .given(history.draft)
      .when(detach(asset(1)))
      .then([{ type: 'PostMediaDetached', data: { postId, campaignId, assetId: asset(1), detachedBy: editor.id, detachedAt: iso(5) } }]);
    expect((state as Post).mediaAssetIds).toEqual([]);
  });

  it('detaching an asset that is not attached is a no-op', () => {
    spec.given(history.draft).when(detach(asset(9))).thenNothingHappened();
  });

  it('refuses the 5th media on a post for x and the 11th on any post', () => {
    const four = [attached(asset(2), 1), attached(asset(3), 2), attached(asset(4), 3)];
    spec.given([...history.draft, ...four]).when(attach(asset(5))).thenThrows(DomainValidationError, { violations: [{ field: 'mediaAssetIds', message: 'at most 4 media (x), the post would have 5' }] });
    const facebookOnly = drafted({ variants: [{ platform: 'facebook', body: null, hashtags: null }] });
    const ten = Array.from({ length: 10 }, (_, i) => attached(asset(i + 1), i));
    spec.given([facebookOnly, ...ten]).when(attach(asset(11))).thenThrows(DomainValidationError, { violations: [{ field: 'mediaAssetIds', message: 'at most 10 media, the post would have 11' }] });
  });

  it('refuses an asset id that is not a uuid', () => {
    spec.given(history.draft).when(attach('file.png')).thenThrows(DomainValidationError, { violations: [{ field: 'assetId', message: 'must be a uuid' }] });
  });

  it.each(except('draft'))('given a post %s, when media is attached or detached, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(attach(asset(2))).thenThrows(InvalidTransitionError, { status });
    spec.given(history[status]).when(detach(asset(1))).thenThrows(InvalidTransitionError, { status });
  });

  it('refuses a viewer, and a missing post', () => {
    spec.given(history.draft).when(attach(asset(2), viewer)).thenThrows(RoleForbiddenError);
    spec.given([]).when(detach(asset(2))).thenThrows(NotFoundError);
  });
});

// ---- review ------------------------------------------------------------------------------

describe('SubmitPostForReview', () => {
  it('given a draft, when submitted, then PostSubmittedForReview with its platforms', () => {
    spec.given(history.draft).when(submit()).then([submitted()]);
  });

  it('refuses a post without a platform', () => {
    spec.given([drafted({ variants: [] })]).when(submit()).thenThrows(DomainValidationError, {
      violations: [{ field: 'variants', message: 'target at least one platform before submitting' }],
    });
  });

  it('refuses a platform that needs media when none is attached (instagram, tiktok, youtube, pinterest)', () => {
    const error = spec
      .given([drafted({ variants: (['instagram', 'tiktok', 'youtube', 'pinterest', 'facebook'] as Platform[]).map((platform) => ({ platform, body: null, hashtags: null })) })])
      .when(submit())
      .thenThrows(DomainValidationError);
    expect(violationsOf(error)).toEqual(['variants.0.platform', 'variants.1.platform', 'variants.2.platform', 'variants.3.platform']);
  });

  it('refuses a platform with nothing to publish (no text, no media)', () => {
    spec.given([drafted({ body: '', hashtags: [], variants: [{ platform: 'threads', body: null, hashtags: null }] })]).when(submit()).thenThrows(DomainValidationError, {
      violations: [{ field: 'variants.0.body', message: 'nothing to publish on threads: no text and no media' }],
    });
    // media alone is enough
    spec.given([drafted({ body: '', hashtags: [], variants: [{ platform: 'threads', body: null, hashtags: null }] }), attached(asset(1), 0)]).when(submit()).run();
  });

  it.each(except('draft'))('given a post %s, when submitted, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(submit()).thenThrows(InvalidTransitionError, { status });
  });

  it('refuses a viewer', () => {
    spec.given(history.draft).when(submit(viewer)).thenThrows(RoleForbiddenError);
  });
});

describe('ApprovePost', () => {
  it.each([admin, owner])('given a post in review, when $role approves, then PostApproved', (actor) => {
    spec.given(history.in_review).when(approve(actor)).then([approved(actor)]);
  });

  it('records the comment', () => {
    const [event] = spec.given(history.in_review).when(approve(admin, ' Looks good ')).run().events;
    expect(event).toMatchObject({ type: 'PostApproved', data: { comment: 'Looks good' } });
  });

  it.each([editor, viewer, publisher])('refuses $role: approvals need admin or owner', (actor) => {
    spec.given(history.in_review).when(approve(actor)).thenThrows(RoleForbiddenError, { allowedRoles: ['owner', 'admin'] });
  });

  it('lets an admin approve a post they wrote (no four-eyes rule in the seeds)', () => {
    const state = spec.given([drafted({}, admin.id), attached(asset(1), 0), submitted()]).when(approve(admin)).then([approved(admin)]);
    expect(state).toMatchObject({ status: 'approved', authorId: admin.id, approval: { approvedBy: admin.id } });
  });

  it.each(except('in_review'))('given a post %s, when approved, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(approve()).thenThrows(InvalidTransitionError, { status, allowed: ['in_review'] });
  });
});

describe('RejectPost', () => {
  it('given a post in review, when rejected, then PostRejected and back to draft, where it can be edited', () => {
    const state = spec
      .given(history.in_review)
      .when(reject('  Wrong product name  '))
      .then([{ type: 'PostRejected', data: { postId, campaignId, fromStatus: 'in_review', reason: 'Wrong product name', rejectedBy: admin.id, rejectedAt: iso(4) } }]);
    expect(state).toMatchObject({ status: 'draft', lastRejection: { reason: 'Wrong product name' } });
    const rejected = spec.given(history.in_review).when(reject('Wrong product name')).run().events;
    spec.given([...history.in_review, ...rejected]).when(edit({ title: 'Fixed' })).run();
  });

  it('given an approved post, when rejected, then the approval is withdrawn and it is a draft again', () => {
    const state = spec
      .given(history.approved)
      .when(reject('Legal wants changes', owner))
      .then([{ type: 'PostRejected', data: { postId, campaignId, fromStatus: 'approved', reason: 'Legal wants changes', rejectedBy: owner.id, rejectedAt: iso(4) } }]);
    expect(state).toMatchObject({ status: 'draft', approval: null });
  });

  it('refuses without a reason', () => {
    spec.given(history.in_review).when(reject('   ')).thenThrows(DomainValidationError, { violations: [{ field: 'reason', message: 'is required' }] });
  });

  it.each([editor, viewer])('refuses $role', (actor) => {
    spec.given(history.in_review).when(reject('no', actor)).thenThrows(RoleForbiddenError);
  });

  it.each(except('in_review', 'approved'))('given a post %s, when rejected, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(reject('no')).thenThrows(InvalidTransitionError, { status });
  });

  it('refuses to send a partly published post back to draft: its content is frozen', () => {
    const failedThenApproved = [...history.failed, scheduled('failed', ['linkedin'], iso(DUE + 60)), { type: 'PostUnscheduled', data: { postId, campaignId, previousScheduledAt: iso(DUE + 60), unscheduledBy: editor.id, unscheduledAt: iso(DUE + 20) } } as PostEvent];
    expect(spec.given(failedThenApproved).state().status).toBe('approved');
    spec.given(failedThenApproved).when(reject('change it')).thenThrows(InvalidTransitionError, { message: expect.stringContaining('already published on x') });
  });
});

// ---- scheduling --------------------------------------------------------------------------

describe('SchedulePost', () => {
  it('given an approved post, when scheduled, then PostScheduled in UTC with the canonical time zone', () => {
    spec
      .given(history.approved)
      .when(schedule('2030-01-01T11:00:00+01:00', 'europe/berlin'))
      .then([scheduled('approved', ['x', 'linkedin'], '2030-01-01T10:00:00.000Z')]);
  });

  it('refuses an instant that is not in the future', () => {
    spec.given(history.approved).when(schedule(iso(SCHEDULING))).thenThrows(DomainValidationError, {
      violations: [{ field: 'scheduledAt', message: `must be in the future (now is ${iso(SCHEDULING)})` }],
    });
    spec.given(history.approved).when(schedule('2029-12-31T23:00:00Z')).thenThrows(DomainValidationError);
  });

  it('refuses an instant without an offset, and a time zone that is not IANA', () => {
    const error = spec.given(history.approved).when(schedule('2030-01-01T11:00:00', 'Mars/Olympus_Mons')).thenThrows(DomainValidationError);
    expect(violationsOf(error)).toEqual(['scheduledAt', 'timeZone']);
    spec.given(history.approved).when(schedule(iso(DUE), '+01:00')).thenThrows(DomainValidationError, { violations: [expect.objectContaining({ field: 'timeZone' })] });
    spec.given(history.approved).when(schedule(iso(DUE), 'UTC')).run();
  });

  it.each(['2030-02-30T10:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T10:60:00Z', '2030-01-01T10:00:00+19:00', '1 Jan 2030 10:00 GMT', 1893492000000])(
    'refuses %p: not a real instant in ISO-8601',
    (scheduledAt) => {
      spec.given(history.approved).when(schedule(scheduledAt as string)).thenThrows(DomainValidationError, { violations: [expect.objectContaining({ field: 'scheduledAt' })] });
    },
  );

  it.each([
    ['2030-01-01T11:00+01:00', '2030-01-01T10:00:00.000Z'],
    ['2030-01-01T04:30:00.123456-05:30', '2030-01-01T10:00:00.123Z'],
    ['2030-01-01t10:00:00z', '2030-01-01T10:00:00.000Z'],
  ])('normalises %s to %s', (given, expected) => {
    const [event] = spec.given(history.approved).when(schedule(given)).run().events;
    expect(event).toMatchObject({ type: 'PostScheduled', data: { scheduledAt: expected } });
  });

  it('given a scheduled post, when scheduled for another time, then PostScheduled with the previous time', () => {
    spec
      .given(history.scheduled)
      .when(schedule(iso(DUE + 30)))
      .then([scheduled('scheduled', ['x', 'linkedin'], iso(DUE + 30), iso(DUE))]);
  });

  it('given a scheduled post, when scheduled again for the same time and zone, then nothing happens', () => {
    spec.given(history.scheduled).when(schedule(iso(DUE), 'Europe/Berlin')).thenNothingHappened();
  });

  it('given a failed post, when scheduled (a retry), then only the unpublished platforms are scheduled', () => {
    spec
      .given(history.failed)
      .when(schedule(iso(DUE + 60), 'Europe/Berlin', t(DUE + 20)))
      .then([scheduled('failed', ['linkedin'], iso(DUE + 60))]);
  });

  it.each(except('approved', 'scheduled', 'failed'))('given a post %s, when scheduled, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(schedule()).thenThrows(InvalidTransitionError, { status, allowed: ['approved', 'failed', 'scheduled'] });
  });

  it('refuses a viewer', () => {
    spec.given(history.approved).when(schedule(iso(DUE), 'UTC', t(SCHEDULING), viewer)).thenThrows(RoleForbiddenError);
  });
});

describe('UnschedulePost', () => {
  it('given a scheduled post, when unscheduled, then PostUnscheduled and approved again', () => {
    const state = spec
      .given(history.scheduled)
      .when(unschedule())
      .then([{ type: 'PostUnscheduled', data: { postId, campaignId, previousScheduledAt: iso(DUE), unscheduledBy: editor.id, unscheduledAt: iso(4) } }]);
    expect(state).toMatchObject({ status: 'approved', schedule: null });
  });

  it.each(except('scheduled'))('given a post %s, when unscheduled, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(unschedule()).thenThrows(InvalidTransitionError, { status });
  });

  it('refuses a viewer', () => {
    spec.given(history.scheduled).when(unschedule(viewer)).thenThrows(RoleForbiddenError);
  });
});

// ---- publishing --------------------------------------------------------------------------

describe('StartPublishing', () => {
  it('given an approved post, when published now, then one publication per platform with an idempotency key of (post, platform)', () => {
    spec.given(history.approved).when(publishNow()).then([started(1, ['x', 'linkedin'], [], 'manual')]);
  });

  it('the publications carry the rendered text of each platform and the media', () => {
    const [event] = spec.given(history.approved).when(publishNow()).run().events;
    if (event.type !== 'PostPublishingStarted') throw new Error(event.type);
    expect(event.data.publications).toEqual([
      { platform: 'x', idempotencyKey: `${postId}:x`, text: 'We are live!\n\n#launch #Spring', mediaAssetIds: [asset(1)] },
      { platform: 'linkedin', idempotencyKey: `${postId}:linkedin`, text: 'We are live, and here is the longer story for LinkedIn.\n\n#news', mediaAssetIds: [asset(1)] },
    ]);
  });

  it('given a scheduled post, when published now by an editor, then it starts ahead of time', () => {
    spec.given(history.scheduled).when(publishNow(editor, t(10))).then([started(1, ['x', 'linkedin'], [], 'manual', 10)]);
  });

  it('given a scheduled post that is due, when the scheduler triggers it, then publishing starts', () => {
    spec.given(history.scheduled).when(publishDue(t(DUE))).then([started(1, ['x', 'linkedin'], [], 'schedule')]);
  });

  it('given a scheduled post that is not due yet, when the scheduler triggers it, then InvalidTransitionError', () => {
    spec.given(history.scheduled).when(publishDue(t(DUE - 1))).thenThrows(InvalidTransitionError, { message: expect.stringContaining(`not due until ${iso(DUE)}`) });
  });

  it('the scheduler only publishes scheduled posts, and only a system actor triggers by schedule', () => {
    spec.given(history.approved).when(publishDue()).thenThrows(InvalidTransitionError, { status: 'approved', allowed: ['scheduled'] });
    spec.given(history.scheduled).when(publishDue(t(DUE), editor)).thenThrows(RoleForbiddenError, { allowedRoles: ['system'] });
  });

  it('given a partly failed post, when retried, then only the platforms not yet published are targeted, under the same keys', () => {
    const state = spec.given(history.failed).when(publishNow(editor, t(DUE + 20))).then([started(2, ['linkedin'], ['x'], 'manual', DUE + 20)]);
    expect((state as Post).publications).toEqual([
      expect.objectContaining({ platform: 'x', status: 'published', round: 1, idempotencyKey: key('x') }),
      expect.objectContaining({ platform: 'linkedin', status: 'pending', round: 2, idempotencyKey: key('linkedin') }),
    ]);
  });

  it('given a failed post with a rescheduled retry, when due, then only the unpublished platforms are targeted', () => {
    spec
      .given([...history.failed, scheduled('failed', ['linkedin'], iso(DUE + 60))])
      .when(publishDue(t(DUE + 60)))
      .then([started(2, ['linkedin'], ['x'], 'schedule', DUE + 60)]);
  });

  it('given a post that failed on every platform, when retried, then every platform is targeted again in round 2', () => {
    spec.given([...history.publishing, allFailedRound1]).when(publishNow(editor, t(DUE + 20))).then([started(2, ['x', 'linkedin'], [], 'manual', DUE + 20)]);
  });

  it.each(except('approved', 'scheduled', 'failed'))('given a post %s, when published now, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(publishNow()).thenThrows(InvalidTransitionError, { status, allowed: ['approved', 'scheduled', 'failed'] });
  });

  it('refuses a viewer; a system worker may publish now', () => {
    spec.given(history.approved).when(publishNow(viewer)).thenThrows(RoleForbiddenError);
    spec.given(history.approved).when(publishNow(publisher)).run();
  });

  it('refuses an unknown trigger', () => {
    spec.given(history.approved).when(cmd({ type: 'StartPublishing', actor: editor, trigger: 'cron' } as never)).thenThrows(DomainValidationError);
  });
});

describe('CompletePublishing', () => {
  it('given publishing, when every platform published, then PostPublished with each publication', () => {
    const state = spec.given(history.publishing).when(complete([ok('linkedin'), ok('x')])).then([publishedEvent]);
    expect(state).toMatchObject({ status: 'published', publishedAt: iso(DUE + 10) });
    expect((state as Post).publications.map((p) => [p.platform, p.status, p.externalId])).toEqual([
      ['x', 'published', 'x-ext-1'],
      ['linkedin', 'published', 'linkedin-ext-1'],
    ]);
  });

  it('given publishing, when a platform failed, then PostPublishFailed with reason and attempts, keeping what did publish', () => {
    const state = spec.given(history.publishing).when(complete([ok('x'), fail('linkedin', ' token expired ', 5)])).then([failedRound1]);
    expect(state).toMatchObject({ status: 'failed', lastFailure: { reason: 'linkedin: token expired', attempts: 5 } });
  });

  it('given publishing, when every platform failed, then PostPublishFailed naming each', () => {
    spec.given(history.publishing).when(complete([fail('x', 'rate limited', 3), fail('linkedin', 'token expired', 5)])).then([allFailedRound1]);
  });

  it('given a retry of the failed platform, when it publishes, then PostPublished lists both, the earlier one from round 1', () => {
    const retry = [...history.failed, started(2, ['linkedin'], ['x'], 'manual', DUE + 20)];
    spec
      .given(retry)
      .when(complete([ok('linkedin', 2)], publisher, t(DUE + 30)))
      .then([
        {
          type: 'PostPublished',
          data: { postId, campaignId, platforms: ['x', 'linkedin'], publications: [publication('x', 1), publication('linkedin', 2)], round: 2, publishedAt: iso(DUE + 30) },
        },
      ]);
  });

  it('never publishes twice to a platform: a result for a platform outside the round is refused', () => {
    const retry = [...history.failed, started(2, ['linkedin'], ['x'], 'manual', DUE + 20)];
    spec.given(retry).when(complete([ok('x', 2), ok('linkedin', 2)])).thenThrows(DomainValidationError, {
      violations: [{ field: 'results.0.platform', message: "must be one of this round's platforms: linkedin" }],
    });
  });

  it('needs exactly one result per platform of the round', () => {
    spec.given(history.publishing).when(complete([ok('x')])).thenThrows(DomainValidationError, { violations: [{ field: 'results', message: 'no result for linkedin' }] });
    const dup = spec.given(history.publishing).when(complete([ok('x'), ok('x'), ok('linkedin')])).thenThrows(DomainValidationError);
    expect(dup.violations).toEqual([{ field: 'results.1.platform', message: 'x reported more than once' }]);
    spec.given(history.publishing).when(complete('nope' as never)).thenThrows(DomainValidationError);
  });

  it('validates what the platforms answered', () => {
    const error = spec
      .given(history.publishing)
      .when(complete([{ ...ok('x'), externalId: ' ', url: 'ftp://x', publishedAt: 'yesterday' }, { ...fail('linkedin', '', 0) }]))
      .thenThrows(DomainValidationError);
    expect(violationsOf(error)).toEqual(['results.0.externalId', 'results.0.url', 'results.0.publishedAt', 'results.1.reason', 'results.1.attempts']);
    spec.given(history.publishing).when(complete([{ platform: 'x', outcome: 'maybe' }, ok('linkedin')])).thenThrows(DomainValidationError, {
      violations: [{ field: 'results.0.outcome', message: 'must be published or failed' }],
    });
    const noUrl = spec.given(history.publishing).when(complete([{ ...ok('x'), url: undefined }, ok('linkedin')])).run().events[0];
    expect(noUrl.type === 'PostPublished' && noUrl.data.publications[0].url).toBeNull();
  });

  it.each([editor, admin, owner])('refuses $role: only the publisher worker reports results', (actor) => {
    spec.given(history.publishing).when(complete([ok('x'), ok('linkedin')], actor)).thenThrows(RoleForbiddenError);
  });

  it.each(except('publishing'))('given a post %s, when completed, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(complete([ok('x'), ok('linkedin')])).thenThrows(InvalidTransitionError, { status, allowed: ['publishing'] });
  });
});

// ---- archive -----------------------------------------------------------------------------

describe('ArchivePost', () => {
  it.each(except('publishing', 'archived'))('given a post %s, when archived, then PostArchived with its media', (status) => {
    const state = spec
      .given(history[status])
      .when(archive(editor, 'Campaign cancelled'))
      .then([
        {
          type: 'PostArchived',
          data: { postId, campaignId, previousStatus: status as never, mediaAssetIds: [asset(1)], reason: 'Campaign cancelled', archivedBy: editor.id, archivedAt: iso(5) },
        },
      ]);
    expect(state).toMatchObject({ status: 'archived', archive: { previousStatus: status } });
  });

  it.each(['publishing', 'archived'] as const)('given a post %s, when archived, then InvalidTransitionError', (status) => {
    spec.given(history[status]).when(archive()).thenThrows(InvalidTransitionError, { status });
  });

  it('refuses a viewer, and a missing post', () => {
    spec.given(history.draft).when(archive(viewer)).thenThrows(RoleForbiddenError);
    spec.given([]).when(archive()).thenThrows(NotFoundError);
  });
});

// ---- the whole life ----------------------------------------------------------------------

describe('a post from draft to published', () => {
  it('folds into the expected state, one command at a time', () => {
    const steps: PostCommand[] = [
      draftPost({ ...content, variants: content.variants, mediaAssetIds: [asset(1)] }),
      submit(),
      approve(),
      schedule(),
      publishDue(),
      complete([ok('x'), fail('linkedin', 'token expired', 5)]),
      schedule(iso(DUE + 60), 'Europe/Berlin', t(DUE + 20)),
      publishDue(t(DUE + 60)),
      complete([ok('linkedin', 2)], publisher, t(DUE + 70)),
    ];
    const events: PostEvent[] = [];
    for (const step of steps) events.push(...spec.given(events).when(step).run().events);
    expect(events.map((e) => e.type)).toEqual([
      'PostDrafted',
      'PostMediaAttached',
      'PostSubmittedForReview',
      'PostApproved',
      'PostScheduled',
      'PostPublishingStarted',
      'PostPublishFailed',
      'PostScheduled',
      'PostPublishingStarted',
      'PostPublished',
    ]);
    const post = spec.given(events).state() as Post;
    expect(post).toMatchObject({ status: 'published', publishingRound: 2, publishedAt: iso(DUE + 70), mediaAssetIds: [asset(1)] });
    expect(post.publications).toEqual([
      { platform: 'x', idempotencyKey: key('x'), status: 'published', round: 1, externalId: 'x-ext-1', url: 'https://x.example/p/1', publishedAt: iso(DUE + 1), lastError: null, attempts: 0 },
      { platform: 'linkedin', idempotencyKey: key('linkedin'), status: 'published', round: 2, externalId: 'linkedin-ext-1', url: 'https://linkedin.example/p/1', publishedAt: iso(DUE + 2), lastError: null, attempts: 5 },
    ]);
    // every idempotency key ever handed to the publisher is unique per platform
    const keys = events.flatMap((e) => (e.type === 'PostPublishingStarted' ? e.data.publications.map((p) => p.idempotencyKey) : []));
    expect(keys).toEqual([key('x'), key('linkedin'), key('linkedin')]);
  });

  it('evolve ignores events before PostDrafted and a repeated attachment', () => {
    expect(postDecider.evolve(postDecider.initialState(), submitted())).toEqual({ status: 'none' });
    expect((spec.given([...history.draft, attached(asset(1), 0)]).state() as Post).mediaAssetIds).toEqual([asset(1)]);
  });

  it('refuses an unknown command', () => {
    spec.given(history.draft).when(cmd({ type: 'PublishEverywhere', actor: editor } as never)).thenThrows(DomainValidationError);
  });
});
