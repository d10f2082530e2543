// One reconcile step, pure: plan({ rollout, observed, now }) → the next status and the actions
// that bring the world to what that status stands for. No I/O, no clock, no randomness.
import type { Action } from './actions.ts';
import { analysisActions } from './canary/analysis.ts';
import { appendHistory, decide, findReplicaSet, type Decision } from './canary/decide.ts';
import { deriveWorldActions } from './canary/world.ts';
import { decideBlueGreen } from './bluegreen/decide.ts';
import { deriveBlueGreenWorld } from './bluegreen/world.ts';
import { ConditionType, getCondition, setCondition } from './conditions.ts';
import { cdeventsFor, type EventConfig } from './events.ts';
import { stableAvailable, withReadiness } from './readiness.ts';
import { canonicalJson, podTemplateHash } from './rollout/hash.ts';
import { selectorString, type ParsedRollout } from './rollout/parse.ts';
import type { Phase, Rollout, RolloutSpec, RolloutStatus } from './rollout/types.ts';
import { abortConfirmed } from './abort.ts';
import { deadLetterCondition, outboxCondition, outboxFull } from './outbox.ts';
import { deadlineHeld, madeProgress, progressCondition, withDeadlineAbort } from './progress.ts';
import { restartActions, restartStatus } from './restart.ts';
import { routingProblems } from './routing.ts';
import type { Observed } from './observed.ts';

export interface PlanInput {
  readonly rollout: ParsedRollout;
  readonly observed: Observed;
  /** The current time, ISO 8601. */
  readonly now: string;
  /** Where CDEvents say they come from; without it no CDEvents are recorded (no sink). */
  readonly events?: EventConfig;
}

export interface Plan {
  /** The status to commit (equal to the current one when nothing changed). */
  readonly nextStatus: RolloutStatus;
  /** False when the step changes nothing: then nothing is written. */
  readonly statusChanged: boolean;
  /** What to do to the world once nextStatus is committed, fenced by its transition. */
  readonly actions: readonly Action[];
  /** The transition made, if any (e.g. "weight-set", "promoted", "aborted"). */
  readonly event: string | undefined;
  /** Whether the tick should keep visiting this rollout (timers or progress pending). */
  readonly active: boolean;
}

/** Status with undefined fields dropped, as it will look after a JSON round trip. */
export function normalizeStatus(status: RolloutStatus): RolloutStatus {
  return JSON.parse(JSON.stringify(status)) as RolloutStatus;
}

function sameStatus(a: RolloutStatus, b: RolloutStatus): boolean {
  return canonicalJson(normalizeStatus(a) as never) === canonicalJson(normalizeStatus(b) as never);
}

function counts(observed: Observed, current: string | undefined) {
  const sum = (pick: (rs: Observed['replicaSets'][number]) => number): number =>
    observed.replicaSets.reduce((n, rs) => n + pick(rs), 0);
  const replicas = sum((rs) => rs.currentReplicas);
  return {
    replicas,
    updatedReplicas: findReplicaSet(observed, current)?.currentReplicas ?? 0,
    readyReplicas: sum((rs) => rs.readyReplicas),
    availableReplicas: sum((rs) => rs.availableReplicas),
    HPAReplicas: replicas,
  };
}

export interface PhaseAndMessage {
  readonly phase: Phase;
  readonly message: string;
}

/** Phase is derived from status, never set ad hoc: stopped states first, then movement. */
export function derivePhase(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): PhaseAndMessage {
  return failedPhase(status) ?? stoppedPhase(spec, status) ?? movingPhase(spec, status, observed);
}

/** An action only a person can fix failed (the shell records it): that comes before all else. */
function failedPhase(status: RolloutStatus): PhaseAndMessage | undefined {
  const failed = getCondition(status.conditions, ConditionType.ActionFailed);
  return failed?.status === 'True'
    ? { phase: 'Degraded', message: `Stalled: ${failed.message}` }
    : undefined;
}

function stoppedPhase(spec: RolloutSpec, status: RolloutStatus): PhaseAndMessage | undefined {
  if (status.abortedAt !== undefined) {
    return { phase: 'Degraded', message: 'RolloutAborted: traffic is back on the stable revision' };
  }
  const progressing = status.conditions?.find((c) => c.type === ConditionType.Progressing);
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { phase: 'Degraded', message: progressing.message };
  }
  if (spec.paused) return { phase: 'Paused', message: 'paused by spec.paused' };
  const pause = status.pauseConditions?.[0];
  if (pause) {
    const until = status.pauseEndsAt ? ` until ${status.pauseEndsAt}` : ' until promoted';
    const where =
      spec.strategy === 'blueGreen' ? '' : ` at step ${String(status.currentStepIndex ?? 0)}`;
    return { phase: 'Paused', message: `${pause.reason}${where}${until}` };
  }
  return undefined;
}

