// The owned world as observed at the start of a step: ReplicaSets, Services, HTTPRoutes.
import type { ExperimentOutcome } from './analysis/experiment.ts';
import type { HeaderRoute, PodMetadata } from './rollout/types.ts';

export interface ObservedReplicaSet {
  readonly name: string;
  readonly podTemplateHash: string;
  readonly revision: number;
  /** spec.replicas */
  readonly replicas: number;
  /** status.replicas: pods that exist. */
  readonly currentReplicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  readonly createdAt: string;
  /** The image of the pod template's first container (names the revision in CDEvents). */
  readonly image: string;
  /** Labels and annotations of the ReplicaSet's pod template. */
  readonly podMetadata: PodMetadata;
}

export interface ObservedService {
  readonly name: string;
  readonly exists: boolean;
  /** The rollouts-pod-template-hash in its selector, if any. */
  readonly podTemplateHash: string | undefined;
}

export interface ObservedRoute {
  readonly namespace: string;
  readonly name: string;
  readonly exists: boolean;
  /** True when some rule has a backendRef to the stable Service. */
  readonly hasStable: boolean;
  readonly hasCanary: boolean;
  /** Weights of our backends as written on the route (the same in every rule we manage). */
  readonly stableWeight: number | undefined;
  readonly canaryWeight: number | undefined;
  /**
   * True when all rules carry the same weights for our backends, and every gateway reporting
   * on the route (status.parents) accepted this generation with its refs resolved.
   */
  readonly consistent: boolean;
  /** The route's value of the in-progress label's key (undefined: not labelled). */
  readonly inProgressLabel?: string;
  /** KULTA's header rules on the route; absent means none (a route read without looking). */
  readonly headerRoutes?: ObservedHeaderRoutes;
}

/** One rule of an HTTPRoute, as the header-route planner weighs it against the API's limits. */
export interface ObservedRule {
  readonly name: string | undefined;
  /** A header rule KULTA wrote (listed in the rollout's ownership record on the route). */
  readonly owned: boolean;
  /** Splits traffic between our stable and canary Services (header rules are placed before it). */
  readonly splits: boolean;
  /** Its matches (a rule without any counts one, the API's default), and the most headers in one. */
  readonly matches: number;
  readonly maxHeaders: number;
}

/** The header routes KULTA's rules on a route stand for (see header-rules.ts). */
export interface ObservedHeaderRoutes {
  /** What KULTA last wrote there (its ownership record). */
  readonly recorded: readonly HeaderRoute[];
  /** True when the route has exactly the rules `recorded` stands for (nobody changed them). */
  readonly intact: boolean;
  readonly rules: readonly ObservedRule[];
}

/** An AnalysisRun the rollout owns. */
export interface ObservedAnalysisRun {
  readonly name: string;
  /** Pending, Running, Successful, Failed, Error or Inconclusive. */
  readonly phase: string;
  readonly message: string;
  /** The metrics whose own phase is Failed or Error (dry-run metrics excluded). */
  readonly failedMetrics?: readonly string[];
  /** spec.terminate: asked to stop measuring. */
  readonly terminated: boolean;
  /** Judged metrics' newest outcomes (A/B experiments), when the run has any. */
  readonly experiments?: readonly ExperimentOutcome[];
}

export interface Observed {
  readonly replicaSets: readonly ObservedReplicaSet[];
  readonly services: readonly ObservedService[];
  readonly routes: readonly ObservedRoute[];
  readonly analysisRuns: readonly ObservedAnalysisRun[];
  /** Pods created before spec.restartAt, counted only while a restart is pending. */
  readonly podsToRestart?: number;
}
