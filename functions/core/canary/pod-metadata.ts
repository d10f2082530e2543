// canaryMetadata / stableMetadata (Argo's ephemeral metadata): labels and annotations that a
// revision's pods carry for the role they play. When the role changes (the canary is promoted)
// the ReplicaSet's template and its running pods are relabelled in place, without restarts.
import type { Action } from '../actions.ts';
import type { Observed, ObservedReplicaSet } from '../observed.ts';
import type { PodMetadata, RolloutSpec, RolloutStatus } from '../rollout/types.ts';

type Role = 'stable' | 'canary';

function roleOf(rs: ObservedReplicaSet, status: RolloutStatus): Role | undefined {
  // Blue-green: activeMetadata follows the active Service, previewMetadata the preview.
  const active = status.blueGreen?.activeSelector ?? status.stableRS;
  if (rs.podTemplateHash === active) return 'stable';
  if (rs.podTemplateHash === status.currentPodHash) return 'canary';
  return undefined;
}

/** `current` with the other role's keys removed and this role's set. */
function forRole(
  current: Readonly<Record<string, string>>,
  mine: Readonly<Record<string, string>>,
  other: Readonly<Record<string, string>>,
): Record<string, string> {
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(current)) {
    if (!(k in other) || other[k] !== v || k in mine) next[k] = v;
  }
  return { ...next, ...mine };
}

function same(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The template metadata a revision's pods should have for its role. */
export function roleMetadata(spec: RolloutSpec, role: Role, current: PodMetadata): PodMetadata {
  const { canaryMetadata, stableMetadata } = spec.canary;
  const [mine, other] =
    role === 'stable' ? [stableMetadata, canaryMetadata] : [canaryMetadata, stableMetadata];
  return {
    labels: forRole(current.labels, mine.labels, other.labels),
    annotations: forRole(current.annotations, mine.annotations, other.annotations),
  };
}

export function podMetadataActions(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): Action[] {
  const actions: Action[] = [];
  for (const rs of observed.replicaSets) {
    const role = roleOf(rs, status);
    if (!role) continue;
    const want = roleMetadata(spec, role, rs.podMetadata);
    if (
      same(want.labels, rs.podMetadata.labels) &&
      same(want.annotations, rs.podMetadata.annotations)
    )
      continue;
    actions.push({
      kind: 'setPodMetadata',
      name: rs.name,
      podTemplateHash: rs.podTemplateHash,
      ...want,
    });
  }
  return actions;
}
