const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57P', '58'];
const TRANSIENT_SQLSTATES = ['40001', '40P01', '55P03'];
const TRANSIENT_NODE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
const TRANSIENT_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /connection.*(closed|ended)/i];

/**
 * Failures of the database or the connection, not of the event being handled: retried for as
 * long as they last and never counted toward dead-lettering (a good event dead-lettered because
 * PostgreSQL was restarting would leave a read model different from a rebuild).
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.includes(code) || TRANSIENT_SQLSTATES.includes(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE_CLASSES.some((prefix) => code.startsWith(prefix));
  }
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}
