// One stateless reconcile step: fresh read → pure plan → status commit with a resourceVersion
// precondition → world applied from the committed status, fenced by its transition counter.
import { withActionOutcome } from '../core/action-failure.ts';
import { normalizeStatus, plan, type Plan } from '../core/plan.ts';
import { finishedRunPhases } from '../core/canary/analysis.ts';
import type { Observed } from '../core/observed.ts';
import { pendingRestart } from '../core/restart.ts';
import type { RolloutSpec, RolloutStatus } from '../core/rollout/types.ts';
import { MalformedObjectError, parseRollout, type ParsedRollout } from '../core/rollout/parse.ts';
import type { EventConfig } from '../core/events.ts';
import type {
  AnalysisMeasurer,
  Clock,
  EventSink,
  Fence,
  RolloutRef,
  RolloutStore,
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
  | { readonly kind: 'conflict'; readonly message: string };

/** What happened to the outbox in this step: events accepted, refused, and still waiting. */
export interface Delivery {
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
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
  p: Plan,
): Promise<string | StepOutcome> {
  if (!p.statusChanged) return resourceVersion;
  try {
    return await deps.rollouts.commitStatus(ref, resourceVersion, p.nextStatus);
  } catch (error) {
    if (error instanceof ConflictError) return { kind: 'conflict', message: error.message };
    throw error;
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
    if (error instanceof StalledError && deps.recorder) {
      const note = { uid: fence.uid, transition: fence.transition, event: 'action-failed' };
      await deps.recorder.record(fence.rollout, {
        ...note,
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
  if (!deps.recorder || !p.event || !last) return;
  await deps.recorder.record(ref, {
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
): Promise<Delivery | undefined> {
  const outbox = status.outbox ?? [];
  if (!deps.events || outbox.length === 0) return undefined;
  const report = await deps.events.sink.deliver(outbox);
  const sent = new Set(report.delivered);
  const rest = outbox.filter((e) => !sent.has(e.context.id));
  const delivery = { sent: sent.size, failed: report.failed.length, pending: rest.length };
  if (sent.size === 0) return delivery;
  const next = normalizeStatus({ ...status, outbox: rest.length > 0 ? rest : undefined });
  try {
    await deps.rollouts.commitStatus(ref, resourceVersion, next);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return delivery;
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

export async function reconcileStep(deps: StepDeps, ref: RolloutRef): Promise<StepOutcome> {
  const raw = await deps.rollouts.get(ref);
  if (raw === undefined) return { kind: 'gone' };
  const parsed = parse(raw);
  if (parsed.metadata.deleting) return { kind: 'gone' };
  const { metadata } = parsed;
  const now = deps.clock.now();
  const observed = await observeWorld(deps, ref, parsed, now);
  const p = plan({ rollout: parsed, observed, now, events: deps.events?.config });
  const committed = await commit(deps, ref, metadata.resourceVersion, p);
  if (typeof committed !== 'string') return committed;
  const fence = { rollout: ref, uid: metadata.uid, transition: p.nextStatus.transition ?? 0 };
  // The Event is a side note: it is written while the world changes, not before.
  const [applied] = await Promise.all([
    applyWorld(deps, { parsed, observed, plan: p }, fence, committed),
    recordTransition(deps, ref, metadata.uid, p),
  ]);
  await measureRuns(deps, ref, observed, now);
  const delivery = await deliverOutbox(deps, ref, applied.resourceVersion, applied.status);
  const relabel = isActiveLabelled(raw) !== p.active;
  if (relabel) await deps.rollouts.setActive(ref, p.active);
  const wrote = p.statusChanged || p.actions.length > 0 || relabel;
  const extra = delivery ? { delivery } : {};
  return wrote
    ? { kind: 'applied', plan: p, committed: p.statusChanged, ...extra }
    : { kind: 'noop', plan: p, ...extra };
}
