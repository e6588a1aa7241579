import { isPlatform, type Platform } from './platforms';
import type { PostDraftedData } from './post-events';

/**
 * Same shape as the event store's upcaster records (`{ type, fromVersion, upcast }`): turns a
 * payload of `fromVersion` into `fromVersion + 1`. Typed here so contracts need no store.
 */
export interface ContentEventUpcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/**
 * PostDrafted v1, as written before posts had per-platform variants: one `text` and the one
 * `platform` it was for. Fields other than these may be missing in old rows.
 */
export interface PostDraftedV1Data {
  postId: string;
  authorId: string;
  title: string;
  text: string;
  platform: Platform;
  hashtags?: string[];
  campaignId?: string | null;
  draftedAt: string;
}

/**
 * v1 -> v2: `text` becomes `body`, the single `platform` becomes the one variant (no overrides:
 * v1 had a single text, which is the body), and the fields v2 added are null/empty.
 * A v1 row whose `platform` is not a known platform keeps no variant rather than an invalid one.
 */
export function upcastPostDraftedV1ToV2(v1: PostDraftedV1Data): PostDraftedData {
  return {
    postId: v1.postId,
    authorId: v1.authorId,
    title: v1.title,
    body: typeof v1.text === 'string' ? v1.text : '',
    hashtags: Array.isArray(v1.hashtags) ? [...v1.hashtags] : [],
    variants: isPlatform(v1.platform) ? [{ platform: v1.platform, body: null, hashtags: null }] : [],
    campaignId: v1.campaignId ?? null,
    templateId: null,
    pillar: null,
    series: null,
    draftedAt: v1.draftedAt,
  };
}

export const CONTENT_UPCASTERS: readonly ContentEventUpcaster[] = Object.freeze([
  {
    type: 'PostDrafted',
    fromVersion: 1,
    upcast: (data: Record<string, unknown>): Record<string, unknown> => ({
      ...upcastPostDraftedV1ToV2(data as unknown as PostDraftedV1Data),
    }),
  },
]);
