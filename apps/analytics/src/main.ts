import { bootstrapService } from '@lib/service-kit';
import { AnalyticsModule } from './analytics.module';

void bootstrapService(AnalyticsModule.forRoot(), {
  title: 'Analytics service',
  description: [
    'Platform metrics and tracked events reported in batches, the other services’ activity, and one time-series store with hourly and daily rollups.',
    'A batch is recorded whole or not at all, and sending it again under the same batchId is safe.',
    'Everything counted is a projection of the recorded events: an accepted batch shows in the queries within moments.',
  ].join(' '),
});
