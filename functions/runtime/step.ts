// One stateless reconcile step: fresh read → pure plan → status commit with a resourceVersion
// precondition → world applied from the committed status, fenced by its transition counter.
import { withActionOutcome } from '../core/action-failure.ts';
import { normalizeStatus, plan, type Plan } from '../core/plan.ts';
import { finishedRunPhases } from '../core/canary/analysis.ts';
import type { Observed } from '../core/observed.ts';
import { pendingRestart } from '../core/restart.ts';
import { settleOutbox } from '../core/outbox.ts';
import { cdeventsFinalizer, mayRelease, planRemoval } from '../core/removal.ts';
import type { RolloutSpec, RolloutStatus } from '../core/rollout/types.ts';
import { MalformedObjectError, parseRollout, type ParsedRollout } from '../core/rollout/parse.ts';
import type { EventConfig } from '../core/events.ts';
import type {
  AnalysisMeasurer,
  Clock,
  EventSink,
  Fence,
  MetadataChange,
  RolloutRef,
  RolloutStore,
  TransitionNote,
  TransitionRecorder,
  World,
} from '../ports.ts';
import { activeLabel } from '../core/rollout/types.ts';
import { ConflictError, InvalidInputError, StalledError } from './errors.ts';

export interface StepDeps {
  readonly clock: Clock;
  readonly rollouts: RolloutStore;
  readonly world: World;
  /** Measures the rollout's AnalysisRuns when due; without it analyses never progress. */
  readonly analysis?: AnalysisMeasurer;
  /** Kubernetes Events for transitions; optional so pure-shell tests can leave it out. */
  readonly recorder?: TransitionRecorder;
  /** CDEvents: where they go and what they say about their origin. Without it none are recorded. */
  readonly events?: { readonly sink: EventSink; readonly config: EventConfig };
  /** Told about side notes that could not be written (Kubernetes Events): log and count. */
  readonly notes?: StepNotes;
}

/** Side notes are best effort: a failure is told here and never fails the step. */
export interface StepNotes {
  eventNotRecorded(error: unknown, note: TransitionNote): void;
}

/** What a step did, for logs, metrics and tests. */
export type StepOutcome =
  /** The Rollout does not exist (deleted); nothing to do. */
  | { readonly kind: 'gone' }
  /** Nothing changed: nothing was written. */
  | { readonly kind: 'noop'; readonly plan: Plan; readonly delivery?: Delivery }
  /** Status and/or world were written. */
  | {
      readonly kind: 'applied';
      readonly plan: Plan;
      readonly committed: boolean;
      readonly delivery?: Delivery;
    }
  /** Another writer changed the Rollout first; its change triggers the next step. */
  | { readonly kind: 'conflict'; readonly message: string }
  /**
   * The Rollout is being deleted: its outbox (with service.removed) was delivered; `released`
   * when KULTA's finalizer was removed, `dropped` events the sink never took within the grace.
   */
  | {
      readonly kind: 'removing';
      readonly released: boolean;
      readonly dropped: number;
      readonly delivery?: Delivery;
    };

/** What happened to the outbox in this step: events accepted, refused, and still waiting. */
export interface Delivery {
  readonly sent: number;
  /** Refused for good by the sink and moved to status.deadLetters. */
  readonly deadLettered: number;
  readonly failed: number;
  readonly pending: number;
  /**
   * Why delivery stopped, when it did; `retryable` false means the sink turns every event away
   * (401, 403, a redirect): its address or credentials need a person.
   */
  readonly stoppedBy?: { readonly error: string; readonly retryable: boolean };
}

const emptyWorld = { replicaSets: [], services: [], routes: [], analysisRuns: [] } as const;

function isActiveLabelled(raw: unknown): boolean {
  const labels = (raw as { metadata?: { labels?: Record<string, string> } }).metadata?.labels;
  return labels?.[activeLabel] === 'true';
}

/**
 * Commits the plan's status and returns the resourceVersion the Rollout now has; a conflict
 * means someone else won: stop, their write re-triggers.
 */
async function commit(
  deps: StepDeps,
  ref: RolloutRef,
  resourceVersion: string,
  p: Pick<Plan, 'statusChanged' | 'nextStatus'>,
): Promise<string | StepOutcome> {
  if (!p.statusChanged) return resourceVersion;
  try {
    return await deps.rollouts.commitStatus(ref, resourceVersion, p.nextStatus);
  } catch (error) {
    if (error instanceof ConflictError) return { kind: 'conflict', message: error.message };
    throw error;
  }
}

/** A Kubernetes Event, best effort: one that cannot be written is told and the step goes on. */
async function recordNote(deps: StepDeps, ref: RolloutRef, note: TransitionNote): Promise<void> {
  if (!deps.recorder) return;
  try {
    await deps.recorder.record(ref, note);
  } catch (error) {
    deps.notes?.eventNotRecorded(error, note);
  }
}

