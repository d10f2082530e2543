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
 * does) still gets a complete, valid CDEvent.
 */
export function toCloudEventData(event: CDEvent): string {
  return JSON.stringify(event);
}
