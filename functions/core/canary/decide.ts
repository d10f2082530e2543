// The canary state machine: from spec, status, the observed world and `now` to the next
// status. It decides; the world is derived from what it decides (see world.ts).
import { addSeconds } from '../duration.ts';
import { retireOld } from '../retiring.ts';
import {
  abortCauseOf,
  abortConfirmed,
  clearedAbort,
  confirmAbort,
  describeAbortCause,
  scaleDownNote,
} from '../abort.ts';
import type { Observed, ObservedReplicaSet } from '../observed.ts';
import type {
  ReplicaProgressThreshold,
  RolloutMeta,
  RolloutSpec,
  RolloutStatus,
  StepRecord,
  TransitionRecord,
  WeightDestination,
} from '../rollout/types.ts';
import { PauseReason } from '../rollout/types.ts';
import { headerRoutesInPlace } from '../header-routes.ts';
import { backgroundRunName, decideRun, findRun, runSummary, stepRunName } from './analysis.ts';
import { desiredCanaryReplicas } from './replicas.ts';

/** How many transitions status.history keeps. */
export const historyLimit = 20;

export interface DecideInput {
  readonly meta: RolloutMeta;
  readonly spec: RolloutSpec;
  readonly status: RolloutStatus;
  readonly observed: Observed;
  readonly now: string;
  /** The pod-template hash of spec.template. */
  readonly currentHash: string;
}

/** A decision: the next status and the name of the transition, if one happened. */
export interface Decision {
  readonly status: RolloutStatus;
  readonly event: string | undefined;
  readonly message: string;
}

const unchanged = (status: RolloutStatus): Decision => ({ status, event: undefined, message: '' });

function weights(
  spec: RolloutSpec,
  stableHash: string,
  canaryHash: string,
  canaryWeight: number,
): { canary: WeightDestination; stable: WeightDestination } {
  return {
    canary: {
      podTemplateHash: canaryHash,
      serviceName: spec.canary.canaryService ?? '',
      weight: canaryWeight,
    },
    stable: {
      podTemplateHash: stableHash,
      serviceName: spec.canary.stableService ?? '',
      weight: 100 - canaryWeight,
    },
  };
}

export function committedWeight(status: RolloutStatus): number {
  return status.canary?.weights?.canary.weight ?? 0;
}

export function findReplicaSet(
  observed: Observed,
  hash: string | undefined,
): ObservedReplicaSet | undefined {
  return observed.replicaSets.find((rs) => rs.podTemplateHash === hash);
}

function startStep(status: RolloutStatus, index: number, spec: RolloutSpec, now: string) {
  const step = spec.canary.steps[index];
  const history = finishRunningStep(status.stepHistory ?? [], now);
  if (!step) return { currentStep: undefined, stepHistory: history };
  return {
    currentStep: { index, kind: step.kind, startedAt: now },
    stepHistory: [...history, { index, kind: step.kind, startedAt: now }].slice(-100),
  };
}

function finishRunningStep(history: readonly StepRecord[], now: string): StepRecord[] {
  return history.map((record) => {
    if (record.finishedAt !== undefined) return record;
    const durationSeconds = Math.round((Date.parse(now) - Date.parse(record.startedAt)) / 1000);
    return { ...record, finishedAt: now, durationSeconds };
  });
}

/** Moves to step `index` (or to full promotion when past the last step). */
function enterStep(
  status: RolloutStatus,
  spec: RolloutSpec,
  index: number,
  now: string,
): RolloutStatus {
  return {
    ...status,
    currentStepIndex: index,
    pauseConditions: undefined,
    controllerPause: undefined,
    pauseEndsAt: undefined,
    lastProgressAt: now,
    ...startStep(status, index, spec, now),
  };
}