/** The plan's actions, one after another: their order is what keeps traffic safe. */
async function applyInOrder(
  deps: StepDeps,
  p: Plan,
  fence: Fence,
  spec: RolloutSpec | undefined,
): Promise<void> {
  if (!spec) return;
  try {
    for (const action of p.actions) await deps.world.apply(action, fence, spec);
  } catch (error) {
    // What needs a person (a missing AnalysisTemplate, a refused object) is told on the Rollout.
    if (error instanceof StalledError) {
      await recordNote(deps, fence.rollout, {
        uid: fence.uid,
        transition: fence.transition,
        event: 'action-failed',
        message: error.message,
        at: deps.clock.now(),
      });
    }
    throw error;
  }
}

/**
 * Applies the world. What only a person can fix (StalledError) is also written on the Rollout
 * (ActionFailed condition, phase Degraded, kstatus Stalled) so `kulta get`, Argo CD and Flux show
 * it, and rethrown (acknowledged); once the world applies again the condition is cleared.
 * Returns the resourceVersion and status the Rollout has afterwards.
 */
async function applyWorld(
  deps: StepDeps,
  step: { readonly parsed: ParsedRollout; readonly observed: Observed; readonly plan: Plan },
  fence: Fence,
  resourceVersion: string,
): Promise<{ resourceVersion: string; status: RolloutStatus }> {
  const { parsed, observed, plan: p } = step;
  const settled = { resourceVersion, status: p.nextStatus };
  const { spec, metadata } = parsed;
  if (!spec) return settled;
  const rollout = { metadata, spec, status: p.nextStatus };
  const settle = async (failure: string | undefined) => {
    const now = deps.clock.now();
    const next = withActionOutcome({ rollout, observed, failure, now });
    if (next === p.nextStatus) return settled;
    try {
      const rv = await deps.rollouts.commitStatus(fence.rollout, resourceVersion, next);
      return { resourceVersion: rv, status: next };
    } catch (error) {
      // Someone else wrote first: their write brings a new step, which applies (and records) again.
      if (error instanceof ConflictError) return settled;
      throw error;
    }
  };
  try {
    await applyInOrder(deps, p, fence, spec);
  } catch (error) {
    if (error instanceof StalledError) await settle(error.message);
    throw error;
  }
  return settle(undefined);
}

/**
 * Measures the rollout's unfinished AnalysisRuns (the measurer knows what is due). A run's new
 * status is an event of its own, which brings the verdict back to the planner.
 */
async function measureRuns(
  deps: StepDeps,
  ref: RolloutRef,
  observed: Observed,
  now: string,
): Promise<void> {
  if (!deps.analysis) return;
  for (const run of observed.analysisRuns) {
    if (finishedRunPhases.has(run.phase)) continue;
    await deps.analysis.measure(ref.namespace, run.name, now);
  }
}

async function recordTransition(
  deps: StepDeps,
  ref: RolloutRef,
  uid: string,
  p: Plan,
): Promise<void> {
  const last = p.nextStatus.history?.at(-1);
  if (!p.event || !last) return;
  await recordNote(deps, ref, {
    uid,
    transition: last.transition,
    event: last.event,
    message: last.message,
    at: last.at,
  });
}

/**
 * Sends the outbox after the commit, in order, and removes what the sink accepted (2xx). What
 * fails stays for the next step (the tick keeps the rollout active); a resend is a duplicate with
 * the same id. A conflict on the removal means another step will resend: harmless.
 */
async function deliverOutbox(
  deps: StepDeps,
  ref: RolloutRef,
  resourceVersion: string,
  status: RolloutStatus,
): Promise<{ delivery?: Delivery; resourceVersion: string }> {
  const outbox = status.outbox ?? [];
  if (!deps.events || outbox.length === 0) return { resourceVersion };
  const report = await deps.events.sink.deliver(outbox);
  const next = normalizeStatus(settleOutbox(status, report, deps.clock.now()));
  const delivery = {
    sent: report.delivered.length,
    deadLettered: report.refused.length,
    failed: report.failed.length,
    pending: next.outbox?.length ?? 0,
    ...(report.failed[0]
      ? { stoppedBy: { error: report.failed[0].error, retryable: report.failed[0].retryable } }
      : {}),
  };
  if (delivery.sent + delivery.deadLettered === 0) return { delivery, resourceVersion };
  try {
    return {
      delivery,
      resourceVersion: await deps.rollouts.commitStatus(ref, resourceVersion, next),
    };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return { delivery, resourceVersion };
  }
}

/**
 * Changes KULTA's own metadata. Losing a race for the finalizer is harmless: the write that won
 * triggers another step, which tries again.
 */