function progressMessage(spec: RolloutSpec, status: RolloutStatus): string {
  const hash = status.currentPodHash ?? '';
  switch (spec.strategy) {
    case 'blueGreen':
      return status.blueGreen?.activeSelector === hash
        ? `${hash} is active; waiting for its post-promotion analysis`
        : `preview ${hash} is coming up`;
    case 'simple':
      return `rolling update to ${hash}`;
    case 'canary':
      return `canary at step ${String(status.currentStepIndex ?? 0)}`;
  }
}

function movingPhase(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): PhaseAndMessage {
  if (status.currentPodHash !== status.stableRS) {
    return { phase: 'Progressing', message: progressMessage(spec, status) };
  }
  const stable = findReplicaSet(observed, status.stableRS);
  if ((stable?.availableReplicas ?? 0) < spec.replicas) {
    return { phase: 'Progressing', message: 'waiting for stable replicas to be available' };
  }
  return { phase: 'Healthy', message: '' };
}

function observe(
  rollout: Rollout,
  status: RolloutStatus,
  observed: Observed,
  clock: { readonly now: string; readonly events: EventConfig | undefined },
): RolloutStatus {
  const { spec, metadata } = rollout;
  const { now, events } = clock;
  const c = counts(observed, status.currentPodHash);
  const held = deadlineHeld(spec, status, events);
  const progressed =
    madeProgress(spec, { before: rollout.status, after: status, held, events }) ||
    (c.availableReplicas > (status.availableReplicas ?? 0) &&
      status.currentPodHash !== status.stableRS);
  const retiring = (status.retiring ?? []).filter((r) => {
    const rs = findReplicaSet(observed, r.podTemplateHash);
    return rs !== undefined && (rs.replicas > 0 || rs.currentReplicas > 0);
  });
  let next: RolloutStatus = {
    ...status,
    ...c,
    observedGeneration: metadata.generation,
    selector: selectorString(spec.selector),
    retiring: retiring.length > 0 ? retiring : undefined,
    lastProgressAt: progressed ? now : status.lastProgressAt,
  };
  const problems = routingProblems(spec, observed);
  next = {
    ...next,
    conditions: setCondition(
      next.conditions,
      {
        type: ConditionType.TrafficRoutingReady,
        status: problems.length === 0,
        reason: problems.length === 0 ? 'RoutesReady' : 'RoutingProblem',
        message:
          problems.length === 0
            ? 'Services and HTTPRoutes carry the stable and canary backends'
            : problems.join('; '),
      },
      now,
    ),
  };
  next = {
    ...next,
    conditions: setCondition(
      next.conditions,
      { type: ConditionType.InvalidSpec, status: false, reason: 'SpecValid', message: '' },
      now,
    ),
  };
  next = {
    ...next,
    conditions: setCondition(next.conditions, progressCondition(spec, next, now, held), now),
  };
  next = withDeadlineAbort(spec, next);
  const { phase, message } = derivePhase(spec, next, observed);
  return withReadiness({
    status: { ...next, phase, message },
    generation: metadata.generation,
    specPaused: spec.paused,
    available: stableAvailable(spec, next, observed),
    now,
  });
}

function isActive(status: RolloutStatus, observed: Observed): boolean {
  if (status.phase === 'Progressing' || status.phase === 'Paused') return true;
  // A failed action is retried on the tick: what blocked it may be fixed outside the Rollout.
  if (getCondition(status.conditions, ConditionType.ActionFailed)) return true;
  if ((status.retiring ?? []).length > 0 || status.pauseEndsAt !== undefined) return true;
  if ((status.outbox ?? []).length > 0) return true;
  if ((observed.podsToRestart ?? 0) > 0) return true;
  return abortedCanaryRunning(status, observed);
}

/**
 * An aborted canary still has pods to scale down (an abort with nothing in flight has none; one
 * confirmed without a countdown, abortScaleDownDelaySeconds 0, keeps its pods on purpose).
 */
function abortedCanaryRunning(status: RolloutStatus, observed: Observed): boolean {
  if (status.abortedAt === undefined || status.currentPodHash === status.stableRS) return false;
  if (abortConfirmed(status) && status.abortScaleDownAt === undefined) return false;
  const canary = findReplicaSet(observed, status.currentPodHash);
  return canary !== undefined && canary.replicas > 0;
}