/** The first revision, or a revision that returns to stable: nothing to canary. */
function adoptAsStable(input: DecideInput, event: string): Decision {
  const { spec, status, currentHash, now } = input;
  const previousCanary = status.currentPodHash;
  const retiring = (status.retiring ?? []).filter((r) => r.podTemplateHash !== currentHash);
  return {
    event,
    message:
      event === 'deployed'
        ? `revision ${currentHash} deployed as stable`
        : `back to stable revision ${currentHash}; canary ${previousCanary ?? ''} dropped`,
    status: {
      ...enterStep(status, spec, spec.canary.steps.length, now),
      currentPodHash: currentHash,
      stableRS: currentHash,
      ...clearedAbort,
      promoteFull: undefined,
      retiring,
      canary: { weights: weights(spec, currentHash, currentHash, 0) },
    },
  };
}

/** A new pod template: start the steps from the beginning for the new revision. */
function startRevision(input: DecideInput): Decision {
  const { spec, status, currentHash, now } = input;
  const stable = status.stableRS ?? currentHash;
  return {
    event: 'revision-started',
    message: `new revision ${currentHash}: canary against stable ${stable}`,
    status: {
      ...enterStep({ ...status, stepHistory: [] }, spec, 0, now),
      currentPodHash: currentHash,
      ...clearedAbort,
      promoteFull: undefined,
      canary: { weights: weights(spec, stable, currentHash, 0) },
    },
  };
}

function allRoutesAt(input: DecideInput, canaryWeight: number): boolean {
  const routing = input.spec.canary.trafficRouting;
  if (!routing) return true;
  return routing.httpRoutes.every((name) => {
    const route = input.observed.routes.find(
      (r) => r.name === name && r.namespace === routing.namespace,
    );
    return route?.exists === true && route.consistent && route.canaryWeight === canaryWeight;
  });
}

/** True when the stable can take all traffic back: always, unless dynamicStableScale shrank it. */
function stableCanTakeAll(input: DecideInput): boolean {
  if (!input.spec.canary.dynamicStableScale) return true;
  const stable = findReplicaSet(input.observed, input.status.stableRS);
  return stable !== undefined && stable.availableReplicas >= input.spec.replicas;
}

function trafficBackToStable(input: DecideInput): RolloutStatus {
  const { spec, status } = input;
  const stable = status.stableRS ?? input.currentHash;
  const canary = status.currentPodHash ?? input.currentHash;
  return { ...status, canary: { ...status.canary, weights: weights(spec, stable, canary, 0) } };
}

/** Abort: traffic to 0 first, confirmed on every route, then the scale-down countdown. */
function decideAbort(input: DecideInput): Decision | undefined {
  const { spec, status, now } = input;
  if (status.abort === true && status.abortedAt === undefined) {
    const cause = abortCauseOf(status);
    const cleared = {
      ...status,
      abortedAt: now,
      abortCause: cause,
      pauseConditions: undefined,
      controllerPause: undefined,
      pauseEndsAt: undefined,
    };
    return {
      event: 'aborted',
      message: `rollout aborted at step ${String(status.currentStepIndex ?? 0)} (${describeAbortCause(cause)}); traffic goes back to stable ${status.stableRS ?? ''}`,
      status: stableCanTakeAll(input)
        ? trafficBackToStable({ ...input, status: cleared })
        : cleared,
    };
  }
  if (status.abort === true) return decideAborted(input);
  if (status.abortedAt !== undefined) {
    return {
      event: 'retried',
      message: 'rollout retried from the first step',
      // status.abort stays as the operator's retry wrote it (false), as in Argo.
      status: {
        ...enterStep({ ...status, stepHistory: [] }, spec, 0, now),
        ...clearedAbort,
        abort: status.abort,
      },
    };
  }
  return undefined;
}

function decideAborted(input: DecideInput): Decision {
  const { spec, status, now } = input;
  if (committedWeight(status) > 0) {
    if (!stableCanTakeAll(input)) return unchanged(status);
    return {
      event: 'abort-traffic-shifted',
      message: 'stable is back at full size; all traffic returns to it',
      status: trafficBackToStable(input),
    };
  }
  if (
    abortConfirmed(status) ||
    !allRoutesAt(input, 0) ||
    !headerRoutesInPlace(spec, status, input.observed)
  )
    return unchanged(status);
  const delay = spec.canary.abortScaleDownDelaySeconds;
  return {
    event: 'abort-traffic-confirmed',
    message: `every route sends 0% to the canary; ${scaleDownNote(delay)}`,
    status: confirmAbort(status, delay, now),
  };
}

