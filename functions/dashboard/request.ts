// Parses what the browser sends: namespaces and names checked as Kubernetes names, action
// bodies as JSON objects naming exactly one Rollout. Errors say which field and what is allowed.
import type { RolloutRef } from '../ports.ts';
import { InvalidInputError } from '../runtime/errors.ts';

// RFC 1123 label (namespaces) and subdomain (object names), as the API server checks them.
const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export function parseNamespace(field: string, value: unknown): string {
  if (typeof value !== 'string' || !label.test(value)) {
    throw new InvalidInputError(
      `${field} must be a namespace name (lower-case letters, digits and '-', at most 63), got ${shown(value)}`,
    );
  }
  return value;
}

export function parseName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 253 || !subdomain.test(value)) {
    throw new InvalidInputError(
      `${field} must be a Rollout name (lower-case letters, digits, '-' and '.', at most 253), got ${shown(value)}`,
    );
  }
  return value;
}

/** An optional ?namespace= filter: absent or empty means every namespace. */
export function parseNamespaceFilter(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : parseNamespace('namespace', value);
}

/** The body of an action: `{"namespace": "...", "name": "..."}` and nothing else. */
export function parseActionBody(text: string): RolloutRef {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      'the body must be JSON like {"namespace":"shop","name":"web"}, and it does not parse',
      { cause: error },
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError(
      'the body must be a JSON object like {"namespace":"shop","name":"web"}',
    );
  }
  const extra = Object.keys(body).filter((key) => key !== 'namespace' && key !== 'name');
  if (extra.length > 0) {
    throw new InvalidInputError(
      `the body may name only "namespace" and "name"; remove ${extra.map((k) => JSON.stringify(k)).join(', ')}`,
    );
  }
  const { namespace, name } = body as { namespace?: unknown; name?: unknown };
  return { namespace: parseNamespace('namespace', namespace), name: parseName('name', name) };
}

/** True when the request's Content-Type is JSON (a cross-site form cannot send that). */
export function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * True unless the browser says the request comes from another site: an Origin header, when
 * present, must name the host the request was sent to.
 */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
