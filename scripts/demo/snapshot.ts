// One look at the demo app as a person would check it: the Rollout's status, the weights the
// HTTPRoute really carries, and the pods of every ReplicaSet. Read with three GETs.
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { readRouteWeights } from '../../functions/core/route-weights.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import type { CanaryApp } from '../../test/support/canary-app.ts';

export type Role = 'stable' | 'canary' | 'old';

export interface PodCount {
  readonly name: string;
  readonly hash: string;
  readonly role: Role;
  readonly desired: number;
  readonly ready: number;
}

export interface Snapshot {
  /** When it was taken (ms, Date.now()). */
  readonly at: number;
  readonly status: RolloutStatus;
  /** Step labels from the spec, e.g. "setWeight 20%", "pause 3s". */
  readonly steps: readonly string[];
  /** Weights on the HTTPRoute (not the status): what traffic really does. */
  readonly route: { readonly stable: number; readonly canary: number } | undefined;
  readonly pods: readonly PodCount[];
}

const hashLabel = 'rollouts-pod-template-hash';

/** "setWeight 20%", "pause 3s", "pause (until promoted)", … from one raw spec step. */
export function stepLabel(step: JsonObject): string {
  if (typeof step.setWeight === 'number') return `setWeight ${String(step.setWeight)}%`;
  const pause = step.pause;
  if (pause !== undefined) {
    const duration =
      typeof pause === 'object' && pause !== null && !Array.isArray(pause)
        ? pause.duration
        : undefined;
    if (typeof duration === 'number') return `pause ${String(duration)}s`;
    if (typeof duration === 'string') return `pause ${duration}`;
    return 'pause (until promoted)';
  }
  return Object.keys(step).join(',');
}

function roleOf(hash: string, status: RolloutStatus): Role {
  if (hash === status.stableRS) return 'stable';
  if (hash === status.currentPodHash) return 'canary';
  return 'old';
}

function podCounts(sets: readonly V1ReplicaSet[], status: RolloutStatus): PodCount[] {
  const order: Record<Role, number> = { stable: 0, canary: 1, old: 2 };
  return sets
    .map((rs) => {
      const hash = rs.metadata?.labels?.[hashLabel] ?? '';
      return {
        name: rs.metadata?.name ?? '',
        hash,
        role: roleOf(hash, status),
        desired: rs.spec?.replicas ?? 0,
        ready: rs.status?.readyReplicas ?? 0,
      };
    })
    .filter((p) => p.role !== 'old' || p.desired > 0 || p.ready > 0)
    .sort((a, b) => order[a.role] - order[b.role] || a.name.localeCompare(b.name));
}

export async function takeSnapshot(app: CanaryApp): Promise<Snapshot> {
  const [rollout, route, sets] = await Promise.all([app.rollout(), app.route(), app.replicaSets()]);
  // A Rollout has no status until the first step commits one.
  const status: RolloutStatus | undefined = rollout.status;
  const canary = (rollout.spec.strategy as { canary?: { steps?: JsonObject[] } } | undefined)
    ?.canary;
  const weights = readRouteWeights(route, {
    stableService: `${app.name}-stable`,
    canaryService: `${app.name}-canary`,
  });
  return {
    at: Date.now(),
    status: status ?? {},
    steps: (canary?.steps ?? []).map(stepLabel),
    route:
      weights.stable === undefined || weights.canary === undefined
        ? undefined
        : { stable: weights.stable, canary: weights.canary },
    pods: podCounts(sets, status ?? {}),
  };
}
