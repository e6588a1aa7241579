import type { Projection, ProjectionContext, RecordedEvent } from '@lib/event-store';
import type { TemplateEvent } from '../domain';

export const TEMPLATES = 'templates';

/**
 * The workspace's live templates, for lists. A deleted template's row goes; each event is
 * applied only over an older row version, so applying one twice changes nothing.
 */
export const templatesProjection: Projection = {
  name: TEMPLATES,
  tables: [TEMPLATES],
  eventTypes: ['TemplateCreated', 'TemplateUpdated', 'TemplateDeleted'] satisfies TemplateEvent['type'][],
  async apply(events, ctx) {
    for (const event of events) await applyTemplateEvent(event as RecordedEvent<TemplateEvent>, ctx);
  },
};

async function applyTemplateEvent(recorded: RecordedEvent<TemplateEvent>, ctx: ProjectionContext): Promise<void> {
  const table = ctx.table(TEMPLATES);
  const event = { type: recorded.type, data: recorded.data } as TemplateEvent;
  switch (event.type) {
    case 'TemplateCreated': {
      const d = event.data;
      await ctx.client.query(
        `INSERT INTO ${table} AS t (template_id, workspace_id, name, body, placeholders, platforms, category, created_by, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
         ON CONFLICT (template_id) DO NOTHING`,
        [d.templateId, recorded.metadata.workspaceId, d.name, d.body, d.placeholders, d.platforms, d.category, d.createdBy, d.createdAt, recorded.version],
      );
      return;
    }
    case 'TemplateUpdated': {
      const d = event.data;
      await ctx.client.query(
        `UPDATE ${table} AS t SET name = $3, body = $4, placeholders = $5, platforms = $6, category = $7, updated_at = $8, version = $2
         WHERE t.template_id = $1 AND t.version < $2`,
        [d.templateId, recorded.version, d.name, d.body, d.placeholders, d.platforms, d.category, d.updatedAt],
      );
      return;
    }
    case 'TemplateDeleted':
      await ctx.client.query(`DELETE FROM ${table} AS t WHERE t.template_id = $1`, [event.data.templateId]);
      return;
  }
}
