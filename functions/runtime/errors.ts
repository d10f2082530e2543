// Errors with a handling policy, mapped to HTTP in one place (see http-errors in app.ts).

/** The request itself is wrong (malformed CloudEvent, unknown type): 400, never retried. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** Someone else wrote first (409 on a precondition): stop, acknowledge; their write re-triggers. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A dependency is briefly unavailable (5xx, timeouts, 429): 503, so the broker redelivers. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** A person must act (RBAC forbids, an object cannot be fixed by retrying): acknowledge. */
export class StalledError extends Error {
  override readonly name = 'StalledError';
}

export type ErrorKind = 'invalid' | 'conflict' | 'transient' | 'stalled' | 'bug';

/** The handling policy of an error, also the `kind` label of the error metric. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof InvalidInputError) return 'invalid';
  if (error instanceof ConflictError) return 'conflict';
  if (error instanceof TransientError) return 'transient';
  if (error instanceof StalledError) return 'stalled';
  return 'bug';
}
