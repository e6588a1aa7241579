import { ServiceConfig } from '@lib/service-kit';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';

export const PUBLISHERS = ['sandbox', 'webhook'] as const;
export type PublisherKind = (typeof PUBLISHERS)[number];

/** The content service's environment: ServiceConfig's, plus the publishing pipeline's. */
export class ContentConfig extends ServiceConfig {
  override PORT = 3001;

  /** `sandbox` records publications in the database; `webhook` POSTs them, signed, to PUBLISHER_WEBHOOK_URL. */
  @IsIn(PUBLISHERS)
  PUBLISHER: PublisherKind = 'sandbox';

  @ValidateIf((config: ContentConfig) => config.PUBLISHER === 'webhook')
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'PUBLISHER_WEBHOOK_URL must be an http(s) URL when PUBLISHER=webhook' },
  )
  PUBLISHER_WEBHOOK_URL?: string;

  /** The HMAC-SHA256 key of X-Content-Signature; long enough not to be guessed. */
  @ValidateIf((config: ContentConfig) => config.PUBLISHER === 'webhook')
  @IsString()
  @MinLength(32, { message: 'PUBLISHER_WEBHOOK_SECRET must be at least 32 characters when PUBLISHER=webhook' })
  PUBLISHER_WEBHOOK_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  PUBLISHER_WEBHOOK_TIMEOUT_MS = 10_000;

  /** How often the scheduler looks for due posts (and for rounds nobody reported). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  SCHEDULER_INTERVAL_MS = 5_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  SCHEDULER_BATCH_SIZE = 100;

  /** Deliveries of one publication per publishing round, the first included. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  PUBLISH_MAX_ATTEMPTS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  PUBLISH_RETRY_BASE_MS = 2_000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  PUBLISH_RETRY_MAX_MS = 300_000;

  /** Share of each backoff drawn at random (0..1). */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  PUBLISH_RETRY_JITTER = 0.2;

  /** How long a claimed delivery is left to one worker; must outlast PUBLISHER_WEBHOOK_TIMEOUT_MS. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  PUBLISH_LEASE_MS = 60_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  PUBLISH_WORKER_BATCH_SIZE = 10;

  @Type(() => Number)
  @IsInt()
  @Min(50)
  PUBLISH_WORKER_POLL_MS = 1_000;
}