function invalidPlan(rollout: ParsedRollout, now: string): Plan {
  const { status } = rollout;
  const message = rollout.specErrors.join('; ');
  const conditions = setCondition(
    status.conditions,
    { type: ConditionType.InvalidSpec, status: true, reason: 'InvalidSpec', message },
    now,
  );
  const generation = rollout.metadata.generation;
  const degraded = { phase: 'Degraded', message: `InvalidSpec: ${message}` } as const;
  const next = { ...status, conditions, ...degraded, observedGeneration: generation };
  const readiness = { generation, specPaused: undefined, available: false, now };
  const nextStatus = normalizeStatus(withReadiness({ status: next, ...readiness }));
  return {
    nextStatus,
    statusChanged: !sameStatus(status, nextStatus),
    actions: [],
    event: undefined,
    active: false,
  };
}

/** Transitions on the abort path proceed even when the outbox is full: safety before stories. */
const safetyEvents = new Set([
  'aborted',
  'abort-traffic-shifted',
  'abort-traffic-confirmed',
  'rolled-back-to-stable',
]);

function decideOrHold(rollout: Rollout, input: PlanInput, currentHash: string): Decision {
  const { observed, now } = input;
  const decideFor = rollout.spec.strategy === 'blueGreen' ? decideBlueGreen : decide;
  const decision = decideFor({
    meta: rollout.metadata,
    spec: rollout.spec,
    status: rollout.status,
    observed,
    now,
    currentHash,
  });
  if (
    !decision.event ||
    safetyEvents.has(decision.event) ||
    !outboxFull(rollout.status, input.events)
  ) {
    return decision;
  }
  return { status: rollout.status, event: undefined, message: '' };
}

function deadlineExceeded(status: RolloutStatus): boolean {
  return status.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') === true;
}

interface Transition {
  readonly event: string;
  readonly message: string;
}

/** Stamps a transition: the next counter and a history record. */
function stamp(
  status: RolloutStatus,
  previous: number,
  transition: Transition,
  now: string,
): RolloutStatus {
  const counter = previous + 1;
  const record = { transition: counter, at: now, ...transition };
  return { ...status, transition: counter, history: appendHistory(status.history, record) };
}

/** A progress deadline passing is a transition of its own (it raises an incident). */
function deadlineTransition(before: RolloutStatus, after: RolloutStatus): Transition | undefined {
  if (!deadlineExceeded(after) || deadlineExceeded(before)) return undefined;
  const progressing = getCondition(after.conditions, ConditionType.Progressing);
  return { event: 'progress-deadline-exceeded', message: progressing?.message ?? '' };
}

function withOutbox(
  rollout: Rollout,
  input: PlanInput,
  after: RolloutStatus,
  transition: { event: string; message: string },
): RolloutStatus {
  const config = input.events;
  if (!config) return after;
  const produced = cdeventsFor({
    meta: rollout.metadata,
    spec: rollout.spec,
    before: rollout.status,
    after,
    event: transition.event,
    message: transition.message,
    observed: input.observed,
    now: input.now,
    config,
  });
  if (produced.length === 0) return after;
  const refs = produced.map((e) => ({ type: e.context.type, id: e.context.id }));
  const history = (after.history ?? []).map((r) =>
    r.transition === after.transition ? { ...r, cdevents: refs } : r,
  );
  return { ...after, history, outbox: [...(after.outbox ?? []), ...produced] };
}

function worldActions(
  rollout: Rollout,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): Action[] {
  if (rollout.spec.strategy === 'blueGreen')
    return deriveBlueGreenWorld(rollout, status, observed, now);
  return [
    ...deriveWorldActions(rollout, status, observed, now),
    ...analysisActions(rollout.metadata, rollout.spec, status, observed),
  ];
}

export function plan(input: PlanInput): Plan {
  const { rollout: parsed, observed, now } = input;
  if (!parsed.spec) return invalidPlan(parsed, now);
  const rollout: Rollout = { metadata: parsed.metadata, spec: parsed.spec, status: parsed.status };
  const currentHash = podTemplateHash(rollout.spec.template, rollout.status.collisionCount ?? 0);
  const decision = decideOrHold(rollout, input, currentHash);
  const previous = rollout.status.transition ?? 0;
  let transition: Transition | undefined = decision.event
    ? { event: decision.event, message: decision.message }
    : undefined;
  let next = transition ? stamp(decision.status, previous, transition, now) : decision.status;
  next = observe(rollout, restartStatus(rollout.spec, next, observed, now), observed, {
    now,
    events: input.events,
  });
  const deadline = transition ? undefined : deadlineTransition(rollout.status, next);
  if (deadline) {
    transition = deadline;
    next = stamp(next, previous, deadline, now);
  }
  if (transition) next = withOutbox(rollout, input, next, transition);
  next = normalizeStatus(deadLetterCondition(outboxCondition(next, input.events, now), now));
  return {
    nextStatus: next,
    statusChanged: !sameStatus(rollout.status, next),
    actions: [
      ...worldActions(rollout, next, observed, now),
      ...restartActions(rollout.spec, next, observed, now),
    ],
    event: transition?.event,
    active: isActive(next, observed),
  };
}
