// The read model of a Rollout, as people look at it (the `kulta` CLI, the dashboard, the demo):
// plain JSON, built from what the API returns, with no client objects inside.
import type { Condition, RolloutStatus, TransitionRecord } from '../core/rollout/types.ts';

/** Which strategy the Rollout names in spec.strategy; `unknown` when it names none we know. */
export type StrategyName = 'canary' | 'blueGreen' | 'simple' | 'unknown';

/**
 * What a revision is to the rollout: the stable one (blue-green: active), the one being rolled
 * out (blue-green: preview), or an older one (scaled down, or waiting for its scale-down).
 */
export type RevisionRole = 'stable' | 'canary' | 'active' | 'preview' | 'old';

export interface PodView {
  readonly name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  readonly phase: string;
  /** The pod's Ready condition is True. */
  readonly ready: boolean;
  readonly createdAt: string | undefined;
  readonly restarts: number;
  /** Being deleted (deletionTimestamp set). */
  readonly deleting: boolean;
}

export interface RevisionView {
  /** The kulta.io/revision annotation (0 when missing). */
  readonly revision: number;
  readonly podTemplateHash: string;
  readonly replicaSet: string;
  readonly role: RevisionRole;
  /** Container images of its pod template, in order. */
  readonly images: readonly string[];
  readonly desired: number;
  readonly current: number;
  readonly ready: number;
  readonly available: number;
  readonly createdAt: string | undefined;
  /** When an old revision is scaled down (status.retiring). */
  readonly scaleDownAt: string | undefined;
  readonly pods: readonly PodView[];
}

/** One step of spec.strategy.*.steps, and where the rollout is with it. */
export interface StepView {
  readonly index: number;
  /** "setWeight 20%", "pause 30s", "pause (until promoted)", "analysis error-rate", … */
  readonly label: string;
  /** The step's one key: setWeight, pause, analysis, … */
  readonly kind: string;
  readonly state: 'done' | 'current' | 'pending';
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  readonly durationSeconds: number | undefined;
}

/** Our two backends' weights on one HTTPRoute the rollout names, as the route has them. */
export interface RouteWeightView {
  readonly namespace: string;
  readonly name: string;
  /** The route exists and could be read. */
  readonly found: boolean;
  /** Why it could not be read (other than not existing). */
  readonly error: string | undefined;
  readonly stable: number | undefined;
  readonly canary: number | undefined;
  readonly hasStable: boolean;
  readonly hasCanary: boolean;
  /** False when the route's rules disagree about our weights (a half-applied edit). */
  readonly consistent: boolean;
}

export interface PauseView {
  /** status.pauseConditions reasons (CanaryPauseStep, BlueGreenPause, InconclusiveAnalysisRun). */
  readonly reasons: readonly string[];
  /** Paused by spec.paused (kulta pause). */
  readonly manual: boolean;
  /** When the pause started (the first pause condition). */
  readonly since: string | undefined;
  /** When a timed pause ends (status.pauseEndsAt); undefined: until promoted. */
  readonly endsAt: string | undefined;
  /** Whole seconds left at readAt (never negative). */
  readonly remainingSeconds: number | undefined;
}

export interface MeasurementView {
  readonly phase: string;
  readonly value: string | undefined;
  readonly query: string | undefined;
  readonly message: string | undefined;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
}

export interface MetricView {
  readonly name: string;
  readonly phase: string | undefined;
  readonly dryRun: boolean;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  /** The measurements the run keeps (the last 10), oldest first. */
  readonly measurements: readonly MeasurementView[];
}

export interface AnalysisRunView {
  readonly name: string;
  /** The kulta.io/analysis label: step-<i>, background, pre-promotion, post-promotion. */
  readonly role: string | undefined;
  readonly podTemplateHash: string | undefined;
  readonly phase: string;
  readonly message: string | undefined;
  readonly createdAt: string | undefined;
  readonly startedAt: string | undefined;
  readonly completedAt: string | undefined;
  readonly metrics: readonly MetricView[];
}

/** The last verdict of one analysis the status names, with the value that decided it. */
export interface AnalysisVerdictView {
  readonly source: 'step' | 'background' | 'prePromotion' | 'postPromotion';
  readonly run: string;
  readonly phase: string;
  readonly message: string | undefined;
  /** The newest measurement of the run, if the run is readable. */
  readonly metric: string | undefined;
  readonly value: string | undefined;
  readonly query: string | undefined;
  readonly measuredAt: string | undefined;
}

export interface RolloutDetail {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly createdAt: string | undefined;
  /** When this view was read: countdowns are relative to it. */
  readonly readAt: string;
  readonly strategy: StrategyName;
  readonly spec: {
    readonly replicas: number;
    readonly paused: boolean;
    readonly restartAt: string | undefined;
    readonly selector: Readonly<Record<string, string>>;
    readonly images: readonly { readonly container: string; readonly image: string }[];
    /** canary: stableService/canaryService; blueGreen: activeService/previewService. */
    readonly stableService: string | undefined;
    readonly canaryService: string | undefined;
    readonly routes: readonly { readonly namespace: string; readonly name: string }[];
  };
  /** status.phase, or Pending before the controller wrote a status. */
  readonly phase: string;
  readonly message: string | undefined;
  readonly aborted: boolean;
  /** The controller has seen the current spec (status.observedGeneration = generation). */
  readonly observed: boolean;
  /** Index (0-based) and count of steps; undefined for strategies without steps. */
  readonly currentStep: { readonly index: number; readonly count: number } | undefined;
  readonly steps: readonly StepView[];
  readonly weights: {
    /** status.canary.weights: what the controller last set. */
    readonly status: { readonly stable: number; readonly canary: number } | undefined;
    readonly routes: readonly RouteWeightView[];
  };
  readonly pause: PauseView | undefined;
  /** Newest revision first. */
  readonly revisions: readonly RevisionView[];
  readonly analysis: {
    readonly verdicts: readonly AnalysisVerdictView[];
    /** Newest first. */
    readonly runs: readonly AnalysisRunView[];
  };
  readonly conditions: readonly Condition[];
  /** status.history, oldest first. */
  readonly history: readonly TransitionRecord[];
  /** The status as stored, without the CDEvents outbox (see outboxPending). */
  readonly status: RolloutStatus;
  readonly outboxPending: number;
}

/** One line of `kulta list rollouts`. */
export interface RolloutSummary {
  readonly name: string;
  readonly namespace: string;
  readonly strategy: StrategyName;
  readonly phase: string;
  readonly message: string | undefined;
  /** The controller has seen the current spec; when false the phase is about the previous one. */
  readonly observed: boolean;
  readonly step: { readonly index: number; readonly count: number } | undefined;
  /** The canary weight the status says (status.canary.weights), if any. */
  readonly weight: number | undefined;
  readonly images: readonly string[];
  readonly createdAt: string | undefined;
  readonly ageSeconds: number | undefined;
}