/**
 * The step's canary ReplicaSet is at its size and enough of its pods are available: all of them,
 * or what `replicaProgressThreshold` asks (a percentage of the step's pods, or a count, never
 * more than the step has).
 */
function canaryAvailable(input: DecideInput, stepIndex: number): boolean {
  const rs = findReplicaSet(input.observed, input.status.currentPodHash);
  const want = desiredCanaryReplicas(input.spec, stepIndex);
  if (rs?.replicas !== want) return false;
  return rs.availableReplicas >= availableNeeded(input.spec.canary.replicaProgressThreshold, want);
}

export function availableNeeded(
  threshold: ReplicaProgressThreshold | undefined,
  want: number,
): number {
  if (!threshold) return want;
  if (threshold.type === 'Pod') return Math.min(threshold.value, want);
  return Math.ceil((want * threshold.value) / 100);
}

/** Full promotion: the canary becomes stable; the old stable retires after its delay. */
function promote(input: DecideInput): Decision {
  const { spec, status, now } = input;
  const hash = status.currentPodHash ?? input.currentHash;
  const old = status.stableRS;
  const retiring = retireOld(spec, status.retiring, { hash, old, now });
  return {
    event: 'promoted',
    message: `revision ${hash} fully promoted; ${old ?? ''} scales down in ${String(spec.canary.scaleDownDelaySeconds)}s`,
    status: {
      ...enterStep(status, spec, spec.canary.steps.length, now),
      stableRS: hash,
      promoteFull: undefined,
      retiring,
      canary: { ...status.canary, weights: weights(spec, hash, hash, 0) },
    },
  };
}

function decidePause(input: DecideInput, index: number, duration: number | undefined): Decision {
  const { status, now } = input;
  const started = status.controllerPause === true && status.currentStep?.index === index;
  if (!started) {
    if (duration === 0) return advance(input, index, 'pause of 0s passed');
    return {
      event: 'paused',
      message:
        duration === undefined
          ? `paused at step ${String(index)} until promoted`
          : `paused at step ${String(index)} for ${String(duration)}s`,
      status: {
        ...status,
        controllerPause: true,
        pauseConditions: [{ reason: PauseReason.CanaryPauseStep, startTime: now }],
        pauseEndsAt: duration === undefined ? undefined : addSeconds(now, duration),
      },
    };
  }
  if ((status.pauseConditions ?? []).length === 0)
    return advance(input, index, 'promoted by operator');
  if (status.pauseEndsAt !== undefined && Date.parse(now) >= Date.parse(status.pauseEndsAt)) {
    return advance(input, index, 'pause ended');
  }
  return unchanged(status);
}

function advance(input: DecideInput, index: number, why: string): Decision {
  return {
    event: 'step-completed',
    message: `step ${String(index)} completed: ${why}`,
    status: enterStep(input.status, input.spec, index + 1, input.now),
  };
}

function decideSetWeight(input: DecideInput, index: number, weight: number): Decision {
  const { spec, status } = input;
  if (!canaryAvailable(input, index)) return unchanged(status);
  if (committedWeight(status) !== weight) {
    const stable = status.stableRS ?? input.currentHash;
    return {
      event: 'weight-set',
      message: `canary weight ${String(weight)}% at step ${String(index)}`,
      status: {
        ...status,
        lastProgressAt: input.now,
        canary: {
          ...status.canary,
          weights: weights(spec, stable, status.currentPodHash ?? '', weight),
        },
      },
    };
  }
  if (!allRoutesAt(input, weight)) return unchanged(status);
  return advance(input, index, `traffic at ${String(weight)}%`);
}

