import { subjectFor } from '../subjects';
import {
  CONTENT_EVENT_SCHEMA_VERSIONS,
  CONTENT_EVENT_STREAM_TYPES,
  CONTENT_EVENT_TYPES,
  MAX_MEDIA_PER_POST,
  PLATFORMS,
  PLATFORM_RULES,
  isContentEventType,
  isPlatform,
  postStreamId,
  publicationIdempotencyKey,
  templateStreamId,
} from './index';

describe('content contracts', () => {
  it('lists the sixteen events of ARCHITECTURE.md, with their subjects', () => {
    expect(CONTENT_EVENT_TYPES.map((type) => subjectFor('content', CONTENT_EVENT_STREAM_TYPES[type], type))).toEqual([
      'content.post.drafted',
      'content.post.edited',
      'content.post.media-attached',
      'content.post.media-detached',
      'content.post.submitted-for-review',
      'content.post.approved',
      'content.post.rejected',
      'content.post.scheduled',
      'content.post.unscheduled',
      'content.post.publishing-started',
      'content.post.published',
      'content.post.publish-failed',
      'content.post.archived',
      'content.template.created',
      'content.template.updated',
      'content.template.deleted',
    ]);
    expect(CONTENT_EVENT_SCHEMA_VERSIONS.PostDrafted).toBe(2);
    expect(isContentEventType('PostPublished')).toBe(true);
    expect(isContentEventType('toString')).toBe(false);
  });

  it('names streams post-<uuid> and template-<uuid>', () => {
    expect(postStreamId('abc')).toBe('post-abc');
    expect(templateStreamId('abc')).toBe('template-abc');
  });

  it('has rules for every platform, media caps within the post cap', () => {
    expect(Object.keys(PLATFORM_RULES)).toEqual([...PLATFORMS]);
    for (const platform of PLATFORMS) expect(PLATFORM_RULES[platform].maxMedia).toBeLessThanOrEqual(MAX_MEDIA_PER_POST);
    expect(PLATFORM_RULES.x.textLimit).toBe(280);
    expect(isPlatform('x')).toBe(true);
    expect(isPlatform('X')).toBe(false);
  });

  it('derives one idempotency key per (post, platform)', () => {
    expect(publicationIdempotencyKey('p1', 'x')).toBe('p1:x');
  });
});
