// The dashboard's two ports: read the view of rollouts, and act on one (the operator contract).
import type { RolloutRef } from '../ports.ts';

/** What a person may do from the dashboard: the same patches as `kubectl argo rollouts`. */
export const RolloutAction = {
  /** Clear status.pauseConditions (through the status subresource). */
  promote: 'promote',
  /** Set status.abort = true. */
  abort: 'abort',
  /** Set status.abort = false. */
  retry: 'retry',
} as const;
export type RolloutAction = (typeof RolloutAction)[keyof typeof RolloutAction];

/** Plain JSON, as the read model returns it and the browser receives it. */
export type ViewJson = unknown;

/** Reads rollouts for the dashboard (functions/view on the Kubernetes API; fakes in tests). */
export interface RolloutReader {
  /** Summaries of the rollouts in one namespace, or in every namespace when undefined. */
  list(namespace: string | undefined): Promise<ViewJson>;
  /** Everything the rollout page shows; undefined when the Rollout does not exist. */
  detail(ref: RolloutRef): Promise<ViewJson>;
}

/** Acts on one Rollout. Throws the view's RolloutNotFoundError when it does not exist. */
export interface RolloutOperator {
  /** Returns what was done, as a sentence ("Rollout shop/web promoted (pause cleared)"). */
  act(ref: RolloutRef, action: RolloutAction): Promise<string>;
}
