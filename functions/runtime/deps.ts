// Wires the real adapters from the environment: kubeconfig (in-cluster or $KUBECONFIG), clock.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRolloutStore } from '../adapters/kubernetes/rollouts.ts';
import { KubernetesAnalysisRuns } from '../adapters/kubernetes/analysis-runs.ts';
import { KubernetesTransitionRecorder } from '../adapters/kubernetes/events.ts';
import { PooledKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { KubernetesWorld } from '../adapters/kubernetes/world.ts';
import { createEventSinkFromEnv } from '../adapters/event-sink.ts';
import type { EventConfig } from '../core/events.ts';
import type { Clock } from '../ports.ts';
import type { StepDeps } from './step.ts';

export const systemClock: Clock = { now: () => new Date().toISOString() };

export function loadKubeConfig(): KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromDefault();
  return kc;
}

/**
 * Where CDEvents say they come from: KULTA_CLUSTER_NAME (default "kubernetes") names the source
 * `/kulta/<cluster>`; KULTA_ENVIRONMENT_ID is a template for environment.id with `{cluster}` and
 * `{namespace}` (default `{cluster}/{namespace}`), stable per cluster and namespace.
 */
export function eventConfigFromEnv(env: Readonly<Record<string, string | undefined>>): EventConfig {
  const cluster = env.KULTA_CLUSTER_NAME ?? 'kubernetes';
  const template = env.KULTA_ENVIRONMENT_ID ?? '{cluster}/{namespace}';
  return {
    source: `/kulta/${cluster}`,
    environmentId: (namespace) =>
      template.replaceAll('{cluster}', cluster).replaceAll('{namespace}', namespace),
  };
}

/** CDEvents go to K_SINK (a SinkBinding sets it); without it none are recorded. */
export function eventsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): StepDeps['events'] {
  if (!env.K_SINK) return undefined;
  return { sink: createEventSinkFromEnv(env), config: eventConfigFromEnv(env) };
}

export function kubernetesDeps(
  kc: KubeConfig,
  clock: Clock = systemClock,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StepDeps {
  const events = eventsFromEnv(env);
  return {
    clock,
    rollouts: new KubernetesRolloutStore(kc),
    world: new KubernetesWorld(kc),
    recorder: new KubernetesTransitionRecorder(kc),
    analysis: new KubernetesAnalysisRuns(kc),
    ...(events ? { events } : {}),
  };
}
