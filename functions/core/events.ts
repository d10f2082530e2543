// The CDEvents a transition causes, built from the before/after status (pure). They are
// recorded in status.outbox in the same commit as the transition and sent after it.
import {
  type CDEvent,
  deriveChainId,
  extractSourceLinks,
  rolloutAborted,
  rolloutPaused,
  rolloutPromoted,
  rolloutResumed,
  rolloutStepStarted,
  rolloutWeightChanged,
  type RolloutEventInput,
  incidentDetected,
  serviceDeployed,
  serviceRemoved,
  serviceRolledBack,
  serviceUpgraded,
  testSuiteRunFinished,
  testSuiteRunStarted,
  type AnalysisVerdict,
} from './cdevents/index.ts';
import { abortCauseOf } from './abort.ts';
import { analysisSlots, slotSummary, type AnalysisSlot } from './canary/analysis.ts';
import type { Observed } from './observed.ts';
import type {
  AnalysisRunSummary,
  RolloutAnalysis,
  RolloutMeta,
  RolloutSpec,
  RolloutStatus,
} from './rollout/types.ts';

/** How many undelivered CDEvents status.outbox holds before ordinary progress waits. */
export const outboxLimit = 100;

/** Where events say they come from; from the function's configuration. */
export interface EventConfig {
  /** CDEvent context.source, e.g. "/kulta/prod-eu-1". */
  readonly source: string;
  /** environment.id for a namespace, stable per cluster + namespace. */
  readonly environmentId: (namespace: string) => string;
}

export interface TransitionFacts {
  readonly meta: RolloutMeta;
  readonly spec: RolloutSpec;
  readonly before: RolloutStatus;
  readonly after: RolloutStatus;
  readonly event: string;
  readonly message: string;
  readonly observed: Observed;
  readonly now: string;
  readonly config: EventConfig;
}

/** The image of a pod template's first container. */
export function templateImage(template: unknown): string {
  const spec = (template as { spec?: { containers?: { image?: unknown }[] } }).spec;
  const image = spec?.containers?.[0]?.image;
  return typeof image === 'string' ? image : '';
}

function revisionImage(facts: TransitionFacts, hash: string | undefined): string {
  const current = facts.after.currentPodHash;
  if (hash !== undefined && hash === current) return templateImage(facts.spec.template);
  const rs = facts.observed.replicaSets.find((r) => r.podTemplateHash === hash);
  return rs?.image ?? templateImage(facts.spec.template);
}

function baseInput(facts: TransitionFacts, hash: string): RolloutEventInput {
  const { meta } = facts;
  return {
    rollout: { namespace: meta.namespace, name: meta.name, uid: meta.uid },
    counter: facts.after.transition ?? 0,
    timestamp: facts.now,
    source: facts.config.source,
    environment: { id: facts.config.environmentId(meta.namespace) },
    revision: { podTemplateHash: hash, image: revisionImage(facts, hash) },
    chainId: deriveChainId(meta.uid, hash),
    sourceLinks: extractSourceLinks({
      rollout: meta.annotations,
      podTemplate: facts.spec.templateMetadata.annotations,
    }),
  };
}

function stepStarted(facts: TransitionFacts, input: RolloutEventInput): CDEvent[] {
  const step = facts.after.currentStep;
  if (!step) return [];
  const count = facts.spec.canary.steps.length;
  return [rolloutStepStarted({ ...input, step: { index: step.index, count, kind: step.kind } })];
}

function rolledBack(
  facts: TransitionFacts,
  canaryHash: string,
  cause: { reason: string; message?: string },
): CDEvent {
  const stable = facts.after.stableRS ?? canaryHash;
  return serviceRolledBack({
    ...baseInput(facts, canaryHash),
    rolledBackTo: { podTemplateHash: stable, image: revisionImage(facts, stable) },
    reason: cause.reason,
    message: cause.message === undefined ? facts.message : `${cause.message}; ${facts.message}`,
  });
}

