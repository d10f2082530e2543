// What a reconcile step does to the world: a closed union of idempotent, absolute actions.
// Every action is fenced by the transition counter of the status it was derived from.
import type { AnalysisTemplateRef, HeaderRoute, JsonObject } from './rollout/types.ts';

/** What an AnalysisRun is for: a canary step (its index), background, or blue-green's gates. */
export type AnalysisRole = number | 'background' | 'prePromotion' | 'postPromotion';

/** An analysis argument with its value. */
export interface ResolvedArg {
  readonly name: string;
  readonly value: string;
}

export type Action =
  /** Create the ReplicaSet of a revision (no-op if it exists). */
  | {
      readonly kind: 'createReplicaSet';
      readonly name: string;
      readonly podTemplateHash: string;
      readonly revision: number;
      readonly replicas: number;
      readonly template: JsonObject;
      readonly matchLabels: Readonly<Record<string, string>>;
    }
  /** Set a ReplicaSet's replicas (and revision annotation) to absolute values. */
  | {
      readonly kind: 'scaleReplicaSet';
      readonly name: string;
      readonly replicas: number;
      readonly revision: number;
    }
  /** Set a revision's pod labels/annotations (template and running pods) to exactly these. */
  | {
      readonly kind: 'setPodMetadata';
      readonly name: string;
      readonly podTemplateHash: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly annotations: Readonly<Record<string, string>>;
    }
  /** Create an AnalysisRun from templates and arguments (resolved by the adapter). */
  | {
      readonly kind: 'createAnalysisRun';
      readonly name: string;
      /** The step index it belongs to, the background analysis, or a blue-green gate. */
      readonly role: AnalysisRole;
      readonly podTemplateHash: string;
      /** The stable revision's hash, for template arguments with podTemplateHashValue Stable. */
      readonly stableHash: string;
      readonly templates: readonly AnalysisTemplateRef[];
      /** The Rollout's arguments, resolved; they override the templates' own values. */
      readonly args: readonly ResolvedArg[];
      /** analysisRunMetadata: labels and annotations for the run (KULTA's own labels win). */
      readonly metadata?: {
        readonly labels: Readonly<Record<string, string>>;
        readonly annotations: Readonly<Record<string, string>>;
      };
    }
  /** Ask an AnalysisRun to stop measuring (spec.terminate). */
  | { readonly kind: 'terminateAnalysisRun'; readonly name: string }
  /** Delete up to `count` of the rollout's pods created before `before` (spec.restartAt). */
  | { readonly kind: 'restartPods'; readonly before: string; readonly count: number }
  /** Delete an old ReplicaSet beyond revisionHistoryLimit. */
  | { readonly kind: 'deleteReplicaSet'; readonly name: string }
  /** Point a Service's selector at one revision (adds rollouts-pod-template-hash). */
  | {
      readonly kind: 'setServiceSelector';
      readonly service: string;
      readonly podTemplateHash: string;
    }
  /** Set the weights of our two backendRefs in every rule of an HTTPRoute that has them. */
  | {
      readonly kind: 'setRouteWeights';
      readonly namespace: string;
      readonly route: string;
      readonly stableService: string;
      readonly canaryService: string;
      readonly stableWeight: number;
      readonly canaryWeight: number;
      /** The in-progress label: set to `value` (present) or removed; absent: not KULTA's business. */
      readonly inProgressLabel?: {
        readonly key: string;
        readonly value: string;
        readonly present: boolean;
      };
    }
  /**
   * Make KULTA's header rules on an HTTPRoute exactly those of `routes` (none: remove them all),
   * one per route and per rule splitting traffic between our two Services; see header-rules.ts.
   */
  | {
      readonly kind: 'setHeaderRoutes';
      readonly namespace: string;
      readonly route: string;
      readonly stableService: string;
      readonly canaryService: string;
      readonly routes: readonly HeaderRoute[];
    };

export type ActionKind = Action['kind'];

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
