export { AnalyticsProjections, analyticsReadModels } from './analytics-projections';
export { ENTITY_OWNERS, entityOwnersProjection } from './entity-owners.projection';
