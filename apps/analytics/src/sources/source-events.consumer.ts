import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { SERVICES, type EventEnvelope, type ServiceName } from '@lib/contracts';
import type { PostgresEventStore } from '@lib/event-store';
import { JetStreamContext, JetStreamExceptionFilter, PermanentMessageError, recordSourceEvent } from '@lib/messaging';
import { ANALYTICS_EVENT_STORE } from '../analytics.tokens';
import { SOURCE_SERVICES, SOURCES_DURABLE } from './source-events';

/**
 * Every event of the source services (`content.>`, …), through the durable `analytics-sources`:
 * recorded as SourceEventReceived in the inbox's transaction. Runs on the JetStreamTransport the
 * module declares (ServiceKitOptions.transports).
 */
@Controller()
@UseFilters(new JetStreamExceptionFilter()) // keeps PermanentMessageError and the real reason for dead letters
export class SourceEventsConsumer {
  constructor(@Inject(ANALYTICS_EVENT_STORE) private readonly store: PostgresEventStore) {}

  @EventPattern<string[]>(
    SOURCE_SERVICES.map((service) => `${service}.>`),
    { durable: SOURCES_DURABLE },
  )
  async onSourceEvent(@Payload() event: EventEnvelope, @Ctx() ctx: JetStreamContext): Promise<void> {
    await recordSourceEvent(this.store, serviceOf(ctx.subject), event, ctx);
  }
}

/** Subjects are `<service>.<stream type>.<event>`. */
function serviceOf(subject: string): ServiceName {
  const service = subject.split('.')[0];
  const known = SERVICES.find((name) => name === service);
  if (!known) throw new PermanentMessageError(`subject ${subject} names no known service`);
  return known;
}
