// The only place that reads Kubernetes API error codes: maps them to handling policies.
import { ApiException } from '@kubernetes/client-node';
import { ConflictError, StalledError, TransientError } from '../../runtime/errors.ts';

export function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCode(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusCode(error) === 409;
}

function messageIn(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body;
  }
}

function reason(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    return typeof body === 'string' ? messageIn(body) : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Converts an API failure into an error that says how to handle it. */
export function classify(error: unknown, what: string): Error {
  // Already classified (by an inner call): its policy and message stand.
  if (
    error instanceof ConflictError ||
    error instanceof StalledError ||
    error instanceof TransientError
  ) {
    return error;
  }
  const code = statusCode(error);
  const message = `${what}: ${reason(error)}`;
  if (code === 409) return new ConflictError(message, { cause: error });
  if (code === 401 || code === 403 || code === 400 || code === 422) {
    return new StalledError(message, { cause: error });
  }
  return new TransientError(message, { cause: error });
}

/**
 * Runs `attempt` again when it hits a 409 (someone wrote the object in between), re-reading
 * inside it, up to `retries` times; any other failure, or the last conflict, is classified.
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: () => Promise<T>,
  retries = 5,
): Promise<T> {
  for (let i = 0; ; i += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error) || i >= retries) throw classify(error, what);
    }
  }
}
