// Replica arithmetic of a canary: how many canary and stable pods a step asks for.
import type { CanaryScale, RolloutSpec } from '../rollout/types.ts';

/** Replicas for `weight` percent of `total`, rounded up so any weight > 0 gets a pod. */
export function replicasForWeight(weight: number, total: number): number {
  return Math.min(total, Math.ceil((weight * total) / 100));
}

/**
 * The traffic weight a step index stands for: the weight of the step being executed when it
 * is a setWeight, else the last setWeight before it (0 before any).
 */
export function targetWeight(spec: RolloutSpec, stepIndex: number): number {
  const steps = spec.canary.steps;
  if (stepIndex >= steps.length) return 100;
  let weight = 0;
  for (const step of steps.slice(0, stepIndex + 1)) {
    if (step.kind === 'setWeight') weight = step.weight;
  }
  return weight;
}

/** The setCanaryScale in force at a step index (the last one at or before it), if any. */
export function canaryScaleAt(spec: RolloutSpec, stepIndex: number): CanaryScale | undefined {
  let scale: CanaryScale | undefined;
  for (const step of spec.canary.steps.slice(0, stepIndex + 1)) {
    if (step.kind === 'setCanaryScale') {
      scale = step.scale.kind === 'matchTrafficWeight' ? undefined : step.scale;
    }
  }
  return scale;
}

/** Canary pods wanted while executing `stepIndex` (all replicas once the steps are done). */
export function desiredCanaryReplicas(spec: RolloutSpec, stepIndex: number): number {
  const total = spec.replicas;
  if (stepIndex >= spec.canary.steps.length) return total;
  const scale = canaryScaleAt(spec, stepIndex);
  if (scale?.kind === 'replicas') return Math.min(total, scale.replicas);
  if (scale?.kind === 'weight') return replicasForWeight(scale.weight, total);
  return replicasForWeight(targetWeight(spec, stepIndex), total);
}

/**
 * Stable pods wanted during a canary. With traffic routing the stable keeps 100% (so an abort
 * is instant) unless dynamicStableScale, where it shrinks to the traffic it still carries.
 * Without traffic routing, traffic follows pod counts, so stable makes room for the canary.
 */
export function desiredStableReplicas(
  spec: RolloutSpec,
  canaryReplicas: number,
  committedCanaryWeight: number,
): number {
  const total = spec.replicas;
  if (!spec.canary.trafficRouting) return Math.max(0, total - canaryReplicas);
  if (!spec.canary.dynamicStableScale) return total;
  return total - Math.floor((committedCanaryWeight * total) / 100);
}

/** An int-or-percent of `total`: percentages round up for surge and down for unavailability. */
export function resolveIntOrPercent(
  value: number | string,
  total: number,
  round: 'up' | 'down',
): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(percent)) return 0;
  const exact = (percent * total) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

export interface RollingCounts {
  readonly canary: number;
  readonly stable: number;
}

/**
 * Without traffic routing the pods are the traffic split, so replicas move between revisions
 * the way a Deployment rolls: at most maxSurge pods above spec.replicas, and at least
 * spec.replicas - maxUnavailable available. Returns the next counts towards `target`.
 */
export function rollingStep(
  spec: RolloutSpec,
  target: RollingCounts,
  seen: { readonly canary: number; readonly stable: number; readonly canaryAvailable: number },
): RollingCounts {
  const total = spec.replicas;
  let surge = resolveIntOrPercent(spec.canary.maxSurge, total, 'up');
  const unavailable = resolveIntOrPercent(spec.canary.maxUnavailable, total, 'down');
  if (surge === 0 && unavailable === 0) surge = 1;
  const canary =
    target.canary > seen.canary
      ? Math.min(target.canary, Math.max(seen.canary, total + surge - seen.stable))
      : target.canary;
  const stable =
    target.stable < seen.stable
      ? Math.max(target.stable, Math.min(seen.stable, total - unavailable - seen.canaryAvailable))
      : target.stable;
  return { canary, stable };
}
