import {
  MAX_MEDIA_PER_POST,
  PLATFORM_RULES,
  isPlatform,
  isZonedInstantFormat,
  parseZonedInstant,
  type Platform,
  type PostContentData,
  type PostVariantData,
} from '@lib/contracts';
import { Violations } from '@lib/domain';

/**
 * The rules on a post's content, as pure functions. Lengths are counted in Unicode code points
 * (an emoji is 1, not 2 UTF-16 units), which is how most platforms count.
 */
export const TITLE_MAX_LENGTH = 200;
/** The longest text any platform takes (Facebook). */
export const BODY_MAX_LENGTH = 63206;
export const MAX_HASHTAGS = 30;
export const HASHTAG_MAX_LENGTH = 100;
export const LABEL_MAX_LENGTH = 100;
export const REASON_MAX_LENGTH = 2000;

const HASHTAG = /^[\p{L}\p{N}_]+$/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UTC_OFFSET = /^[+-]\d{2}(:?\d{2})?$/;

/** Characters as the platforms count them: Unicode code points. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The text published on a platform: the body, a blank line, then the hashtags as `#tag`. */
export function renderPlatformText(body: string, hashtags: readonly string[]): string {
  if (hashtags.length === 0) return body;
  const tags = hashtags.map((tag) => `#${tag}`).join(' ');
  return body.length > 0 ? `${body}\n\n${tags}` : tags;
}

export interface EffectivePlatformContent {
  platform: Platform;
  body: string;
  hashtags: string[];
  text: string;
}

/** A platform's body and hashtags: the variant's overrides, else the post's. */
export function effectiveContent(content: Pick<PostContentData, 'body' | 'hashtags'>, variant: PostVariantData): EffectivePlatformContent {
  const body = variant.body ?? content.body;
  const hashtags = variant.hashtags ?? content.hashtags;
  return { platform: variant.platform, body, hashtags: [...hashtags], text: renderPlatformText(body, hashtags) };
}

export function normalizeTitle(value: unknown, v: Violations, field = 'title'): string {
  if (typeof value !== 'string') {
    v.add(field, 'must be a string');
    return '';
  }
  const title = value.trim();
  if (title.length === 0) v.add(field, 'must not be blank');
  else if (textLength(title) > TITLE_MAX_LENGTH) v.add(field, `must be at most ${TITLE_MAX_LENGTH} characters`);
  return title;
}

export function normalizeBody(value: unknown, v: Violations, field = 'body'): string {
  if (typeof value !== 'string') {
    v.add(field, 'must be a string');
    return '';
  }
  if (textLength(value) > BODY_MAX_LENGTH) v.add(field, `must be at most ${BODY_MAX_LENGTH} characters`);
  return value;
}

/**
 * Hashtags are stored without `#` and unique case-insensitively (`#Launch` and `launch` are one
 * tag; the first spelling wins), at most 30 (Instagram's cap).
 */
export function normalizeHashtags(value: unknown, v: Violations, field = 'hashtags'): string[] {
  if (!Array.isArray(value)) {
    v.add(field, 'must be an array of strings');
    return [];
  }
  const tags: string[] = [];
  const seen = new Set<string>();
  value.forEach((raw: unknown, i) => {
    if (typeof raw !== 'string') {
      v.add(`${field}.${i}`, 'must be a string');
      return;
    }
    const tag = raw.startsWith('#') ? raw.slice(1) : raw;
    if (!HASHTAG.test(tag)) {
      v.add(`${field}.${i}`, `"${raw}" is not a hashtag (letters, digits and _ after an optional #)`);
      return;
    }
    if (textLength(tag) > HASHTAG_MAX_LENGTH) {
      v.add(`${field}.${i}`, `must be at most ${HASHTAG_MAX_LENGTH} characters`);
      return;
    }
    const key = tag.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    tags.push(tag);
  });
  if (tags.length > MAX_HASHTAGS) v.add(field, `at most ${MAX_HASHTAGS} hashtags, got ${tags.length}`);
  return tags;
}

export interface PostVariantInput {
  platform: string;
  /** Omitted or null: the post's body. */
  body?: string | null;
  /** Omitted or null: the post's hashtags; `[]`: none on this platform. */
  hashtags?: string[] | null;
}

export function normalizeVariants(value: unknown, v: Violations, field = 'variants'): PostVariantData[] {
  if (!Array.isArray(value)) {
    v.add(field, 'must be an array');
    return [];
  }
  const variants: PostVariantData[] = [];
  const seen = new Set<Platform>();
  value.forEach((raw: unknown, i) => {
    const at = `${field}.${i}`;
    if (typeof raw !== 'object' || raw === null) {
      v.add(at, 'must be an object');
      return;
    }
    const input = raw as Partial<PostVariantInput>;
    if (!isPlatform(input.platform)) {
      v.add(`${at}.platform`, `must be one of ${Object.keys(PLATFORM_RULES).join(', ')}`);
      return;
    }
    if (seen.has(input.platform)) {
      v.add(`${at}.platform`, `${input.platform} appears more than once`);
      return;
    }
    seen.add(input.platform);
    const body = input.body === undefined || input.body === null ? null : normalizeBody(input.body, v, `${at}.body`);
    const hashtags =
      input.hashtags === undefined || input.hashtags === null ? null : normalizeHashtags(input.hashtags, v, `${at}.hashtags`);
    variants.push({ platform: input.platform, body, hashtags });
  });
  return variants;
}

