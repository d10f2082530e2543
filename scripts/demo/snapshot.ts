// One look at the demo app as a person would check it: the Rollout's status, the weights the
// HTTPRoute really carries, and the pods of every ReplicaSet — read through the shared read
// model (functions/view), the same one `kulta get rollout` and the dashboard use.
import type { RolloutStatus } from '../../functions/core/rollout/types.ts';
import {
  readRolloutDetail,
  type RevisionRole,
  type RolloutDetail,
} from '../../functions/view/rollout-detail.ts';
import type { CanaryApp } from '../../test/support/canary-app.ts';

export type Role = RevisionRole;

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

const order: Record<Role, number> = { stable: 0, active: 0, canary: 1, preview: 1, old: 2 };

/** The demo's snapshot of a read model: current revisions first, old ones while they have pods. */
export function snapshotOf(detail: RolloutDetail, at: number): Snapshot {
  const route = detail.weights.routes[0];
  return {
    at,
    status: detail.status,
    steps: detail.steps.map((s) => s.label),
    route:
      route?.stable === undefined || route.canary === undefined
        ? undefined
        : { stable: route.stable, canary: route.canary },
    pods: detail.revisions
      .map((r) => ({
        name: r.replicaSet,
        hash: r.podTemplateHash,
        role: r.role,
        desired: r.desired,
        ready: r.ready,
      }))
      .filter((p) => p.role !== 'old' || p.desired > 0 || p.ready > 0)
      .sort((a, b) => order[a.role] - order[b.role] || a.name.localeCompare(b.name)),
  };
}

export async function takeSnapshot(app: CanaryApp): Promise<Snapshot> {
  const detail = await readRolloutDetail(app.kube, app.namespace, app.name);
  return snapshotOf(detail, Date.now());
}
