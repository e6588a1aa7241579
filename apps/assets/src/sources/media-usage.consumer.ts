import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { POST_STREAM_TYPE, subjectFor, type EventEnvelope } from '@lib/contracts';
import type { PostgresEventStore } from '@lib/event-store';
import { JetStreamContext, JetStreamExceptionFilter, recordSourceEvent } from '@lib/messaging';
import { ASSETS_EVENT_STORE } from '../assets.tokens';

/** The durable consumer of content's media events; its inbox rows are in this service's schema. */
export const MEDIA_USAGE_DURABLE = 'assets-media-usage';

/** The events the library's usage counts come from (the library_views projection applies them). */
export const MEDIA_USAGE_SUBJECTS = [subjectFor('content', POST_STREAM_TYPE, 'PostMediaAttached'), subjectFor('content', POST_STREAM_TYPE, 'PostMediaDetached')];

/**
 * Content's PostMediaAttached and PostMediaDetached, through the durable `assets-media-usage`:
 * each recorded whole as SourceEventReceived, in the inbox row's transaction, so the usage
 * counts are a projection of this service's own events (rebuilt like any other). NATS 2.9 gives
 * a consumer one filter subject, so the transport filters the durable on `content.>` and hands
 * this handler only these two; content's other events are acknowledged with their inbox row.
 * Runs on the JetStreamTransport the module declares (ServiceKitOptions.transports).
 */
@Controller()
@UseFilters(new JetStreamExceptionFilter()) // keeps PermanentMessageError and the real reason for dead letters
export class MediaUsageConsumer {
  constructor(@Inject(ASSETS_EVENT_STORE) private readonly store: PostgresEventStore) {}

  @EventPattern<string[]>(MEDIA_USAGE_SUBJECTS, { durable: MEDIA_USAGE_DURABLE })
  async onMediaEvent(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext): Promise<void> {
    await recordSourceEvent(this.store, 'content', event, ctx);
  }
}
