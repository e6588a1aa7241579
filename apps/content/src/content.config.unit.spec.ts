import { ConfigValidationError, loadServiceConfig } from '@lib/service-kit';
import type { Pool } from 'pg';
import { ContentConfig } from './content.config';
import { publishingOptionsFromConfig } from './publishing/publishing-pipeline';
import { SandboxPublisher } from './publishing/sandbox.publisher';
import { WebhookPublisher } from './publishing/webhook.publisher';

const load = (env: Record<string, string>) => loadServiceConfig(ContentConfig, 'content', env);
const pool = {} as Pool;
const clock = () => new Date();

describe('ContentConfig', () => {
  it('defaults to the sandbox publisher on port 3001', () => {
    const config = load({});
    expect(config).toMatchObject({ PORT: 3001, DATABASE_SCHEMA: 'content', PUBLISHER: 'sandbox', PUBLISH_MAX_ATTEMPTS: 5, SCHEDULER_INTERVAL_MS: 5_000 });
    expect(publishingOptionsFromConfig(config, pool, clock).publisher).toBeInstanceOf(SandboxPublisher);
  });

  it('needs a URL and a long secret for the webhook publisher, and says so', () => {
    expect(() => load({ PUBLISHER: 'webhook' })).toThrow(ConfigValidationError);
    expect(() => load({ PUBLISHER: 'webhook', PUBLISHER_WEBHOOK_URL: 'http://hooks.local/publish', PUBLISHER_WEBHOOK_SECRET: 'short' })).toThrow(
      'PUBLISHER_WEBHOOK_SECRET must be at least 32 characters',
    );
    const config = load({ PUBLISHER: 'webhook', PUBLISHER_WEBHOOK_URL: 'http://hooks.local/publish', PUBLISHER_WEBHOOK_SECRET: 'x'.repeat(32) });
    expect(publishingOptionsFromConfig(config, pool, clock).publisher).toBeInstanceOf(WebhookPublisher);
  });

  it('reads the numbers and refuses a lease shorter than a delivery', () => {
    const config = load({ PUBLISH_MAX_ATTEMPTS: '3', PUBLISH_RETRY_BASE_MS: '500', PUBLISH_LEASE_MS: '5000', PUBLISHER_WEBHOOK_TIMEOUT_MS: '10000' });
    expect(config).toMatchObject({ PUBLISH_MAX_ATTEMPTS: 3, PUBLISH_RETRY_BASE_MS: 500 });
    expect(() => publishingOptionsFromConfig(config, pool, clock)).toThrow('PUBLISH_LEASE_MS must be longer than PUBLISHER_WEBHOOK_TIMEOUT_MS');
    expect(() => load({ PUBLISH_MAX_ATTEMPTS: '0' })).toThrow(ConfigValidationError);
  });
});
