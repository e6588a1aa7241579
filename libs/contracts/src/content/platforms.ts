/**
 * The social platforms a post can target. The same list is the vocabulary of every service
 * that talks about platforms (analytics metrics, campaign channels).
 */
export const PLATFORMS = ['instagram', 'facebook', 'x', 'linkedin', 'tiktok', 'youtube', 'threads', 'pinterest'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PlatformRules {
  /**
   * Longest text the platform accepts for one post, counted in Unicode code points, the
   * rendered text being the body followed by the hashtags (see the content domain's
   * `renderPlatformText`).
   */
  readonly textLimit: number;
  /** Most media items one post may carry on this platform (never above `MAX_MEDIA_PER_POST`). */
  readonly maxMedia: number;
  /** The platform publishes no text-only posts (a photo or a video is required). */
  readonly requiresMedia: boolean;
}

/** Hard cap on the media attached to one post, whatever its platforms. */
export const MAX_MEDIA_PER_POST = 10;

/**
 * Conservative per-platform limits, as enforced by the content service. `maxMedia` is below
 * `MAX_MEDIA_PER_POST` only where the platform itself is stricter: X takes 4 images, a
 * YouTube post is one video, a Pinterest carousel holds 5.
 */
export const PLATFORM_RULES: Readonly<Record<Platform, PlatformRules>> = Object.freeze({
  instagram: { textLimit: 2200, maxMedia: 10, requiresMedia: true },
  facebook: { textLimit: 63206, maxMedia: 10, requiresMedia: false },
  x: { textLimit: 280, maxMedia: 4, requiresMedia: false },
  linkedin: { textLimit: 3000, maxMedia: 10, requiresMedia: false },
  tiktok: { textLimit: 2200, maxMedia: 10, requiresMedia: true },
  youtube: { textLimit: 5000, maxMedia: 1, requiresMedia: true },
  threads: { textLimit: 500, maxMedia: 10, requiresMedia: false },
  pinterest: { textLimit: 500, maxMedia: 5, requiresMedia: true },
});

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

/**
 * The idempotency key of one publication: one per (post, platform), the same on every retry,
 * so a publisher (and the platform behind it) can recognise a repeat and never publish a post
 * twice to one platform.
 */
export function publicationIdempotencyKey(postId: string, platform: Platform): string {
  return `${postId}:${platform}`;
}
