// Wires the real adapters from the environment: kubeconfig (in-cluster or $KUBECONFIG), clock.
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRolloutStore } from '../adapters/kubernetes/rollouts.ts';
import { KubernetesWorld } from '../adapters/kubernetes/world.ts';
import type { Clock } from '../ports.ts';
import type { StepDeps } from './step.ts';

export const systemClock: Clock = { now: () => new Date().toISOString() };

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export function kubernetesDeps(kc: KubeConfig, clock: Clock = systemClock): StepDeps {
  return { clock, rollouts: new KubernetesRolloutStore(kc), world: new KubernetesWorld(kc) };
}
