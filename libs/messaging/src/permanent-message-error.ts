/**
 * Thrown by a consumer handler for a message that can never succeed (invalid data, a broken
 * invariant): it goes to the dead-letter stream at once instead of being retried.
 */
export class PermanentMessageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentMessageError';
  }
}
