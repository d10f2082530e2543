// The Rollout as the core sees it: typed spec (parsed once at the boundary) and status.
// Field names follow Argo Rollouts; KULTA's additions are marked.
import type { ExperimentOutcome } from '../analysis/experiment.ts';
import type { CDEvent } from '../cdevents/types.ts';

/** A JSON value as it comes from the API; the pod template is carried opaquely. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
// An interface, not Record<string, Json>: a recursive alias through Record does not compile.
// eslint-disable-next-line @typescript-eslint/consistent-indexed-object-style
export interface JsonObject {
  [key: string]: Json;
}

/** Label the reconciler keeps on rollouts that need timed visits; the tick lists by it. */
export const activeLabel = 'kulta.io/active';

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly JsonObject[];
}

export interface PodMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** An AnalysisTemplate (or ClusterAnalysisTemplate) a Rollout names. */
export interface AnalysisTemplateRef {
  readonly templateName: string;
  readonly clusterScope: boolean;
}

/** A Rollout's analysis argument: a value, or where the value comes from. */
export type AnalysisArg =
  | { readonly name: string; readonly kind: 'value'; readonly value: string }
  /** The stable or the latest (canary) revision's pod-template hash. */
  | { readonly name: string; readonly kind: 'podTemplateHash'; readonly which: 'Stable' | 'Latest' }
  /** A field of the Rollout: metadata.name, metadata.namespace, metadata.labels['k'], … */
  | { readonly name: string; readonly kind: 'fieldRef'; readonly fieldPath: string };

/** Templates and arguments of one analysis (a step, or the background analysis). */
export interface RolloutAnalysis {
  readonly templates: readonly AnalysisTemplateRef[];
  readonly args: readonly AnalysisArg[];
  /** analysisRunMetadata: labels and annotations put on every run of this analysis. */
  readonly runMetadata?: PodMetadata;
}

/** One canary step. Exactly one action per step, as Argo. */
export type Step =
  /** Route `weight` percent of traffic to the canary once its pods are available. */
  | { readonly kind: 'setWeight'; readonly weight: number }
  /** Wait `durationSeconds`, or until promoted when undefined. */
  | { readonly kind: 'pause'; readonly durationSeconds: number | undefined }
  /** Size the canary independently of its traffic weight. */
  | { readonly kind: 'setCanaryScale'; readonly scale: CanaryScale }
  /** Run an analysis; continue when it succeeds, abort when it fails, pause when unclear. */
  | { readonly kind: 'analysis'; readonly analysis: RolloutAnalysis }
  /**
   * Send requests whose headers match to the canary (a KULTA rule on each HTTPRoute, named after
   * `name`, a managed route); with no matches, remove the named header route (Argo's setHeaderRoute).
   */
  | {
      readonly kind: 'setHeaderRoute';
      readonly name: string;
      readonly match: readonly HeaderMatch[];
    };

/** One header condition of a header route (Argo's headerValue exact | prefix | regex). */
export interface HeaderMatch {
  readonly headerName: string;
  /** Prefix becomes a RegularExpression match on the route (the Gateway API has no prefix). */
  readonly type: 'Exact' | 'Prefix' | 'RegularExpression';
  readonly value: string;
}

/** A header route in force: its managed route name and the headers that select the canary. */
export interface HeaderRoute {
  readonly name: string;
  readonly match: readonly HeaderMatch[];
}

export type StepKind = Step['kind'];

export type CanaryScale =
  | { readonly kind: 'weight'; readonly weight: number }
  | { readonly kind: 'replicas'; readonly replicas: number }
  | { readonly kind: 'matchTrafficWeight' };

export interface GatewayApiRouting {
  /** Namespace of the HTTPRoutes; the Rollout's namespace when unset. */
  readonly namespace: string;
  readonly httpRoutes: readonly string[];
  /** Argo's trafficRouting.managedRoutes: header routes KULTA may manage, in precedence order. */
  readonly managedRoutes: readonly string[];
  /** The HTTPRoutes that take header routes: httpRoute, and httpRoutes with useHeaderRoutes. */
  readonly headerRoutes: readonly string[];
  /**
   * The label KULTA puts on each route while a rollout moves traffic on it, so GitOps tools can
   * ignore the route meanwhile (Argo's plugin: rollouts.argoproj.io/gatewayapi-canary=in-progress);
   * undefined with disableInProgressLabel.
   */
  readonly inProgressLabel: { readonly key: string; readonly value: string } | undefined;
}

/** spec.strategy.canary.replicaProgressThreshold: a percentage of the step's pods, or a count. */
export interface ReplicaProgressThreshold {
  readonly type: 'Percent' | 'Pod';
  readonly value: number;
}

