// The rollout's story for the dashboard (pure): status.history's transitions, the Kubernetes
// Event recorded for each (adapters/kubernetes/events.ts names it <rollout>.<uid8>.<n>.<event>),
// and the CDEvents of each transition: recorded on its history record (type and id, kept after
// delivery) and, while the sink has not taken them, in status.outbox (customData.transition).
import { int, isObject, obj, str } from '../core/rollout/json-read.ts';
import type { TransitionRecord } from '../core/rollout/types.ts';

/** A CDEvent recorded with a transition. */
export interface CDEventRef {
  readonly type: string;
  readonly id: string;
  /** Still in status.outbox: the sink has not accepted it yet. */
  readonly pending: boolean;
}

/** The Kubernetes Event written for a transition. */
export interface KubernetesEventRef {
  readonly name: string;
  /** Normal or Warning. */
  readonly type: string;
  readonly reason: string;
}

export interface TimelineEntry {
  /** The rollout's transition counter at this transition. */
  readonly transition: number;
  readonly event: string;
  readonly at: string | undefined;
  readonly message: string;
  readonly kubernetesEvent: KubernetesEventRef | undefined;
  readonly cdevents: readonly CDEventRef[];
}

export interface TimelineInput {
  /** metadata.uid of the Rollout: Events of an earlier Rollout with the same name are skipped. */
  readonly uid: string;
  readonly history: readonly TransitionRecord[];
  /** status.outbox as stored (CDEvents). */
  readonly outbox: readonly unknown[];
  /** events.k8s.io/v1 Events regarding the Rollout, as listed. */
  readonly events: readonly unknown[];
}

interface MutableEntry {
  transition: number;
  event: string;
  at: string | undefined;
  message: string;
  kubernetesEvent: KubernetesEventRef | undefined;
  cdevents: CDEventRef[];
}

interface ParsedEvent {
  readonly transition: number;
  readonly event: string;
  readonly at: string | undefined;
  readonly note: string;
  readonly ref: KubernetesEventRef;
}

/** An Event the recorder wrote for this Rollout, or undefined for any other Event. */
function parseKubernetesEvent(raw: unknown, uid: string): ParsedEvent | undefined {
  const e = obj(raw);
  if (str(obj(e.regarding).uid) !== uid) return undefined;
  const name = str(obj(e.metadata).name) ?? '';
  // <rollout>.<uid8>.<transition>.<event>; the rollout's own name may contain dots.
  const parts = name.split('.');
  const [event, counter, uidPrefix] = [parts.at(-1), parts.at(-2), parts.at(-3)];
  const transition = Number(counter);
  if (uidPrefix !== uid.slice(0, 8) || event === undefined || !Number.isInteger(transition)) {
    return undefined;
  }
  return {
    transition,
    event,
    at: str(e.eventTime) ?? str(obj(e.metadata).creationTimestamp),
    note: str(e.note) ?? '',
    ref: { name, type: str(e.type) ?? 'Normal', reason: str(e.reason) ?? '' },
  };
}

function parseOutboxEvent(raw: unknown): { transition: number; ref: CDEventRef } | undefined {
  if (!isObject(raw)) return undefined;
  const context = obj(raw.context);
  const type = str(context.type);
  const id = str(context.id);
  const transition = int(obj(raw.customData).transition, -1);
  if (type === undefined || id === undefined || transition < 0) return undefined;
  return { transition, ref: { type, id, pending: true } };
}

function entryFor(entries: Map<string, MutableEntry>, transition: number): MutableEntry {
  const existing = [...entries.values()].find(
    (e) => e.transition === transition && e.event !== 'action-failed',
  );
  if (existing) return existing;
  const entry: MutableEntry = {
    transition,
    event: 'cdevents',
    at: undefined,
    message: 'CDEvents of a transition no longer in status.history',
    kubernetesEvent: undefined,
    cdevents: [],
  };
  entries.set(`${String(transition)}/cdevents`, entry);
  return entry;
}

/** The timeline, newest transition first. */
export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const entries = new Map<string, MutableEntry>();
  const pending = new Set(input.outbox.map((raw) => parseOutboxEvent(raw)?.ref.id));
  for (const record of input.history) {
    const { cdevents = [], ...rest } = record;
    entries.set(`${String(record.transition)}/${record.event}`, {
      ...rest,
      kubernetesEvent: undefined,
      cdevents: cdevents.map((c) => ({ type: c.type, id: c.id, pending: pending.has(c.id) })),
    });
  }
  for (const raw of input.events) {
    const parsed = parseKubernetesEvent(raw, input.uid);
    if (!parsed) continue;
    const key = `${String(parsed.transition)}/${parsed.event}`;
    const entry = entries.get(key);
    if (entry) entry.kubernetesEvent = parsed.ref;
    else {
      // Older than status.history keeps (Events live about an hour), or not a transition
      // of its own (action-failed).
      entries.set(key, {
        transition: parsed.transition,
        event: parsed.event,
        at: parsed.at,
        message: parsed.note,
        kubernetesEvent: parsed.ref,
        cdevents: [],
      });
    }
  }
  for (const raw of input.outbox) {
    const parsed = parseOutboxEvent(raw);
    if (!parsed) continue;
    const entry = entryFor(entries, parsed.transition);
    if (!entry.cdevents.some((c) => c.id === parsed.ref.id)) entry.cdevents.push(parsed.ref);
  }
  return [...entries.values()].sort(
    (a, b) => b.transition - a.transition || (b.at ?? '').localeCompare(a.at ?? ''),
  );
}