async function patchMetadata(deps: StepDeps, ref: RolloutRef, change: MetadataChange) {
  try {
    await deps.rollouts.patchMetadata(ref, change);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

function parse(raw: unknown): ParsedRollout {
  try {
    return parseRollout(raw);
  } catch (error) {
    if (error instanceof MalformedObjectError) {
      throw new InvalidInputError(error.message, { cause: error });
    }
    throw error;
  }
}

/** The owned world, or nothing for an invalid spec (nothing will be touched). */
async function observeWorld(
  deps: StepDeps,
  ref: RolloutRef,
  parsed: ParsedRollout,
  now: string,
): Promise<Observed> {
  const { spec } = parsed;
  if (!spec) return emptyWorld;
  const restartBefore = pendingRestart(spec, parsed.status, now);
  return deps.world.observe(ref, parsed.metadata.uid, spec, restartBefore);
}

/** KULTA's finalizer as a metadata change, when the step must add or remove it. */
function finalizerChange(
  parsed: ParsedRollout,
  action: 'add' | 'remove',
  resourceVersion: string,
): MetadataChange['finalizer'] {
  const current = parsed.metadata.finalizers;
  return { action, name: cdeventsFinalizer, current, resourceVersion };
}

/**
 * A deleted Rollout's step: record service.removed (stamped with the deletion), deliver the
 * outbox, and let the object go once the sink has everything, or once the grace has passed.
 */
async function removalStep(
  deps: StepDeps,
  ref: RolloutRef,
  raw: unknown,
  parsed: ParsedRollout,
): Promise<StepOutcome> {
  if (!parsed.metadata.finalizers.includes(cdeventsFinalizer)) return { kind: 'gone' };
  const now = deps.clock.now();
  const removal = planRemoval(parsed, now, deps.events?.config);
  const resourceVersion = await commit(deps, ref, parsed.metadata.resourceVersion, removal);
  if (typeof resourceVersion !== 'string') return resourceVersion;
  const { delivery, resourceVersion: latest } = await deliverOutbox(
    deps,
    ref,
    resourceVersion,
    removal.nextStatus,
  );
  const pending = delivery?.pending ?? removal.nextStatus.outbox?.length ?? 0;
  const released = mayRelease(parsed, pending, now);
  if (released) {
    await patchMetadata(deps, ref, { finalizer: finalizerChange(parsed, 'remove', latest) });
  } else if (!isActiveLabelled(raw)) {
    // The tick comes back to retry the delivery (and to release the Rollout after the grace).
    await patchMetadata(deps, ref, { active: true });
  }
  const extra = delivery ? { delivery } : {};
  return { kind: 'removing', released, dropped: released ? pending : 0, ...extra };
}

/** The metadata this step changes: the active label, and the finalizer on a first visit. */
function metadataChange(
  deps: StepDeps,
  raw: unknown,
  parsed: ParsedRollout,
  step: { readonly active: boolean; readonly resourceVersion: string },
): MetadataChange | undefined {
  const { active, resourceVersion } = step;
  const relabel = isActiveLabelled(raw) !== active;
  const adopt =
    deps.events !== undefined && !parsed.metadata.finalizers.includes(cdeventsFinalizer);
  if (!relabel && !adopt) return undefined;
  return {
    ...(relabel ? { active } : {}),
    ...(adopt ? { finalizer: finalizerChange(parsed, 'add', resourceVersion) } : {}),
  };
}

export async function reconcileStep(deps: StepDeps, ref: RolloutRef): Promise<StepOutcome> {
  const raw = await deps.rollouts.get(ref);
  if (raw === undefined) return { kind: 'gone' };
  const parsed = parse(raw);
  if (parsed.metadata.deleting) return removalStep(deps, ref, raw, parsed);
  const { metadata } = parsed;
  const now = deps.clock.now();
  const observed = await observeWorld(deps, ref, parsed, now);
  const p = plan({ rollout: parsed, observed, now, events: deps.events?.config });
  const committed = await commit(deps, ref, metadata.resourceVersion, p);
  if (typeof committed !== 'string') return committed;
  const fence = { rollout: ref, uid: metadata.uid, transition: p.nextStatus.transition ?? 0 };
  // The Event is a side note written while the world changes; it never fails the step.
  const [applied] = await Promise.allSettled([
    applyWorld(deps, { parsed, observed, plan: p }, fence, committed),
    recordTransition(deps, ref, metadata.uid, p),
  ]);
  if (applied.status === 'fulfilled') await measureRuns(deps, ref, observed, now);
  // What the commit recorded is delivered even when the world could not be changed: the
  // transition happened (the next step heals the world), and its story must not wait on it.
  const after =
    applied.status === 'fulfilled'
      ? applied.value
      : { resourceVersion: committed, status: p.nextStatus };
  const { delivery, resourceVersion } = await deliverOutbox(
    deps,
    ref,
    after.resourceVersion,
    after.status,
  );
  const change = metadataChange(deps, raw, parsed, { active: p.active, resourceVersion });
  if (change) await patchMetadata(deps, ref, change);
  if (applied.status === 'rejected') throw applied.reason;
  return outcomeOf(p, change !== undefined, delivery);
}

function outcomeOf(p: Plan, patched: boolean, delivery: Delivery | undefined): StepOutcome {
  const wrote = p.statusChanged || p.actions.length > 0 || patched;
  const extra = delivery ? { delivery } : {};
  return wrote
    ? { kind: 'applied', plan: p, committed: p.statusChanged, ...extra }
    : { kind: 'noop', plan: p, ...extra };
}
