import { templateStreamId, type Platform } from '@lib/contracts';
import { inTransaction, qualified, type PostgresEventStore } from '@lib/event-store';
import { asApplicationErrors, type Clock, decodeCursor, eventMetadata, NotFoundError, type Page, pageLimit, type RequestContext, toPage } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { templateCommandHandler, type TemplateCommandHandler } from '../content-event-store';
import {
  isUuid,
  type Actor,
  type CreateTemplate,
  type Template,
  type TemplateChanges,
  type TemplateCommand,
} from '../domain';
import { TEMPLATES } from '../projections/templates.projection';
import { domainActor } from '../request-context';
import { TemplateNameReservations } from './template-name-reservations';

/** A template; `version` is what a client sends back as If-Match. Instants are ISO-8601 UTC. */
export interface TemplateView {
  id: string;
  version: number;
  name: string;
  body: string;
  /** The `{{placeholder}}` names of the body, in order of first appearance. */
  placeholders: string[];
  platforms: Platform[];
  category: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** What a client gives to create a template; the service picks the id. */
export type CreateTemplateInput = Omit<CreateTemplate, 'type' | 'actor' | 'now' | 'templateId'>;

export interface TemplateCommandOptions {
  /** The version the client last saw (If-Match). */
  expectedVersion?: number;
}

export interface TemplateListQuery {
  limit?: number;
  cursor?: string;
}

interface ListCursor {
  nameKey: string;
  id: string;
}

interface TemplateRow {
  template_id: string;
  version: string;
  name: string;
  name_key: string;
  body: string;
  placeholders: string[];
  platforms: Platform[];
  category: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

type CommandBase = { actor: Actor; now: Date };

/**
 * The template use cases. Commands and `get` go to the template's stream; `list` reads the
 * templates read model. Names are unique per workspace (see TemplateNameReservations).
 */
export class TemplatesService {
  private readonly templates: TemplateCommandHandler;
  private readonly names: TemplateNameReservations;
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
  ) {
    this.templates = templateCommandHandler(store);
    this.names = new TemplateNameReservations(store.schema);
    this.table = qualified(store.schema, TEMPLATES);
  }

  create(context: RequestContext, input: CreateTemplateInput): Promise<TemplateView> {
    const templateId = randomUUID();
    return this.execute(context, templateId, (base) => ({ ...input, type: 'CreateTemplate', templateId, ...base }), {});
  }

  update(context: RequestContext, templateId: string, changes: TemplateChanges, options: TemplateCommandOptions = {}): Promise<TemplateView> {
    return this.execute(context, templateId, (base) => ({ type: 'UpdateTemplate', changes, ...base }), options);
  }

  async delete(context: RequestContext, templateId: string, options: TemplateCommandOptions = {}): Promise<void> {
    await this.execute(context, templateId, (base) => ({ type: 'DeleteTemplate', ...base }), options);
  }

  async get(context: RequestContext, templateId: string): Promise<TemplateView> {
    const loaded = await this.templates.load(templateStreamId(templateId), context.actor.workspaceId);
    if (loaded.state.status !== 'active') throw new NotFoundError('template not found');
    return templateView(loaded.state, loaded.version);
  }

  /** The workspace's templates by name. */
  async list(context: RequestContext, query: TemplateListQuery = {}): Promise<Page<TemplateView>> {
    const limit = pageLimit(query.limit);
    const params: unknown[] = [context.actor.workspaceId];
    let after = '';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, isListCursor);
      params.push(cursor.nameKey, cursor.id);
      after = 'AND (t.name_key, t.template_id) > ($2, $3::uuid)';
    }
    params.push(limit + 1);
    const result = await this.pool.query<TemplateRow>(
      `SELECT t.template_id, t.version, t.name, t.name_key, t.body, t.placeholders, t.platforms, t.category, t.created_by, t.created_at, t.updated_at
       FROM ${this.table} AS t
       WHERE t.workspace_id = $1 ${after}
       ORDER BY t.name_key, t.template_id
       LIMIT $${params.length}`,
      params,
    );
    const page = toPage(result.rows, limit, (last): ListCursor => ({ nameKey: last.name_key, id: last.template_id }));
    return { items: page.items.map(rowView), nextCursor: page.nextCursor };
  }

  /**
   * Load, decide, then append and move the name reservation in one transaction. A concurrent
   * change of the template is not retried here but answered as a conflict: the CommandHandler,
   * which retries, cannot yet append within a caller's transaction.
   */
  private execute(
    context: RequestContext,
    templateId: string,
    command: (base: CommandBase) => TemplateCommand,
    options: TemplateCommandOptions,
  ): Promise<TemplateView> {
    return asApplicationErrors(async () => {
      const workspaceId = context.actor.workspaceId;
      // The name reservation commits or rolls back with the events.
      const { state, version } = await inTransaction(this.pool, async (client) => {
        const result = await this.templates.handle(templateStreamId(templateId), command({ actor: domainActor(context), now: this.clock() }), {
          metadata: eventMetadata(context),
          expectedVersion: options.expectedVersion,
          client,
        });
        await this.names.apply(client, workspaceId, templateId, result.events);
        return result;
      });
      if (state.status === 'none') throw new NotFoundError('template not found');
      return templateView(state, version);
    }, options.expectedVersion);
  }

}

function templateView(template: Template, version: number): TemplateView {
  return {
    id: template.templateId,
    version,
    name: template.name,
    body: template.body,
    placeholders: template.placeholders,
    platforms: template.platforms,
    category: template.category,
    createdBy: template.createdBy,
    createdAt: template.createdAt,
    updatedAt: template.updatedAt,
  };
}

function rowView(row: TemplateRow): TemplateView {
  return {
    id: row.template_id,
    version: Number(row.version),
    name: row.name,
    body: row.body,
    placeholders: row.placeholders,
    platforms: row.platforms,
    category: row.category,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function isListCursor(value: unknown): value is ListCursor {
  const cursor = value as Partial<ListCursor> | null;
  return typeof cursor === 'object' && cursor !== null && typeof cursor.nameKey === 'string' && isUuid(cursor.id);
}
