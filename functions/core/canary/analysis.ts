// Analysis in a canary: which AnalysisRuns the committed status stands for (named from it, so
// world = f(status)), and what their verdicts do: Successful continues, Failed or Error abort,
// Inconclusive pauses for a person (reason InconclusiveAnalysisRun).
import type { Action, AnalysisRole, ResolvedArg } from '../actions.ts';
import type { Observed, ObservedAnalysisRun } from '../observed.ts';
import { fnv1a32 } from '../rollout/hash.ts';
import { readField } from '../rollout/field-ref.ts';
import {
  AbortReason,
  PauseReason,
  type AbortCause,
  type PodMetadata,
  type AnalysisRunSummary,
  type RolloutAnalysis,
  type RolloutMeta,
  type RolloutSpec,
  type RolloutStatus,
} from '../rollout/types.ts';

/** A short, stable tag of a time: runs of a re-entered step (after a retry) get a new name. */
export function tag(startedAt: string): string {
  return fnv1a32(startedAt).toString(36);
}

/** The run of the analysis step being executed, if the current step is one. */
export function stepRunName(meta: RolloutMeta, status: RolloutStatus): string | undefined {
  const step = status.currentStep;
  if (step?.kind !== 'analysis' || !status.currentPodHash) return undefined;
  return `${meta.name}-${status.currentPodHash}-${String(step.index)}-${tag(step.startedAt)}`;
}

/** The background analysis run of the current revision's attempt, once it is due. */
export function backgroundRunName(
  meta: RolloutMeta,
  spec: RolloutSpec,
  status: RolloutStatus,
): string | undefined {
  const background = spec.canary.analysis;
  const first = status.stepHistory?.[0];
  if (!background || !first || !status.currentPodHash) return undefined;
  if (status.currentPodHash === status.stableRS || status.abortedAt !== undefined) return undefined;
  if ((status.currentStepIndex ?? 0) < background.startingStep) return undefined;
  return `${meta.name}-${status.currentPodHash}-bg-${tag(first.startedAt)}`;
}

export function findRun(
  observed: Observed,
  name: string | undefined,
): ObservedAnalysisRun | undefined {
  return name === undefined ? undefined : observed.analysisRuns.find((r) => r.name === name);
}

/** Phases after which a run measures no more. */
export const finishedRunPhases: ReadonlySet<string> = new Set([
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
]);

/**
 * The Rollout's arguments as values. A fieldRef that cannot be resolved never gets here: parsing
 * refuses the spec (InvalidSpec) naming it.
 */
function resolveArgs(
  meta: RolloutMeta,
  analysis: RolloutAnalysis,
  status: RolloutStatus,
  template: PodMetadata,
): ResolvedArg[] {
  return analysis.args.map((arg) => {
    switch (arg.kind) {
      case 'value':
        return { name: arg.name, value: arg.value };
      case 'podTemplateHash':
        return {
          name: arg.name,
          value: (arg.which === 'Stable' ? status.stableRS : status.currentPodHash) ?? '',
        };
      case 'fieldRef': {
        const read = readField({ meta, template }, arg.fieldPath);
        return { name: arg.name, value: read.ok ? read.value : '' };
      }
    }
  });
}

/** Where a run is created: the committed status and the pod template's metadata (fieldRefs). */
export interface RunContext {
  readonly status: RolloutStatus;
  readonly template: PodMetadata;
}

export function createRun(
  meta: RolloutMeta,
  run: { readonly name: string; readonly role: AnalysisRole },
  analysis: RolloutAnalysis,
  { status, template }: RunContext,
): Action {
  return {
    kind: 'createAnalysisRun',
    ...run,
    podTemplateHash: status.currentPodHash ?? '',
    stableHash: status.stableRS ?? '',
    templates: analysis.templates,
    args: resolveArgs(meta, analysis, status, template),
    ...(analysis.runMetadata ? { metadata: analysis.runMetadata } : {}),
  };
}

/** The runs the committed status stands for: the current analysis step's and the background one. */
function wantedRuns(meta: RolloutMeta, spec: RolloutSpec, status: RolloutStatus): Action[] {
  const runs: Action[] = [];
  const stepName = stepRunName(meta, status);
  const step = spec.canary.steps[status.currentStepIndex ?? 0];
  if (stepName && step?.kind === 'analysis') {
    runs.push(
      createRun(meta, { name: stepName, role: status.currentStepIndex ?? 0 }, step.analysis, {
        status,
        template: spec.templateMetadata,
      }),
    );
  }
  const bgName = backgroundRunName(meta, spec, status);
  if (bgName && spec.canary.analysis) {
    const at = { status, template: spec.templateMetadata };
    runs.push(createRun(meta, { name: bgName, role: 'background' }, spec.canary.analysis, at));
  }
  return runs;
}

/** The canary's runs to create and to stop (see runActions). */
export function analysisActions(
  meta: RolloutMeta,
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): Action[] {
  const inCanary = status.currentPodHash !== status.stableRS && status.abortedAt === undefined;
  return runActions(inCanary ? wantedRuns(meta, spec, status) : [], observed);
}