export interface CanaryStrategy {
  readonly stableService: string | undefined;
  readonly canaryService: string | undefined;
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  readonly scaleDownDelaySeconds: number;
  /**
   * How many old revisions may wait out scaleDownDelaySeconds at once (Argo's
   * scaleDownDelayRevisionLimit); older ones scale down at once. undefined: no limit.
   */
  readonly scaleDownDelayRevisionLimit: number | undefined;
  readonly abortScaleDownDelaySeconds: number;
  readonly dynamicStableScale: boolean;
  /**
   * How many of a step's canary pods must be available before its weight is set (Argo's
   * replicaProgressThreshold); undefined: all of them.
   */
  readonly replicaProgressThreshold: ReplicaProgressThreshold | undefined;
  readonly canaryMetadata: PodMetadata;
  readonly stableMetadata: PodMetadata;
  readonly trafficRouting: GatewayApiRouting | undefined;
  readonly steps: readonly Step[];
  /** Background analysis, running from `startingStep` until promotion. */
  readonly analysis: (RolloutAnalysis & { readonly startingStep: number }) | undefined;
}

/** The strategies a Rollout can use; exactly one is set in spec.strategy. */
export const StrategyKind = {
  /** Steps of weights, pauses, analyses and header routes (Argo's canary). */
  Canary: 'canary',
  /** A full preview next to the active version, then one switch (Argo's blueGreen). */
  BlueGreen: 'blueGreen',
  /** KULTA: a rolling update of the ReplicaSets, no traffic routing, no steps. */
  Simple: 'simple',
} as const;
export type StrategyKind = (typeof StrategyKind)[keyof typeof StrategyKind];

/** spec.strategy.blueGreen: what only blue-green has (the rest is in the shared view). */
export interface BlueGreenStrategy {
  readonly activeService: string;
  readonly previewService: string | undefined;
  /** False: wait for promote after the preview is ready (default true). */
  readonly autoPromotionEnabled: boolean;
  /** Promote by itself this many seconds after the preview is ready. */
  readonly autoPromotionSeconds: number | undefined;
  /** Pods of the new revision while in preview; all of spec.replicas when unset. */
  readonly previewReplicaCount: number | undefined;
  readonly prePromotionAnalysis: RolloutAnalysis | undefined;
  readonly postPromotionAnalysis: RolloutAnalysis | undefined;
}

export interface RolloutSpec {
  readonly replicas: number;
  readonly selector: LabelSelector;
  /** The pod template as sent by the API (labels/annotations parsed out below). */
  readonly template: JsonObject;
  readonly templateMetadata: PodMetadata;
  readonly minReadySeconds: number;
  readonly revisionHistoryLimit: number;
  readonly progressDeadlineSeconds: number;
  readonly progressDeadlineAbort: boolean;
  readonly paused: boolean;
  readonly restartAt: string | undefined;
  readonly strategy: StrategyKind;
  /**
   * The canary strategy, and the view every strategy shares: for blueGreen, stable ≙ active
   * (activeService, activeMetadata) and canary ≙ preview, with no steps; for simple, no
   * routing and no steps (a rolling update within maxSurge/maxUnavailable).
   */
  readonly canary: CanaryStrategy;
  /** Set when strategy is blueGreen. */
  readonly blueGreen: BlueGreenStrategy | undefined;
}

export interface RolloutMeta {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly deleting: boolean;
  /** When the Rollout's deletion was asked for (metadata.deletionTimestamp). */
  readonly deletionTimestamp?: string;
  readonly finalizers: readonly string[];
}

