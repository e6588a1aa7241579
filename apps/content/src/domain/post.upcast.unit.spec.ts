import {
  CONTENT_EVENT_SCHEMA_VERSIONS,
  CONTENT_EVENT_TYPES,
  CONTENT_UPCASTERS,
  upcastPostDraftedV1ToV2,
  type PostDraftedData,
  type PostDraftedV1Data,
} from '@lib/contracts';
import { UpcasterRegistry } from '@lib/event-store';
import { deciderSpec } from '@lib/testing';
import type { Actor } from './actor';
import { postDecider } from './post.decider';
import type { PostEvent } from './post.events';
import type { Post } from './post.state';

const postId = '7d444840-9dc0-41af-8ab5-1e1e7b1c2f4a';
const v1: PostDraftedV1Data = {
  postId,
  authorId: 'user-1',
  title: 'Old post',
  text: 'Written before variants existed',
  platform: 'linkedin',
  hashtags: ['legacy'],
  campaignId: null,
  draftedAt: '2024-06-01T08:00:00.000Z',
};
const v2: PostDraftedData = {
  postId,
  authorId: 'user-1',
  title: 'Old post',
  body: 'Written before variants existed',
  hashtags: ['legacy'],
  variants: [{ platform: 'linkedin', body: null, hashtags: null }],
  campaignId: null,
  templateId: null,
  pillar: null,
  series: null,
  draftedAt: '2024-06-01T08:00:00.000Z',
};

describe('PostDrafted v1 -> v2', () => {
  it('turns text into body and the one platform into the one variant', () => {
    expect(upcastPostDraftedV1ToV2(v1)).toEqual(v2);
  });

  it('fills what v1 rows may lack', () => {
    const { hashtags: _h, campaignId: _c, ...bare } = v1;
    expect(upcastPostDraftedV1ToV2(bare)).toEqual({ ...v2, hashtags: [], campaignId: null });
  });

  it('keeps no variant for a platform v2 does not know, rather than an invalid one', () => {
    expect(upcastPostDraftedV1ToV2({ ...v1, platform: 'google_plus' as never }).variants).toEqual([]);
  });

  it('does not touch its input', () => {
    const input = structuredClone(v1);
    upcastPostDraftedV1ToV2(Object.freeze(input));
    expect(input).toEqual(v1);
  });

  it("is registered with the event store's registry, which reads v1 rows as v2", () => {
    const registry = new UpcasterRegistry(CONTENT_UPCASTERS);
    expect(registry.upcast('PostDrafted', 1, v1 as unknown as Record<string, unknown>)).toEqual({ schemaVersion: 2, data: v2 });
    expect(registry.upcast('PostDrafted', 2, v2 as unknown as Record<string, unknown>)).toEqual({ schemaVersion: 2, data: v2 });
  });

  it('agrees with CONTENT_EVENT_SCHEMA_VERSIONS on every event type', () => {
    const registry = new UpcasterRegistry(CONTENT_UPCASTERS);
    for (const type of CONTENT_EVENT_TYPES) expect([type, registry.currentVersion(type)]).toEqual([type, CONTENT_EVENT_SCHEMA_VERSIONS[type]]);
  });

  it('a v1 post lives on: upcast, folded, submitted and published under the usual idempotency key', () => {
    const spec = deciderSpec(postDecider);
    const history: PostEvent[] = [{ type: 'PostDrafted', data: new UpcasterRegistry(CONTENT_UPCASTERS).upcast('PostDrafted', 1, { ...v1 }).data as unknown as PostDraftedData }];
    const editor: Actor = { id: 'user-1', role: 'editor' };
    const owner: Actor = { id: 'user-2', role: 'owner' };
    const now = new Date('2030-01-01T00:00:00Z');
    for (const command of [
      { type: 'SubmitPostForReview', actor: editor, now },
      { type: 'ApprovePost', actor: owner, now },
      { type: 'StartPublishing', actor: editor, trigger: 'manual', now },
    ] as const) {
      history.push(...spec.given(history).when(command).run().events);
    }
    const post = spec.given(history).state() as Post;
    expect(post).toMatchObject({ status: 'publishing', body: 'Written before variants existed' });
    expect(post.publications.map((p) => p.idempotencyKey)).toEqual([`${postId}:linkedin`]);
  });
});
