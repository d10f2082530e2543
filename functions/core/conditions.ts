// Status conditions: set one, keeping lastTransitionTime unless its status changed.
import type { Condition } from './rollout/types.ts';

export const ConditionType = {
  /** The spec cannot be acted on; the message says which field and how to fix it. */
  InvalidSpec: 'InvalidSpec',
  /** A rollout is moving (or stuck: reason ProgressDeadlineExceeded, RolloutAborted). */
  Progressing: 'Progressing',
  /** The stable revision has its minimum of available replicas. */
  Available: 'Available',
  /** Stable serves everything and is fully available. */
  Healthy: 'Healthy',
  /** The Rollout is waiting for a pause to end or for promote. */
  Paused: 'Paused',
  /** KULTA: the Services and HTTPRoutes it needs exist and carry its backends. */
  TrafficRoutingReady: 'TrafficRoutingReady',
  /** KULTA: the CDEvents outbox is full because the sink does not accept events. */
  OutboxFull: 'OutboxFull',
  /** KULTA: the sink refused CDEvents for good; they are kept in status.deadLetters. */
  CDEventsRefused: 'CDEventsRefused',
  /** KULTA: applying the world failed in a way only a person can fix (RBAC, a missing object). */
  ActionFailed: 'ActionFailed',
  /** kstatus: the rollout is fully promoted and available (what `kubectl wait` waits for). */
  Ready: 'Ready',
  /** kstatus: KULTA is moving the rollout on by itself (a step, a timed pause, an analysis). */
  Reconciling: 'Reconciling',
  /** kstatus: the rollout will not move on without a person (aborted, failed, or a pause). */
  Stalled: 'Stalled',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export interface ConditionInput {
  readonly type: ConditionType;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
  /** The metadata.generation the condition was computed from (kstatus's shape). */
  readonly observedGeneration?: number;
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns `conditions` with `input` set. lastTransitionTime moves only when the status flips;
 * lastUpdateTime only when reason or message change, so an unchanged condition writes nothing.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: string,
): Condition[] {
  const status = input.status ? 'True' : 'False';
  const existing = getCondition(conditions, input.type);
  const others = (conditions ?? []).filter((c) => c.type !== input.type);
  if (
    existing?.status === status &&
    existing.reason === input.reason &&
    existing.message === input.message &&
    existing.observedGeneration === input.observedGeneration
  ) {
    return [...(conditions ?? [])];
  }
  const next: Condition = {
    type: input.type,
    status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: existing?.status === status ? existing.lastTransitionTime : now,
    lastUpdateTime: now,
    ...(input.observedGeneration === undefined
      ? {}
      : { observedGeneration: input.observedGeneration }),
  };
  return [...others, next].sort((a, b) => a.type.localeCompare(b.type));
}

export function removeCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
