// A CDEvent as a CloudEvent 1.0: the context attributes copied from it, and the data body.
import type { CDEvent } from './types.ts';

/** CloudEvents 1.0 context attributes of a CDEvent (CDEvents CloudEvents binding). */
export interface CloudEventAttributes {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  /** The CDEvent's subject.id. */
  readonly subject: string;
  /** The CDEvent's context.timestamp: the same on every resend. */
  readonly time: string;
  readonly specversion: '1.0';
  readonly datacontenttype: 'application/json';
}

/** The CloudEvent attributes for a CDEvent: id, source, type, time from its context. */
export function toCloudEventAttributes(event: CDEvent): CloudEventAttributes {
  return {
    id: event.context.id,
    source: event.context.source,
    type: event.context.type,
    subject: event.subject.id,
    time: event.context.timestamp,
    specversion: '1.0',
    datacontenttype: 'application/json',
  };
}

/**
 * The CloudEvent data: the whole CDEvent, so a receiver that ignores the ce-* headers (as CDviz
 * does) still gets a complete, valid CDEvent. Serialized canonically (object keys sorted, absent
 * fields left out), so a copy read back from the Rollout's status, where the apiserver returns
 * keys in its own order, goes out byte for byte as the first send did.
 */
export function toCloudEventData(event: CDEvent): string {
  return JSON.stringify(sortedKeys(JSON.parse(JSON.stringify(event)) as unknown));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}