export const Phase = {
  /** The stable revision serves everything and is fully available. */
  Healthy: 'Healthy',
  /** A new revision is being rolled out, or replicas are not yet available. */
  Progressing: 'Progressing',
  /** Waiting: a pause step, a manual pause, or inconclusive analysis. */
  Paused: 'Paused',
  /** Aborted, or the spec is invalid, or the progress deadline passed. */
  Degraded: 'Degraded',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const PauseReason = {
  /** A `pause` step is waiting (for its duration, or for promote). */
  CanaryPauseStep: 'CanaryPauseStep',
  /** A blue-green preview waits for promote (or for autoPromotionSeconds). */
  BlueGreenPause: 'BlueGreenPause',
  /** An analysis could not decide: a person looks, then promotes or aborts. */
  InconclusiveAnalysisRun: 'InconclusiveAnalysisRun',
} as const;
export type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

export const AbortReason = {
  /** An operator set status.abort (kubectl kulta abort, the dashboard, a patch). */
  AbortedByUser: 'AbortedByUser',
  /** An AnalysisRun ended Failed: a metric failed more often than its failureLimit. */
  AnalysisFailed: 'AnalysisFailed',
  /** An AnalysisRun ended Error: a metric could not be measured (consecutiveErrorLimit). */
  AnalysisError: 'AnalysisError',
  /** No progress within progressDeadlineSeconds, with progressDeadlineAbort set. */
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/** KULTA: why a rollout was aborted, recorded when the abort is decided. */
export interface AbortCause {
  readonly reason: AbortReason;
  readonly message: string;
  /** The AnalysisRun whose verdict aborted the rollout. */
  readonly analysisRun?: string;
  /** The metrics of that run that failed or errored. */
  readonly metrics?: readonly string[];
}

export interface PauseCondition {
  readonly reason: string;
  readonly startTime: string;
}

/** Where an AnalysisRun stands, as the Rollout's status shows it (Argo's RolloutAnalysisRunStatus). */
export interface AnalysisRunSummary {
  readonly name: string;
  readonly status: string;
  readonly message?: string;
  /** KULTA: judged metrics' outcomes (effect size, confidence) when the run judged any. */
  readonly experiments?: readonly ExperimentOutcome[];
}

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly lastUpdateTime: string;
  readonly observedGeneration?: number;
}

export interface WeightDestination {
  readonly podTemplateHash: string;
  readonly serviceName: string;
  readonly weight: number;
}

/** KULTA: one finished or running step, for per-step durations. */
export interface StepRecord {
  readonly index: number;
  readonly kind: StepKind;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationSeconds?: number;
}

/** KULTA: one transition of the rollout, newest last; bounded. */
export interface TransitionRecord {
  readonly transition: number;
  readonly at: string;
  readonly event: string;
  readonly message: string;
  /** The CDEvents this transition recorded (type and id), kept after the sink took them. */
  readonly cdevents?: readonly { readonly type: string; readonly id: string }[];
}

/** KULTA: a CDEvent the sink refused for good (e.g. 422), kept with the sink's answer. */
export interface DeadLetter {
  readonly event: CDEvent;
  /** What the sink said, e.g. "HTTP 422 Unprocessable Entity: unknown field". */
  readonly answer: string;
  readonly refusedAt: string;
}

/** KULTA: an old revision waiting for its scale-down delay. */
export interface Retiring {
  readonly podTemplateHash: string;
  readonly scaleDownAt: string;
}

/** status.blueGreen: Argo's fields plus KULTA's timestamps. */
export interface BlueGreenStatus {
  /** The pod-template hash the active Service selects. */
  readonly activeSelector?: string;
  /** The pod-template hash the preview Service selects. */
  readonly previewSelector?: string;
  readonly prePromotionAnalysisRunStatus?: AnalysisRunSummary;
  readonly postPromotionAnalysisRunStatus?: AnalysisRunSummary;
  /** True once the preview was scaled from previewReplicaCount to full size for promotion. */
  readonly scaleUpPreviewCheckPoint?: boolean;
  /** KULTA: when this attempt of the revision started (names its AnalysisRuns). */
  readonly attemptStartedAt?: string;
  /** KULTA: when the preview reached its size and became ready (analysis and pause start). */
  readonly previewReadyAt?: string;
  /** KULTA: when the active Service (and the route) switched to the new revision. */
  readonly switchedAt?: string;
}

export interface RolloutStatus {
  /** metadata.generation the status was computed from (an integer, as kstatus reads it). */
  readonly observedGeneration?: number;
  readonly phase?: Phase;
  readonly message?: string;
  readonly currentPodHash?: string;
  readonly stableRS?: string;
  readonly currentStepIndex?: number;
  readonly currentStepHash?: string;
  readonly pauseConditions?: readonly PauseCondition[];
  readonly controllerPause?: boolean;
  readonly abort?: boolean;
  readonly abortedAt?: string;
  /** KULTA: why the rollout was aborted (operator, analysis, progress deadline). */
  readonly abortCause?: AbortCause;
  readonly promoteFull?: boolean;
  readonly restartedAt?: string;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly HPAReplicas?: number;
  readonly selector?: string;
  readonly collisionCount?: number;
  readonly canary?: {
    readonly weights?: { readonly canary: WeightDestination; readonly stable: WeightDestination };
    /** Argo's: the analysis of the current step, and the background analysis. */
    readonly currentStepAnalysisRunStatus?: AnalysisRunSummary;
    readonly currentBackgroundAnalysisRunStatus?: AnalysisRunSummary;
  };
  readonly blueGreen?: BlueGreenStatus;
  readonly conditions?: readonly Condition[];
  /** KULTA: monotonic transition counter; every owned write is fenced by it. */
  readonly transition?: number;
  /** KULTA: the step being executed and when it started. */
  readonly currentStep?: {
    readonly index: number;
    readonly kind: StepKind;
    readonly startedAt: string;
  };
  /** KULTA: when a timed pause ends (countdown). */
  readonly pauseEndsAt?: string;
  readonly stepHistory?: readonly StepRecord[];
  readonly history?: readonly TransitionRecord[];
  /** KULTA: last time the rollout made progress; the progress deadline counts from here. */
  readonly lastProgressAt?: string;
  /** KULTA: when every route and Service was confirmed back on stable after an abort. */
  readonly abortConfirmedAt?: string;
  /**
   * KULTA: when an aborted canary may be scaled down (set once traffic left it); absent with
   * abortScaleDownDelaySeconds 0, which keeps the aborted canary running.
   */
  readonly abortScaleDownAt?: string;
  readonly retiring?: readonly Retiring[];
  /** KULTA: CDEvents recorded with their transition, removed once the sink accepted them. */
  readonly outbox?: readonly CDEvent[];
  /** KULTA: CDEvents the sink refused for good, with its answer; newest last, bounded. */
  readonly deadLetters?: readonly DeadLetter[];
}

export interface Rollout {
  readonly metadata: RolloutMeta;
  readonly spec: RolloutSpec;
  readonly status: RolloutStatus;
}
