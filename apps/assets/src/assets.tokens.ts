/** The assets service's PostgresEventStore (in DATABASE_SCHEMA). */
export const ASSETS_EVENT_STORE = Symbol('ASSETS_EVENT_STORE');

/** The Clock every use case and the expiry sweep read. */
export const CLOCK = Symbol('CLOCK');

/** The BlobStorage of ASSETS_STORAGE_DRIVER, opened. */
export const BLOB_STORAGE = Symbol('BLOB_STORAGE');