/** promote-full asked for before the last step: the remaining steps are skipped. */
function promoteFullRequested(input: DecideInput, index: number): Decision | undefined {
  const { spec, status } = input;
  const last = spec.canary.steps.length;
  if (status.promoteFull !== true || index >= last) return undefined;
  return {
    event: 'promote-full-requested',
    message: `steps ${String(index)}-${String(last - 1)} skipped: promoting fully`,
    status: enterStep(status, spec, last, input.now),
  };
}

/** A setHeaderRoute step: done once its pods are up and every route carries the header routes. */
function decideHeaderRoute(input: DecideInput, index: number, name: string): Decision {
  const { spec, status, observed } = input;
  return canaryAvailable(input, index) && headerRoutesInPlace(spec, status, observed)
    ? advance(input, index, `header route ${name} in place`)
    : unchanged(status);
}

/** One move of a running canary: the step at currentStepIndex, or full promotion. */
function decideStep(input: DecideInput): Decision {
  const { spec, status } = input;
  const index = status.currentStepIndex ?? 0;
  const skipped = promoteFullRequested(input, index);
  if (skipped) return skipped;
  const step = spec.canary.steps[index];
  if (!step) {
    return canaryAvailable(input, spec.canary.steps.length) ? promote(input) : unchanged(status);
  }
  switch (step.kind) {
    case 'setWeight':
      return decideSetWeight(input, index, step.weight);
    case 'pause':
      return decidePause(input, index, step.durationSeconds);
    case 'setCanaryScale':
      return canaryAvailable(input, index)
        ? advance(input, index, 'canary scaled')
        : unchanged(status);
    case 'analysis':
      return decideAnalysisStep(input, index);
    case 'setHeaderRoute':
      return decideHeaderRoute(input, index, step.name);
  }
}

/** An analysis step: continue on success (or on promote after an inconclusive verdict). */
function decideAnalysisStep(input: DecideInput, index: number): Decision {
  const { status } = input;
  const run = findRun(input.observed, stepRunName(input.meta, status));
  if (!run) return unchanged(status);
  const last = status.canary?.currentStepAnalysisRunStatus;
  const promotedPastInconclusive =
    last?.name === run.name &&
    last.status === 'Inconclusive' &&
    status.controllerPause === true &&
    (status.pauseConditions ?? []).length === 0;
  if (run.phase === 'Successful' || promotedPastInconclusive) {
    const why =
      run.phase === 'Successful' ? `analysis ${run.name} succeeded` : 'promoted by operator';
    const next = advance(input, index, why);
    const summary = runSummary(run);
    return {
      ...next,
      status: {
        ...next.status,
        canary: { ...next.status.canary, currentStepAnalysisRunStatus: summary },
      },
    };
  }
  return decideRun(status, run, 'currentStepAnalysisRunStatus', input.now) ?? unchanged(status);
}

/** The background analysis can abort or pause a canary at any step. */
function decideBackground(input: DecideInput): Decision | undefined {
  const run = findRun(input.observed, backgroundRunName(input.meta, input.spec, input.status));
  return decideRun(input.status, run, 'currentBackgroundAnalysisRunStatus', input.now);
}

/** The transition this step makes, if any. Bookkeeping (history, counts, phase) is elsewhere. */
export function decide(input: DecideInput): Decision {
  const { status, currentHash } = input;
  if (status.stableRS === undefined) return adoptAsStable(input, 'deployed');
  if (status.currentPodHash !== currentHash) {
    return currentHash === status.stableRS
      ? adoptAsStable(input, 'rolled-back-to-stable')
      : startRevision(input);
  }
  const aborting = decideAbort(input);
  if (aborting) return aborting;
  if (status.currentPodHash === status.stableRS || input.spec.paused) return unchanged(status);
  return decideBackground(input) ?? decideStep(input);
}

export function appendHistory(
  history: readonly TransitionRecord[] | undefined,
  record: TransitionRecord,
): TransitionRecord[] {
  return [...(history ?? []), record].slice(-historyLimit);
}
