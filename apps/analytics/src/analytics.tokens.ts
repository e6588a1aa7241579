/** The analytics service's PostgresEventStore (in DATABASE_SCHEMA). */
export const ANALYTICS_EVENT_STORE = Symbol('ANALYTICS_EVENT_STORE');

/** The Clock ingestion and queries read. */
export const CLOCK = Symbol('CLOCK');
