/** The content service's PostgresEventStore (upcasting, in DATABASE_SCHEMA). */
export const CONTENT_EVENT_STORE = Symbol('CONTENT_EVENT_STORE');

/** The Clock every use case and worker reads. */
export const CLOCK = Symbol('CLOCK');
