// The progress deadline (pure): which waiting it counts, the Progressing condition, and the
// abort it causes under progressDeadlineAbort.
import { ConditionType, getCondition, type ConditionInput } from './conditions.ts';
import type { EventConfig } from './events.ts';
import { outboxFull } from './outbox.ts';
import { AbortReason, type RolloutSpec, type RolloutStatus } from './rollout/types.ts';

/** An analysis gate of a blue-green rollout that has started and not yet passed. */
function blueGreenGateRunning(spec: RolloutSpec, status: RolloutStatus): boolean {
  const b = status.blueGreen;
  const bg = spec.blueGreen;
  if (!bg || !b) return false;
  if (b.switchedAt === undefined) {
    return bg.prePromotionAnalysis !== undefined && b.previewReadyAt !== undefined;
  }
  return bg.postPromotionAnalysis !== undefined && status.stableRS !== status.currentPodHash;
}

/**
 * Waiting the progress deadline does not count, as Argo excludes indefinite steps: a pause, an
 * analysis step or blue-green analysis gate (it ends by its own verdict), and progress held
 * because the CDEvents outbox is full.
 */
export function deadlineHeld(
  spec: RolloutSpec,
  status: RolloutStatus,
  events: EventConfig | undefined,
): boolean {
  if (spec.paused || (status.pauseConditions ?? []).length > 0) return true;
  if (outboxFull(status, events)) return true;
  if (spec.strategy === 'blueGreen') return blueGreenGateRunning(spec, status);
  return spec.canary.steps[status.currentStepIndex ?? 0]?.kind === 'analysis';
}

export function progressCondition(
  spec: RolloutSpec,
  status: RolloutStatus,
  now: string,
  held: boolean,
): ConditionInput {
  const inCanary = status.currentPodHash !== status.stableRS;
  if (status.abortedAt !== undefined) {
    return {
      type: ConditionType.Progressing,
      status: false,
      reason: 'RolloutAborted',
      message: 'rollout aborted; traffic is back on stable',
    };
  }
  const waiting = inCanary && !held;
  const since = status.lastProgressAt ?? now;
  if (waiting && Date.parse(now) - Date.parse(since) > spec.progressDeadlineSeconds * 1000) {
    return {
      type: ConditionType.Progressing,
      status: false,
      reason: 'ProgressDeadlineExceeded',
      message: `no progress since ${since}: more than ${String(spec.progressDeadlineSeconds)}s (pauses and analyses excluded) at step ${String(status.currentStepIndex ?? 0)}`,
    };
  }
  return inCanary
    ? {
        type: ConditionType.Progressing,
        status: true,
        reason: 'ReplicaSetUpdated',
        message: `revision ${status.currentPodHash ?? ''} is progressing`,
      }
    : {
        type: ConditionType.Progressing,
        status: true,
        reason: 'NewReplicaSetAvailable',
        message: `revision ${status.stableRS ?? ''} is stable`,
      };
}

/** The hold that stopped the deadline ended in this step: it counts again from now. */
export function madeProgress(
  spec: RolloutSpec,
  step: {
    readonly before: RolloutStatus;
    readonly after: RolloutStatus;
    readonly held: boolean;
    readonly events: EventConfig | undefined;
  },
): boolean {
  const inCanary = step.after.currentPodHash !== step.after.stableRS;
  return inCanary && !step.held && deadlineHeld(spec, step.before, step.events);
}

/** Under progressDeadlineAbort a passed deadline aborts, recording it as the cause. */
export function withDeadlineAbort(spec: RolloutSpec, status: RolloutStatus): RolloutStatus {
  const deadline = getCondition(status.conditions, ConditionType.Progressing);
  if (
    !spec.progressDeadlineAbort ||
    deadline?.reason !== 'ProgressDeadlineExceeded' ||
    status.abortedAt !== undefined ||
    status.abort === true
  ) {
    return status;
  }
  const abortCause = { reason: AbortReason.ProgressDeadlineExceeded, message: deadline.message };
  return { ...status, abort: true, abortCause };
}
