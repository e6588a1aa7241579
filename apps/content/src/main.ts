import { bootstrapService } from '@lib/service-kit';
import { ContentModule } from './content.module';

void bootstrapService(ContentModule.forRoot(), {
  title: 'Content service',
  description: [
    'Posts and their per-platform variants, templates, approvals, scheduling in time zones, and publishing.',
    'Every post and template answer carries its version as ETag. Writes take an optional `If-Match` with that version:',
    'without it a write applies to the current version; with a version that is no longer current it answers 412 and changes nothing.',
  ].join(' '),
});
