// The conditions GitOps tools read, derived from the phase: kstatus's Ready / Reconciling /
// Stalled (kubectl wait, Flux, Helm 4, cli-utils appliers) beside Argo Rollouts' Available /
// Healthy / Paused, each stamped with the generation it was computed from.
import { findReplicaSet } from './canary/decide.ts';
import { ConditionType, getCondition, setCondition, type ConditionInput } from './conditions.ts';
import type { Observed } from './observed.ts';
import type { Condition, RolloutSpec, RolloutStatus } from './rollout/types.ts';

/** Why a rollout waits for a person or has failed: the reason of Ready=False and Stalled=True. */
export const StalledReason = {
  /** A step or an action failed in a way retrying does not fix (ActionFailed). */
  ActionFailed: 'ActionFailed',
  /** The spec cannot be acted on (InvalidSpec). */
  InvalidSpec: 'InvalidSpec',
  /** The rollout was aborted (by an operator, an analysis, a deadline); traffic is on stable. */
  RolloutAborted: 'RolloutAborted',
  /** The canary made no progress within progressDeadlineSeconds. */
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** A pause without an end (a pause step, an inconclusive analysis): promote to go on. */
  WaitingForPromotion: 'WaitingForPromotion',
  /** spec.paused is true: resume (spec.paused=false) or promote to go on. */
  PausedBySpec: 'PausedBySpec',
} as const;
export type StalledReason = (typeof StalledReason)[keyof typeof StalledReason];

export interface ReadinessInput {
  /** The status with its phase and message already derived. */
  readonly status: RolloutStatus;
  readonly generation: number;
  /** spec.paused; undefined when the spec is invalid (then Argo's conditions are left alone). */
  readonly specPaused: boolean | undefined;
  /** The stable revision has all its replicas available. */
  readonly available: boolean;
  readonly now: string;
}

/** The Stalled=True reason for a status that needs a person, or undefined when it moves on. */
export function stalledReason(
  status: RolloutStatus,
  specPaused: boolean,
): StalledReason | undefined {
  if (getCondition(status.conditions, ConditionType.ActionFailed)?.status === 'True') {
    return StalledReason.ActionFailed;
  }
  if (getCondition(status.conditions, ConditionType.InvalidSpec)?.status === 'True') {
    return StalledReason.InvalidSpec;
  }
  if (status.phase === 'Degraded') {
    return status.abortedAt === undefined
      ? StalledReason.ProgressDeadlineExceeded
      : StalledReason.RolloutAborted;
  }
  if (status.phase !== 'Paused') return undefined;
  if (specPaused) return StalledReason.PausedBySpec;
  // A timed pause ends by itself: that is progress, not a wait for a person.
  return status.pauseEndsAt === undefined ? StalledReason.WaitingForPromotion : undefined;
}

const howToGoOn: Partial<Record<StalledReason, string>> = {
  WaitingForPromotion: 'promote to go on (kulta promote, or the promote action)',
  PausedBySpec: 'resume to go on (kulta resume: spec.paused=false)',
  RolloutAborted: 'retry (kulta retry) or set a new revision to go on',
};

function kstatusConditions(
  status: RolloutStatus,
  reason: StalledReason | undefined,
  generation: number,
): ConditionInput[] {
  const message = status.message ?? '';
  const g = { observedGeneration: generation };
  if (status.phase === 'Healthy') {
    const done = { reason: 'Healthy', message: 'fully promoted and available', ...g };
    return [
      { type: ConditionType.Ready, status: true, ...done },
      { type: ConditionType.Reconciling, status: false, ...done },
      { type: ConditionType.Stalled, status: false, ...done },
    ];
  }
  if (reason === undefined) {
    const moving = { reason: status.phase ?? 'Progressing', message, ...g };
    return [
      { type: ConditionType.Ready, status: false, ...moving },
      { type: ConditionType.Reconciling, status: true, ...moving },
      { type: ConditionType.Stalled, status: false, ...moving },
    ];
  }
  const hint = howToGoOn[reason];
  const stalled = { reason, message: hint ? `${message}; ${hint}` : message, ...g };
  return [
    { type: ConditionType.Ready, status: false, ...stalled },
    { type: ConditionType.Reconciling, status: false, ...stalled },
    { type: ConditionType.Stalled, status: true, ...stalled },
  ];
}

/** Argo Rollouts' Available / Healthy / Paused, with Argo's reasons and messages. */
function argoConditions(
  conditions: readonly Condition[] | undefined,
  status: RolloutStatus,
  specPaused: boolean,
  available: boolean,
): ConditionInput[] {
  const paused = specPaused || (status.pauseConditions ?? []).length > 0;
  const healthy = status.phase === 'Healthy';
  const out: ConditionInput[] = [
    available
      ? {
          type: ConditionType.Available,
          status: true,
          reason: 'AvailableReason',
          message: 'Rollout has minimum availability',
        }
      : {
          type: ConditionType.Available,
          status: false,
          reason: 'AvailableReason',
          message: 'Rollout does not have minimum availability',
        },
    {
      type: ConditionType.Healthy,
      status: healthy,
      reason: 'RolloutHealthy',
      message: healthy ? 'Rollout is healthy' : 'Rollout is not healthy',
    },
  ];
  if (paused) {
    out.push({
      type: ConditionType.Paused,
      status: true,
      reason: 'RolloutPaused',
      message: 'Rollout is paused',
    });
  } else if (getCondition(conditions, ConditionType.Paused)) {
    // As Argo: Paused stays, False, once a rollout has been resumed.
    out.push({
      type: ConditionType.Paused,
      status: false,
      reason: 'RolloutResumed',
      message: 'Rollout is resumed',
    });
  }
  return out;
}

/** `status` with the readiness conditions set from its phase (an unchanged one writes nothing). */
export function withReadiness(input: ReadinessInput): RolloutStatus {
  const { status, generation, specPaused, available, now } = input;
  const reason = stalledReason(status, specPaused === true);
  const inputs = [
    ...kstatusConditions(status, reason, generation),
    ...(specPaused === undefined
      ? []
      : argoConditions(status.conditions, status, specPaused, available)),
  ];
  const conditions = inputs.reduce<Condition[]>(
    (acc, c) => setCondition(acc, c, now),
    [...(status.conditions ?? [])],
  );
  return { ...status, conditions };
}

/** Argo's Available: the stable revision has all its replicas available. */
export function stableAvailable(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): boolean {
  const stable = findReplicaSet(observed, status.stableRS);
  return (stable?.availableReplicas ?? 0) >= spec.replicas;
}
