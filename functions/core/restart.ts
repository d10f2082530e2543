// spec.restartAt as Argo does it: pods created before that time are deleted (their ReplicaSet
// replaces them), at most maxUnavailable at a time and only while the rest are available;
// status.restartedAt records the restart once no older pod is left.
import type { Action } from './actions.ts';
import { resolveIntOrPercent } from './canary/replicas.ts';
import type { Observed } from './observed.ts';
import type { RolloutSpec, RolloutStatus } from './rollout/types.ts';

/** The restart time still to act on, if spec.restartAt is due and not yet done. */
export function pendingRestart(
  spec: RolloutSpec,
  status: RolloutStatus,
  now: string,
): string | undefined {
  const at = spec.restartAt;
  if (at === undefined || Date.parse(at) > Date.parse(now)) return undefined;
  if (status.restartedAt !== undefined && Date.parse(status.restartedAt) >= Date.parse(at))
    return undefined;
  return at;
}

function available(observed: Observed): { wanted: number; available: number } {
  return observed.replicaSets.reduce(
    (n, rs) => ({ wanted: n.wanted + rs.replicas, available: n.available + rs.availableReplicas }),
    { wanted: 0, available: 0 },
  );
}

/** Marks the restart done once no pod from before restartAt is left. */
export function restartStatus(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): RolloutStatus {
  const at = pendingRestart(spec, status, now);
  if (at === undefined || observed.podsToRestart !== 0) return status;
  return { ...status, restartedAt: at };
}

/** Deletes the next batch of old pods when the others are available. */
export function restartActions(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): Action[] {
  const at = pendingRestart(spec, status, now);
  const left = observed.podsToRestart ?? 0;
  if (at === undefined || left === 0) return [];
  const budget = Math.max(
    1,
    resolveIntOrPercent(spec.canary.maxUnavailable, spec.replicas, 'down'),
  );
  const { wanted, available: up } = available(observed);
  const count = Math.min(left, budget - (wanted - up));
  return count > 0 ? [{ kind: 'restartPods', before: at, count }] : [];
}
