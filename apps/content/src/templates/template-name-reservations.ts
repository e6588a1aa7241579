import { qualified } from '@lib/event-store';
import { ConflictError } from '@lib/service-kit';
import type { PoolClient } from 'pg';
import type { TemplateEvent } from '../domain';

export const TEMPLATE_NAMES = 'template_names';

/**
 * A template's name is unique per workspace, ignoring case: each template holds one row of
 * `template_names`, changed in the transaction that appends its event, so a name is taken
 * exactly when the event that gives it is stored.
 */
export class TemplateNameReservations {
  private readonly table: string;

  constructor(schema: string) {
    this.table = qualified(schema, TEMPLATE_NAMES);
  }

  /**
   * Takes, moves or frees the template's name as its new events say.
   * @throws ConflictError (409) when another template of the workspace has the name
   */
  async apply(client: PoolClient, workspaceId: string, templateId: string, events: readonly TemplateEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'TemplateDeleted') {
        await client.query(`DELETE FROM ${this.table} AS n WHERE n.template_id = $1`, [templateId]);
      } else if (event.type === 'TemplateCreated' || event.data.changedFields.includes('name')) {
        await this.take(client, workspaceId, templateId, event.data.name);
      }
    }
  }

  private async take(client: PoolClient, workspaceId: string, templateId: string, name: string): Promise<void> {
    await client.query(`DELETE FROM ${this.table} AS n WHERE n.template_id = $1 AND n.name_key <> lower($2)`, [templateId, name]);
    // A row comes back when the name is new, or already this template's (a change of case);
    // none when another template holds it. A concurrent claim of the same name waits for ours.
    const taken = await client.query(
      `INSERT INTO ${this.table} AS n (workspace_id, name_key, template_id) VALUES ($1, lower($2), $3)
       ON CONFLICT (workspace_id, name_key) DO UPDATE SET template_id = n.template_id WHERE n.template_id = EXCLUDED.template_id
       RETURNING n.template_id`,
      [workspaceId, name, templateId],
    );
    if (taken.rowCount === 0) throw new ConflictError(`a template named "${name}" already exists in this workspace`, { field: 'name' });
  }
}