/** Runs to create (those wanted and missing) and runs to stop (every other one still measuring). */
export function runActions(wanted: readonly Action[], observed: Observed): Action[] {
  const keep = new Set(wanted.map((a) => (a.kind === 'createAnalysisRun' ? a.name : '')));
  const create = wanted.filter((a) => a.kind === 'createAnalysisRun' && !findRun(observed, a.name));
  const stop: Action[] = observed.analysisRuns
    .filter((run) => !keep.has(run.name) && !run.terminated && !finishedRunPhases.has(run.phase))
    .map((run) => ({ kind: 'terminateAnalysisRun', name: run.name }));
  return [...create, ...stop];
}

export interface AnalysisDecision {
  readonly status: RolloutStatus;
  readonly event: string;
  readonly message: string;
}

/** How status shows a run: name, phase, message and any experiment outcomes. */
export function runSummary(run: ObservedAnalysisRun): AnalysisRunSummary {
  return {
    name: run.name,
    status: run.phase,
    ...(run.message ? { message: run.message } : {}),
    ...(run.experiments?.length ? { experiments: run.experiments } : {}),
  };
}

function sameSummary(a: AnalysisRunSummary | undefined, b: AnalysisRunSummary): boolean {
  return a?.name === b.name && a.status === b.status && a.message === b.message;
}

/** Where status shows an analysis: a canary's step or background run, or blue-green's two. */
export type AnalysisSlot =
  | 'currentStepAnalysisRunStatus'
  | 'currentBackgroundAnalysisRunStatus'
  | 'prePromotionAnalysisRunStatus'
  | 'postPromotionAnalysisRunStatus';

export const analysisSlots: readonly AnalysisSlot[] = [
  'currentStepAnalysisRunStatus',
  'currentBackgroundAnalysisRunStatus',
  'prePromotionAnalysisRunStatus',
  'postPromotionAnalysisRunStatus',
];

const slotLabels: Record<AnalysisSlot, string> = {
  currentStepAnalysisRunStatus: 'analysis',
  currentBackgroundAnalysisRunStatus: 'background analysis',
  prePromotionAnalysisRunStatus: 'pre-promotion analysis',
  postPromotionAnalysisRunStatus: 'post-promotion analysis',
};

function isBlueGreenSlot(
  slot: AnalysisSlot,
): slot is 'prePromotionAnalysisRunStatus' | 'postPromotionAnalysisRunStatus' {
  return slot === 'prePromotionAnalysisRunStatus' || slot === 'postPromotionAnalysisRunStatus';
}

/** The summary status shows in a slot. */
export function slotSummary(
  status: RolloutStatus,
  slot: AnalysisSlot,
): AnalysisRunSummary | undefined {
  return isBlueGreenSlot(slot) ? status.blueGreen?.[slot] : status.canary?.[slot];
}

function withSummary(
  status: RolloutStatus,
  slot: AnalysisSlot,
  run: ObservedAnalysisRun,
): RolloutStatus {
  return isBlueGreenSlot(slot)
    ? { ...status, blueGreen: { ...status.blueGreen, [slot]: runSummary(run) } }
    : { ...status, canary: { ...status.canary, [slot]: runSummary(run) } };
}

/** Why a Failed or Error run aborts the rollout: the run, its failing metrics, its message. */
export function analysisAbortCause(run: ObservedAnalysisRun): AbortCause {
  const metrics = run.failedMetrics ?? [];
  const which = metrics.length > 0 ? ` (metric ${metrics.join(', ')})` : '';
  const why = run.message ? `: ${run.message}` : '';
  return {
    reason: run.phase === 'Failed' ? AbortReason.AnalysisFailed : AbortReason.AnalysisError,
    message: `AnalysisRun ${run.name} ${run.phase}${which}${why}`,
    analysisRun: run.name,
    ...(metrics.length > 0 ? { metrics } : {}),
  };
}

/**
 * What a run's verdict does to the rollout. Undefined: nothing to decide yet (or already done).
 * A changed summary without a verdict is a transition too ("analysis-started", once).
 */
export function decideRun(
  status: RolloutStatus,
  run: ObservedAnalysisRun | undefined,
  slot: AnalysisSlot,
  now: string,
): AnalysisDecision | undefined {
  if (!run) return undefined;
  const before = slotSummary(status, slot);
  if (sameSummary(before, runSummary(run))) return undefined;
  const next = withSummary(status, slot, run);
  const what = slotLabels[slot];
  const why = run.message ? `: ${run.message}` : '';
  if (run.phase === 'Failed' || run.phase === 'Error') {
    return {
      event: 'analysis-failed',
      message: `${what} ${run.name} ${run.phase}${why}; aborting`,
      status: { ...next, abort: true, abortCause: analysisAbortCause(run) },
    };
  }
  if (run.phase === 'Inconclusive') {
    return {
      event: 'analysis-inconclusive',
      message: `${what} ${run.name} is inconclusive${why}; paused for a person to promote or abort`,
      status: {
        ...next,
        controllerPause: true,
        pauseConditions: [{ reason: PauseReason.InconclusiveAnalysisRun, startTime: now }],
      },
    };
  }
  if (before?.name !== run.name) {
    return { event: 'analysis-started', message: `${what} ${run.name} started`, status: next };
  }
  return {
    event: 'analysis-progressed',
    message: `${what} ${run.name} is ${run.phase}`,
    status: next,
  };
}