/** Why the rollout was aborted, as recorded with the abort (AbortedByUser when none was). */
function abortReason(facts: TransitionFacts): string {
  return abortCauseOf(facts.after).reason;
}

/** The cause of an abort with its own message, for service.rolledback. */
function abortCause(facts: TransitionFacts): { reason: string; message: string } {
  const cause = abortCauseOf(facts.after);
  return { reason: cause.reason, message: cause.message };
}

function weightChanged(
  before: RolloutStatus,
  after: RolloutStatus,
  input: RolloutEventInput,
): CDEvent {
  const canary = after.canary?.weights?.canary.weight ?? 0;
  const previousCanary = before.canary?.weights?.canary.weight ?? 0;
  return rolloutWeightChanged({
    ...input,
    weight: { canary, stable: 100 - canary, previousCanary },
  });
}

/** The analysis whose summary this transition changed, with its templates as the suite name. */
function changedAnalysis(
  facts: TransitionFacts,
): { slot: AnalysisSlot; summary: AnalysisRunSummary; suiteName: string } | undefined {
  for (const slot of analysisSlots) {
    const summary = slotSummary(facts.after, slot);
    const before = slotSummary(facts.before, slot);
    if (!summary || (before?.name === summary.name && before.status === summary.status)) continue;
    return { slot, summary, suiteName: suiteOf(facts, slot) };
  }
  return undefined;
}

/** The analysis a slot stands for: the background one, or the step the rollout was at. */
function analysisOf(facts: TransitionFacts, slot: AnalysisSlot): RolloutAnalysis | undefined {
  if (slot === 'currentBackgroundAnalysisRunStatus') return facts.spec.canary.analysis;
  if (slot === 'prePromotionAnalysisRunStatus') return facts.spec.blueGreen?.prePromotionAnalysis;
  if (slot === 'postPromotionAnalysisRunStatus') return facts.spec.blueGreen?.postPromotionAnalysis;
  const step = facts.spec.canary.steps[facts.before.currentStepIndex ?? 0];
  return step?.kind === 'analysis' ? step.analysis : undefined;
}

/** The suite a run tests: its template names, e.g. "success-rate+latency". */
function suiteOf(facts: TransitionFacts, slot: AnalysisSlot): string {
  const templates = analysisOf(facts, slot)?.templates ?? [];
  return templates.map((t) => t.templateName).join('+') || 'analysis';
}

const verdicts = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

function analysisEvents(facts: TransitionFacts, input: RolloutEventInput): CDEvent[] {
  const changed = changedAnalysis(facts);
  if (!changed) return [];
  const analysis = { runName: changed.summary.name, suiteName: changed.suiteName };
  if (facts.event === 'analysis-started') return [testSuiteRunStarted({ ...input, analysis })];
  const status = changed.summary.status;
  const verdict = verdicts.has(status) ? (status as AnalysisVerdict) : 'Error';
  const message = changed.summary.message ?? facts.message;
  const experiments = changed.summary.experiments;
  const finished = testSuiteRunFinished({
    ...input,
    analysis,
    verdict,
    message,
    ...(experiments ? { experiments } : {}),
  });
  if (facts.event !== 'analysis-failed') return [finished];
  const reason = verdict === 'Failed' ? 'AnalysisFailed' : 'AnalysisError';
  return [
    finished,
    incidentDetected({
      ...input,
      reason,
      description: facts.message,
      analysisRunName: analysis.runName,
    }),
  ];
}

/** A completed analysis step: its run passed. */
function analysisPassed(facts: TransitionFacts, input: RolloutEventInput): CDEvent[] {
  if (facts.before.currentStep?.kind !== 'analysis') return [];
  const summary = facts.after.canary?.currentStepAnalysisRunStatus;
  if (!summary) return [];
  const analysis = {
    runName: summary.name,
    suiteName: suiteOf(facts, 'currentStepAnalysisRunStatus'),
  };
  const verdict: AnalysisVerdict = summary.status === 'Successful' ? 'Successful' : 'Inconclusive';
  const experiments = summary.experiments;
  return [
    testSuiteRunFinished({
      ...input,
      analysis,
      verdict,
      message: facts.message,
      ...(experiments ? { experiments } : {}),
    }),
  ];
}

