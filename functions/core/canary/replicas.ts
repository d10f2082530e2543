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
