// The small interfaces between the reconcile step and the outside world. Adapters implement
// them for Kubernetes, Prometheus and the event sink; tests implement them with fakes.
import type { Action } from './core/actions.ts';
import type { Observed } from './core/observed.ts';
import type { RolloutSpec, RolloutStatus } from './core/rollout/types.ts';
import type { CDEvent } from './core/cdevents/index.ts';
import type { QueryAnswer } from './core/analysis/measurement.ts';

export interface Clock {
  /** The current time, ISO 8601. */
  now(): string;
}

/** Names one Rollout. */
export interface RolloutRef {
  readonly namespace: string;
  readonly name: string;
}

/** Who may write: the Rollout (by uid) and the transition the write was derived from. */
export interface Fence {
  readonly rollout: RolloutRef;
  readonly uid: string;
  readonly transition: number;
}

export interface RolloutStore {
  /** A fresh read of the Rollout as the API returns it, or undefined if it is gone. */
  get(ref: RolloutRef): Promise<unknown>;
  /**
   * Writes status if the Rollout still has `resourceVersion`; throws ConflictError otherwise.
   * Returns the new resourceVersion.
   */
  commitStatus(ref: RolloutRef, resourceVersion: string, status: RolloutStatus): Promise<string>;
  /**
   * Changes the metadata KULTA owns on the Rollout: the label the tick uses to find rollouts that
   * need visiting, and KULTA's finalizer (a removal only takes the entry it was read at).
   */
  patchMetadata(ref: RolloutRef, change: MetadataChange): Promise<void>;
  /**
   * Rollouts (metadata name, namespace, generation, labels; status.observedGeneration), optionally
   * filtered by a label selector; across namespaces when ns unset.
   */
  list(options: { namespace?: string; labelSelector?: string }): Promise<unknown[]>;
}

/** A change of the Rollout's own metadata; what is absent stays as it is. */
export interface MetadataChange {
  /** Sets (true) or clears (false) the kulta.io/active label. */
  readonly active?: boolean;
  /** Adds or removes `name` in metadata.finalizers, which read `current` when the step began. */
  readonly finalizer?: {
    readonly action: 'add' | 'remove';
    readonly name: string;
    readonly current: readonly string[];
    /** The resourceVersion `current` was read at (adding to an absent list is conditional on it). */
    readonly resourceVersion: string;
  };
}

/** One transition, as a person reads it in `kubectl describe`. */
export interface TransitionNote {
  readonly uid: string;
  readonly transition: number;
  readonly event: string;
  readonly message: string;
  readonly at: string;
}

/** Takes the measurements of an AnalysisRun that are due, and writes them to its status. */
export interface AnalysisMeasurer {
  measure(namespace: string, name: string, now: string): Promise<unknown>;
}

/** Records transitions as Kubernetes Events. */
export interface TransitionRecorder {
  record(ref: RolloutRef, note: TransitionNote): Promise<void>;
}

/** The owned world of one rollout: what it is, and changes to it. */
export interface World {
  /** `restartBefore`: also count the pods created before this time (a pending restart). */
  observe(
    ref: RolloutRef,
    uid: string,
    spec: RolloutSpec,
    restartBefore?: string,
  ): Promise<Observed>;
  /** Applies one action, idempotently; skips it when a newer transition already wrote there. */
  apply(action: Action, fence: Fence, spec: RolloutSpec): Promise<void>;
}

/** What became of a batch of CDEvents handed to the sink. */
export interface DeliveryReport {
  /** Ids the sink accepted (2xx), in order. */
  readonly delivered: readonly string[];
  /**
   * Events the sink refused for good (400, 413, 415, 422: this event can never be accepted),
   * with its answer; delivery went on past them, so they go to the dead letters.
   */
  readonly refused: readonly { readonly id: string; readonly answer: string }[];
  /** The event that could not be delivered (at most one: delivery stops there). */
  readonly failed: readonly {
    readonly id: string;
    readonly error: string;
    /**
     * false: the sink turns KULTA away whatever it sends (401, 403, a redirect): its address or
     * credentials need fixing; true: it may take the event later (5xx, timeouts, 429).
     */
    readonly retryable: boolean;
    readonly attempts: number;
  }[];
  /** Ids after the failed one, not sent so that order is kept. */
  readonly notAttempted: readonly string[];
}

/** Sends CDEvents to the event sink strictly in order (K_SINK; see adapters/event-sink.ts). */
export interface EventSink {
  deliver(events: readonly CDEvent[]): Promise<DeliveryReport>;
}

/** A window of samples for the canary judge: evaluated every `stepSeconds` from start to end. */
export interface RangeWindow {
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
}

/** Asks the metrics provider (Prometheus; see adapters/prometheus.ts). Never throws. */
export interface MetricsQuerier {
  /** Instant query at `at` (default: the provider's now). */
  query(query: string, at?: Date): Promise<QueryAnswer>;
  /** Range query over a window: a matrix, one series per label set. */
  queryRange(query: string, window: RangeWindow): Promise<QueryAnswer>;
}
