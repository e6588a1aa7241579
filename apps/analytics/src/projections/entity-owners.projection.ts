import type { SourceEventReceivedData } from '@lib/contracts';
import type { Projection } from '@lib/event-store';
import { SOURCE_RULE_TABLES } from '../rules';
import { RuleEngine } from '../rules/rule-engine';

export const ENTITY_OWNERS = 'entity_owners';

const rules = new RuleEngine(SOURCE_RULE_TABLES);

/**
 * Which workspace each entity of another service belongs to, from the rule tables' `owners`.
 * An entity's owner never changes: the first event naming it wins, so a later claim from
 * another workspace cannot take it over. One statement per batch.
 */
export const entityOwnersProjection: Projection = {
  name: ENTITY_OWNERS,
  tables: [ENTITY_OWNERS],
  eventTypes: ['SourceEventReceived'],
  async apply(events, ctx) {
    const owned = events.flatMap((event) => rules.ownedEntitiesOf((event.data as SourceEventReceivedData).source));
    if (owned.length === 0) return;
    await ctx.client.query(
      `INSERT INTO ${ctx.table(ENTITY_OWNERS)} AS e (entity_type, entity_id, workspace_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[])
       ON CONFLICT (entity_type, entity_id) DO NOTHING`,
      [owned.map((o) => o.entityType), owned.map((o) => o.entityId), owned.map((o) => o.workspaceId)],
    );
  },
};
