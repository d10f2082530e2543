// A failed world action that only a person can fix, told on the Rollout: the ActionFailed
// condition (phase Degraded, kstatus Stalled) set after the failure, cleared once the world applies.
import { ConditionType, getCondition, removeCondition, setCondition } from './conditions.ts';
import type { Observed } from './observed.ts';
import { derivePhase, normalizeStatus } from './plan.ts';
import { stableAvailable, withReadiness } from './readiness.ts';
import { canonicalJson } from './rollout/hash.ts';
import type { Rollout, RolloutStatus } from './rollout/types.ts';

export interface ActionOutcome {
  /** The Rollout as planned: its status is the one just committed. */
  readonly rollout: Rollout;
  readonly observed: Observed;
  /** What failed (the error's message), or undefined when every action applied. */
  readonly failure: string | undefined;
  readonly now: string;
}

/**
 * The status after the world was applied, with the phase and readiness derived again. Equal to
 * (the same object as) the committed status when nothing changes: a repeated failure writes nothing.
 */
export function withActionOutcome(input: ActionOutcome): RolloutStatus {
  const { rollout, observed, failure, now } = input;
  const { status, spec, metadata } = rollout;
  if (failure === undefined && !getCondition(status.conditions, ConditionType.ActionFailed)) {
    return status;
  }
  const conditions =
    failure === undefined
      ? removeCondition(status.conditions, ConditionType.ActionFailed)
      : setCondition(
          status.conditions,
          {
            type: ConditionType.ActionFailed,
            status: true,
            reason: 'Stalled',
            message: failure,
            observedGeneration: metadata.generation,
          },
          now,
        );
  const { phase, message } = derivePhase(spec, { ...status, conditions }, observed);
  const next = normalizeStatus(
    withReadiness({
      status: { ...status, conditions, phase, message },
      generation: metadata.generation,
      specPaused: spec.paused,
      available: stableAvailable(spec, status, observed),
      now,
    }),
  );
  return canonicalJson(next as never) === canonicalJson(normalizeStatus(status) as never)
    ? status
    : next;
}
