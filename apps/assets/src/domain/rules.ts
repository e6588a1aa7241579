import { ASSET_MIME_TYPES, ASSET_TYPES, MAX_ASSET_BYTES, VISIBILITIES, type AssetMimeType, type AssetType, type Visibility } from '@lib/contracts';
import type { Violations } from '@lib/domain';

/**
 * The rules on the assets service's inputs, as pure functions. Lengths are counted in Unicode
 * code points (an emoji is 1, not 2 UTF-16 units).
 */
export const TITLE_MAX_LENGTH = 200;
export const MAX_TAGS = 30;
export const TAG_MAX_LENGTH = 50;
export const COLLECTION_NAME_MAX_LENGTH = 100;
export const COLLECTION_DESCRIPTION_MAX_LENGTH = 1000;
export const PROMPT_MAX_LENGTH = 10_000;
export const MODEL_MAX_LENGTH = 200;
/** A job's assets are numbered from 0; more than this in one job is a client bug. */
export const MAX_ASSET_INDEX = 999;
/** Generation settings are kept whole in every event: bounded so one cannot bloat the store. */
export const SETTINGS_MAX_BYTES = 16 * 1024;
/** A day: longer than any generated video. */
export const MAX_DURATION_SECONDS = 86_400;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/i;

export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/** image/* files are images, video/mp4 a video: the type is implied by the detected MIME type. */
export function assetTypeOf(mimeType: AssetMimeType): AssetType {
  return mimeType.startsWith('video/') ? 'video' : 'image';
}

export function normalizeUuid(value: unknown, v: Violations, field: string): string {
  if (!isUuid(value)) {
    v.add(field, 'must be a uuid');
    return '';
  }
  return value.toLowerCase();
}

export function normalizeSha256(value: unknown, v: Violations, field = 'sha256'): string {
  if (!isSha256(value)) {
    v.add(field, 'must be a SHA-256 as 64 hexadecimal digits');
    return '';
  }
  return value.toLowerCase();
}

export function normalizeSizeBytes(value: unknown, v: Violations, field = 'sizeBytes'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_ASSET_BYTES) {
    v.add(field, `must be an integer from 1 to ${MAX_ASSET_BYTES}`);
    return 0;
  }
  return value;
}

export function normalizeMimeType(value: unknown, v: Violations, field = 'mimeType'): AssetMimeType {
  if (!(ASSET_MIME_TYPES as readonly unknown[]).includes(value)) {
    v.add(field, `must be one of ${ASSET_MIME_TYPES.join(', ')}`);
    return ASSET_MIME_TYPES[0];
  }
  return value as AssetMimeType;
}

export function normalizeAssetType(value: unknown, mimeType: AssetMimeType, v: Violations, field = 'assetType'): AssetType {
  if (!(ASSET_TYPES as readonly unknown[]).includes(value)) {
    v.add(field, `must be one of ${ASSET_TYPES.join(', ')}`);
    return assetTypeOf(mimeType);
  }
  if (value !== assetTypeOf(mimeType)) v.add(field, `must be ${assetTypeOf(mimeType)} for ${mimeType}`);
  return value as AssetType;
}

/** A required line of text (prompt, model): trimmed, 1..max characters. */
export function normalizeRequiredText(value: unknown, max: number, v: Violations, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    v.add(field, 'is required');
    return '';
  }
  const text = value.trim();
  if (textLength(text) > max) v.add(field, `must be at most ${max} characters`);
  return text;
}

/** null (or omitted, or blank) for none, else trimmed and at most 200 characters. */
export function normalizeTitle(value: unknown, v: Violations, field = 'title'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    v.add(field, 'must be a string or null');
    return null;
  }
  const title = value.trim();
  if (title.length === 0) return null;
  if (textLength(title) > TITLE_MAX_LENGTH) v.add(field, `must be at most ${TITLE_MAX_LENGTH} characters`);
  return title;
}

/**
 * Tags are trimmed and lower-cased, 1..50 characters each, the repeats dropped (the first kept in
 * its place), at most 30 once deduplicated.
 */
export function normalizeTags(value: unknown, v: Violations, field = 'tags'): string[] {
  if (!Array.isArray(value)) {
    v.add(field, 'must be an array of strings');
    return [];
  }
  const tags: string[] = [];
  value.forEach((raw: unknown, i) => {
    if (typeof raw !== 'string') {
      v.add(`${field}.${i}`, 'must be a string');
      return;
    }
    const tag = raw.trim().toLowerCase();
    if (tag.length === 0) v.add(`${field}.${i}`, 'must not be blank');
    else if (textLength(tag) > TAG_MAX_LENGTH) v.add(`${field}.${i}`, `must be at most ${TAG_MAX_LENGTH} characters`);
    else if (!tags.includes(tag)) tags.push(tag);
  });
  if (tags.length > MAX_TAGS) v.add(field, `at most ${MAX_TAGS} tags, got ${tags.length}`);
  return tags;
}

export function normalizeBoolean(value: unknown, v: Violations, field: string): boolean {
  if (typeof value !== 'boolean') {
    v.add(field, 'must be true or false');
    return false;
  }
  return value;
}

export function normalizeVisibility(value: unknown, v: Violations, field = 'visibility'): Visibility {
  if (!(VISIBILITIES as readonly unknown[]).includes(value)) {
    v.add(field, `must be one of ${VISIBILITIES.join(', ')}`);
    return 'private';
  }
  return value as Visibility;
}

export function normalizeCollectionName(value: unknown, v: Violations, field = 'name'): string {
  return normalizeRequiredText(value, COLLECTION_NAME_MAX_LENGTH, v, field);
}

/** null (or omitted, or blank) for none, else trimmed and at most 1000 characters. */
export function normalizeDescription(value: unknown, v: Violations, field = 'description'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    v.add(field, 'must be a string or null');
    return null;
  }
  const description = value.trim();
  if (description.length === 0) return null;
  if (textLength(description) > COLLECTION_DESCRIPTION_MAX_LENGTH) v.add(field, `must be at most ${COLLECTION_DESCRIPTION_MAX_LENGTH} characters`);
  return description;
}
