import { bootstrapService } from '@lib/service-kit';
import { AssetsModule } from './assets.module';

void bootstrapService(AssetsModule.forRoot(), {
  title: 'Assets service',
  description: [
    'Generated assets staged in each user’s workspace for 7 days, the permanent library they are saved to, collections, and the files behind them.',
    'Uploads are multipart/form-data, streamed; files are stored once per content (SHA-256) and downloaded with ETag, If-None-Match and Range.',
    'Library items and collections carry their version as ETag. Writes take an optional `If-Match` with that version:',
    'with a version that is no longer current it answers 412 and changes nothing.',
  ].join(' '),
});