type Builder = (facts: TransitionFacts, input: RolloutEventInput) => CDEvent[];

/** Progress within a rollout, by transition name (KULTA's custom rollout events). */
const progressBuilders: Readonly<Record<string, Builder>> = {
  'revision-started': stepStarted,
  retried: stepStarted,
  'weight-set': (facts, input) => [weightChanged(facts.before, facts.after, input)],
  paused: (facts, input) => {
    const reason = facts.after.pauseConditions?.[0]?.reason ?? 'CanaryPauseStep';
    return [rolloutPaused({ ...input, pause: { reason, until: facts.after.pauseEndsAt } })];
  },
  resumed: (facts, input) => [rolloutResumed({ ...input, resume: { reason: facts.message } })],
  switched: (_facts, input) => [rolloutPromoted({ ...input, promotion: { full: false } })],
  'analysis-progressed': (facts, input) =>
    verdicts.has(changedAnalysis(facts)?.summary.status ?? '') ? analysisEvents(facts, input) : [],
  'analysis-started': analysisEvents,
  'analysis-failed': analysisEvents,
  'analysis-inconclusive': analysisEvents,
  'step-completed': (facts, input) => {
    const resumed =
      facts.before.currentStep?.kind === 'pause'
        ? [rolloutResumed({ ...input, resume: { reason: facts.message } })]
        : [];
    return [...resumed, ...analysisPassed(facts, input), ...stepStarted(facts, input)];
  },
  'promote-full-requested': (_facts, input) => [
    rolloutPromoted({ ...input, promotion: { full: true } }),
  ],
};

function progressEvents(facts: TransitionFacts, input: RolloutEventInput): CDEvent[] | undefined {
  return Object.hasOwn(progressBuilders, facts.event)
    ? progressBuilders[facts.event]?.(facts, input)
    : undefined;
}

/** The CDEvents of one transition, in the order they happened. */
export function cdeventsFor(facts: TransitionFacts): CDEvent[] {
  const hash = facts.after.currentPodHash ?? '';
  const input = baseInput(facts, hash);
  const progress = progressEvents(facts, input);
  if (progress) return progress;
  switch (facts.event) {
    case 'deployed':
      return [serviceDeployed(input)];
    case 'promoted':
      return [serviceUpgraded(input)];
    case 'aborted':
      return [
        rolloutAborted({ ...input, abort: { reason: abortReason(facts), message: facts.message } }),
      ];
    case 'abort-traffic-confirmed':
      return [rolledBack(facts, hash, abortCause(facts))];
    case 'rolled-back-to-stable':
      return [
        rolledBack(facts, facts.before.currentPodHash ?? hash, { reason: 'TemplateReverted' }),
      ];
    case 'progress-deadline-exceeded':
      return [
        incidentDetected({
          ...input,
          reason: 'ProgressDeadlineExceeded',
          description: facts.message,
        }),
      ];
    default:
      return [];
  }
}

/**
 * service.removed for a deleted Rollout, from its last state. The counter after its last
 * transition keeps the id deterministic across redeliveries, and `timestamp` is the deletion's
 * own time (metadata.deletionTimestamp), never the time of sending, so a resend is the same event.
 */
export function removalEvent(
  parsed: { metadata: RolloutMeta; status: RolloutStatus },
  timestamp: string,
  config: EventConfig,
): CDEvent {
  const { metadata, status } = parsed;
  const hash = status.stableRS ?? status.currentPodHash ?? '';
  return serviceRemoved({
    rollout: { namespace: metadata.namespace, name: metadata.name, uid: metadata.uid },
    counter: (status.transition ?? 0) + 1,
    timestamp,
    source: config.source,
    environment: { id: config.environmentId(metadata.namespace) },
    chainId: deriveChainId(metadata.uid, hash),
    sourceLinks: extractSourceLinks({ rollout: metadata.annotations }),
  });
}