/** An optional uuid reference (campaign, template): null or a uuid, stored in lower case. */
export function normalizeOptionalId(value: unknown, v: Violations, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (!isUuid(value)) {
    v.add(field, 'must be a uuid or null');
    return null;
  }
  return value.toLowerCase();
}

export function normalizeAssetId(value: unknown, v: Violations, field = 'assetId'): string {
  if (!isUuid(value)) {
    v.add(field, 'must be a uuid');
    return '';
  }
  return value.toLowerCase();
}

/** An optional free-text label (pillar, series): null or 1..100 characters, trimmed. */
export function normalizeOptionalLabel(value: unknown, v: Violations, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    v.add(field, 'must be a string or null');
    return null;
  }
  const label = value.trim();
  if (label.length === 0) v.add(field, 'must not be blank (null clears it)');
  else if (textLength(label) > LABEL_MAX_LENGTH) v.add(field, `must be at most ${LABEL_MAX_LENGTH} characters`);
  return label;
}

/** A required reason (rejection, failure): trimmed, 1..2000 characters. */
export function normalizeReason(value: unknown, v: Violations, field = 'reason'): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    v.add(field, 'is required');
    return '';
  }
  const reason = value.trim();
  if (textLength(reason) > REASON_MAX_LENGTH) v.add(field, `must be at most ${REASON_MAX_LENGTH} characters`);
  return reason;
}

export function normalizeOptionalReason(value: unknown, v: Violations, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim().length === 0) return null;
  return normalizeReason(value, v, field);
}

/** Most media the post may hold given its platforms: the strictest platform, capped at 10. */
export function mediaCapacity(variants: readonly PostVariantData[]): number {
  return variants.reduce((cap, variant) => Math.min(cap, PLATFORM_RULES[variant.platform].maxMedia), MAX_MEDIA_PER_POST);
}

/**
 * Rules that hold at every moment of a post's life: each platform's rendered text within its
 * limit, and no more media than the strictest targeted platform takes.
 */
export function checkContentFits(content: PostContentData, mediaCount: number, v: Violations): void {
  content.variants.forEach((variant, i) => {
    const { text } = effectiveContent(content, variant);
    const limit = PLATFORM_RULES[variant.platform].textLimit;
    const size = textLength(text);
    if (size > limit) {
      v.add(
        variant.body === null ? 'body' : `variants.${i}.body`,
        `${variant.platform} takes at most ${limit} characters (body and hashtags), got ${size}` +
          (variant.body === null ? `; give the ${variant.platform} variant its own body` : ''),
      );
    }
  });
  const capacity = mediaCapacity(content.variants);
  if (mediaCount > capacity) {
    const strictest =
      capacity < MAX_MEDIA_PER_POST
        ? content.variants.filter((variant) => PLATFORM_RULES[variant.platform].maxMedia === capacity).map((x) => x.platform)
        : [];
    v.add(
      'mediaAssetIds',
      `at most ${capacity} media` + (strictest.length > 0 ? ` (${strictest.join(', ')})` : '') + `, the post would have ${mediaCount}`,
    );
  }
}

/** What a post needs before review: a platform, media where the platform requires it, something to say. */
export function checkReadyForReview(content: PostContentData, mediaCount: number, v: Violations): void {
  if (content.variants.length === 0) v.add('variants', 'target at least one platform before submitting');
  content.variants.forEach((variant, i) => {
    if (PLATFORM_RULES[variant.platform].requiresMedia && mediaCount === 0) {
      v.add(`variants.${i}.platform`, `${variant.platform} needs at least one media item`);
    }
    if (mediaCount === 0 && effectiveContent(content, variant).text.trim().length === 0) {
      v.add(`variants.${i}.body`, `nothing to publish on ${variant.platform}: no text and no media`);
    }
  });
}

/** A UTC instant given with its offset (`Z` or `+hh:mm`), as a normalised `toISOString()`. */
export function parseInstant(value: unknown, v: Violations, field: string): string | null {
  if (!isZonedInstantFormat(value)) {
    v.add(field, 'must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z');
    return null;
  }
  const instant = parseZonedInstant(value);
  if (!instant) {
    v.add(field, 'is not a valid date');
    return null;
  }
  return instant.toISOString();
}

/** An IANA time zone name in its canonical spelling (`europe/berlin` -> `Europe/Berlin`). */
export function canonicalTimeZone(value: unknown, v: Violations, field = 'timeZone'): string {
  if (typeof value !== 'string' || value.length === 0 || UTC_OFFSET.test(value)) {
    v.add(field, 'must be an IANA time zone, e.g. Europe/Berlin');
    return '';
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    v.add(field, `"${value}" is not an IANA time zone`);
    return '';
  }
}
