// A deleted Rollout's last step (pure): KULTA's finalizer holds the object until its outbox and
// service.removed reached the sink, so nothing recorded is lost with it; a sink gone for good
// cannot hold a deletion forever.
import { appendHistory } from './canary/decide.ts';
import { removalEvent, type EventConfig } from './events.ts';
import type { ParsedRollout } from './rollout/parse.ts';
import type { RolloutStatus } from './rollout/types.ts';

/** The finalizer KULTA puts on every Rollout it reconciles with an event sink configured. */
export const cdeventsFinalizer = 'kulta.io/cdevents';

/** How long a deletion waits for the sink before the Rollout goes without its pending CDEvents. */
export const removalGraceSeconds = 600;

/** The transition a deletion records (with service.removed in the outbox). */
export const removedEvent = 'removed';

export interface RemovalPlan {
  /** The status with service.removed recorded once (unchanged when it already is). */
  readonly nextStatus: RolloutStatus;
  readonly statusChanged: boolean;
}

/** Records service.removed, stamped with the deletion itself, once per Rollout. */
export function planRemoval(
  rollout: ParsedRollout,
  now: string,
  events: EventConfig | undefined,
): RemovalPlan {
  const { status, metadata } = rollout;
  const recorded = (status.history ?? []).some((h) => h.event === removedEvent);
  if (!events || recorded) return { nextStatus: status, statusChanged: false };
  const at = metadata.deletionTimestamp ?? now;
  const event = removalEvent(rollout, at, events);
  const transition = (status.transition ?? 0) + 1;
  const record = {
    transition,
    at,
    event: removedEvent,
    message:
      'Rollout deleted: its pending CDEvents and service.removed go to the sink before it is removed',
    cdevents: [{ type: event.context.type, id: event.context.id }],
  };
  return {
    nextStatus: {
      ...status,
      transition,
      history: appendHistory(status.history, record),
      outbox: [...(status.outbox ?? []), event],
    },
    statusChanged: true,
  };
}

/** Whether the finalizer may go: everything delivered, or the sink had its grace period. */
export function mayRelease(rollout: ParsedRollout, pending: number, now: string): boolean {
  if (pending === 0) return true;
  const since = rollout.metadata.deletionTimestamp;
  return since !== undefined && Date.parse(now) - Date.parse(since) >= removalGraceSeconds * 1000;
}
