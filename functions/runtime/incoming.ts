// Decodes an HTTP request into a typed CloudEvent (binary or structured mode), then into what
// KULTA understands: ApiServerSource resource events, the tick's "due" events, PingSource pings.
import { HTTP, type CloudEventV1 } from 'cloudevents';
import { InvalidInputError } from './errors.ts';

export const apiServerTypes = {
  add: 'dev.knative.apiserver.resource.add',
  update: 'dev.knative.apiserver.resource.update',
  delete: 'dev.knative.apiserver.resource.delete',
} as const;
export const pingType = 'dev.knative.sources.ping';
export const dueType = 'dev.kulta.rollout.due';

export type Incoming =
  /** An ApiServerSource (Resource mode) event: the whole object in data, no old copy. */
  | {
      readonly kind: 'resource';
      readonly action: keyof typeof apiServerTypes;
      readonly objectKind: string;
      readonly namespace: string;
      readonly name: string;
      readonly object: Record<string, unknown>;
      readonly id: string;
      /** The CloudEvent's time, when it has one (the same on every redelivery). */
      readonly time?: string;
    }
  /** The tick asks for one rollout to be reconciled. */
  | { readonly kind: 'due'; readonly namespace: string; readonly name: string; readonly id: string }
  /** A PingSource ping; `data` is the schedule's payload. */
  | { readonly kind: 'ping'; readonly data: Record<string, unknown>; readonly id: string };

const requiredAttributes = ['specversion', 'id', 'source', 'type'] as const;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`${what} is not valid JSON: ${why}`, { cause: error });
  }
}

/**
 * The SDK fills in a missing id or specversion (a random UUID, "1.0") instead of refusing
 * the event, so the required attributes are checked on the wire first.
 */
function missingAttributes(headers: Record<string, string>, body: string): string[] {
  const contentType = headers['content-type'] ?? '';
  if (contentType.startsWith('application/cloudevents-batch')) {
    throw new InvalidInputError('batched CloudEvents are not accepted');
  }
  if (contentType.startsWith('application/cloudevents')) {
    const raw = parseJson(body, 'structured-mode CloudEvent');
    const event = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    return requiredAttributes.filter((a) => !event[a]).map((a) => `attribute "${a}"`);
  }
  return requiredAttributes.filter((a) => !headers[`ce-${a}`]).map((a) => `header ce-${a}`);
}

function decode(rawHeaders: Record<string, string>, body: string): CloudEventV1<unknown> {
  const headers = Object.fromEntries(
    Object.entries(rawHeaders).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const missing = missingAttributes(headers, body);
  if (missing.length > 0) {
    throw new InvalidInputError(`not a valid CloudEvent: missing ${missing.join(', ')}`);
  }
  try {
    const event = HTTP.toEvent({ headers, body });
    if (Array.isArray(event)) throw new InvalidInputError('batched CloudEvents are not accepted');
    if (event.specversion !== '1.0') {
      throw new InvalidInputError(
        `not a valid CloudEvent: specversion "${event.specversion}" is not supported; send CloudEvents 1.0`,
      );
    }
    return event;
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`not a valid CloudEvent: ${why}`, { cause: error });
  }
}

function dataObject(event: CloudEventV1<unknown>): Record<string, unknown> {
  let data: unknown = event.data;
  if (typeof data === 'string' && data.trim().startsWith('{')) {
    data = parseJson(data, `data of CloudEvent ${event.id} (${event.type})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidInputError(
      `CloudEvent ${event.id} (${event.type}) needs a JSON object as data`,
    );
  }
  return data as Record<string, unknown>;
}

function text(value: unknown, what: string, event: CloudEventV1<unknown>): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new InvalidInputError(`CloudEvent ${event.id} (${event.type}) has no ${what}`);
}

/** Kubernetes object names: a DNS subdomain (RFC 1123), at most 253 characters. */
const objectName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Namespaces: a DNS label, at most 63 characters. */
const namespaceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function kubeName(
  value: unknown,
  what: string,
  event: CloudEventV1<unknown>,
  kind: 'namespace' | 'name',
): string {
  const name = text(value, what, event);
  const [pattern, max] = kind === 'namespace' ? [namespaceName, 63] : [objectName, 253];
  if (name.length <= max && pattern.test(name)) return name;
  throw new InvalidInputError(
    `CloudEvent ${event.id} (${event.type}): ${what} "${name.slice(0, 80)}" is not a Kubernetes ${kind === 'namespace' ? 'namespace (a DNS label of at most 63 characters)' : 'object name (a lowercase DNS subdomain of at most 253 characters)'}`,
  );
}

function resourceEvent(
  event: CloudEventV1<unknown>,
  action: keyof typeof apiServerTypes,
): Incoming {
  const object = dataObject(event);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  return {
    kind: 'resource',
    action,
    id: event.id,
    objectKind: text(event.kind ?? object.kind, 'extension "kind"', event),
    namespace: kubeName(
      event.namespace ?? metadata.namespace,
      'extension "namespace"',
      event,
      'namespace',
    ),
    name: kubeName(event.name ?? metadata.name, 'extension "name"', event, 'name'),
    object,
    ...(typeof event.time === 'string' ? { time: event.time } : {}),
  };
}

/** The typed event in an HTTP request; InvalidInputError (400) for anything else. */
export function parseIncoming(headers: Record<string, string>, body: string): Incoming {
  const event = decode(headers, body);
  const action = (Object.keys(apiServerTypes) as (keyof typeof apiServerTypes)[]).find(
    (a) => apiServerTypes[a] === event.type,
  );
  if (action) return resourceEvent(event, action);
  if (event.type === dueType) {
    const data = dataObject(event);
    return {
      kind: 'due',
      id: event.id,
      namespace: kubeName(data.namespace, 'data.namespace', event, 'namespace'),
      name: kubeName(data.name, 'data.name', event, 'name'),
    };
  }
  if (event.type === pingType) {
    const data = event.data === undefined || event.data === '' ? {} : dataObject(event);
    return { kind: 'ping', id: event.id, data };
  }
  throw new InvalidInputError(
    `CloudEvent type "${event.type}" is not handled here; expected ${Object.values(apiServerTypes).join(', ')}, ${dueType} or ${pingType}`,
  );
}
