import { CONTENT_UPCASTERS, POST_STREAM_TYPE, TEMPLATE_STREAM_TYPE } from '@lib/contracts';
import { CommandHandler, PostgresEventStore, UpcasterRegistry } from '@lib/event-store';
import type { Pool } from 'pg';
import {
  postDecider,
  templateDecider,
  type PostCommand,
  type PostEvent,
  type PostState,
  type TemplateCommand,
  type TemplateEvent,
  type TemplateState,
} from './domain';

/** The content store: old event versions are upcast on read, new ones written at the current version. */
export function createContentEventStore(pool: Pool, schema: string): PostgresEventStore {
  return new PostgresEventStore(pool, { schema, upcasters: new UpcasterRegistry(CONTENT_UPCASTERS) });
}

export type PostCommandHandler = CommandHandler<PostState, PostCommand, PostEvent>;
export type TemplateCommandHandler = CommandHandler<TemplateState, TemplateCommand, TemplateEvent>;

export function postCommandHandler(store: PostgresEventStore): PostCommandHandler {
  return new CommandHandler(store, postDecider, { streamType: POST_STREAM_TYPE });
}

export function templateCommandHandler(store: PostgresEventStore): TemplateCommandHandler {
  return new CommandHandler(store, templateDecider, { streamType: TEMPLATE_STREAM_TYPE });
}
