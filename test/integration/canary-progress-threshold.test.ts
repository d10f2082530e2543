// replicaProgressThreshold on the test bed: a canary whose pods cannot all be scheduled (a
// required anti-affinity on the bed's single node lets one of them run) moves its weight when
// the threshold it sets is met, and a twin without the threshold waits for every pod.
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('progress-threshold');

/** The revision 2 template: one pod per node, and the bed has one node. */
function onePodPerNode(name: string): JsonObject {
  return {
    metadata: { labels: { app: name, spread: 'one-per-node' } },
    spec: {
      containers: [{ name, image: 'registry.example/web:2.0' }],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: name, spread: 'one-per-node' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          ],
        },
      },
    },
  };
}

describe('replicaProgressThreshold', () => {
  const withThreshold = new CanaryApp(file.kube, '', 'threshold');
  const without = new CanaryApp(file.kube, '', 'all-pods');

  beforeAll(async () => {
    for (const [app, canary] of [
      [withThreshold, { replicaProgressThreshold: { type: 'Pod', value: 1 } }],
      [without, {}],
    ] as const) {
      Object.assign(app, { namespace: file.namespace });
      await app.createBackends();
      await app.createRollout(
        rolloutManifest(app.name, {
          image: 'registry.example/web:1.0',
          steps: [{ setWeight: 50 }, { pause: {} }],
          canary,
        }),
      );
      await eventually(
        `${app.name} Healthy`,
        () => app.status(),
        (s) => s.phase === 'Healthy',
      );
    }
  });

  it('sets the weight once one of the two canary pods is available (type Pod, value 1)', async () => {
    await withThreshold.patchSpec({ template: onePodPerNode(withThreshold.name) });
    await without.patchSpec({ template: onePodPerNode(without.name) });
    const status = await eventually(
      'the thresholded canary paused at 50%',
      () => withThreshold.status(),
      (s) => s.phase === 'Paused' && s.currentStepIndex === 1,
    );
    expect(await withThreshold.weights()).toEqual([50, 50]);
    const canary = (await withThreshold.replicaSets()).find(
      (rs) => rs.metadata?.name === `threshold-${status.currentPodHash ?? ''}`,
    );
    expect(canary?.spec?.replicas).toBe(2);
    expect(canary?.status?.availableReplicas).toBe(1);
  });

  it('keeps the twin without a threshold at 0% while only one of its two pods runs', async () => {
    const status = await eventually(
      'the twin scaled its canary, with one pod available',
      () => without.status(),
      (s) => s.currentPodHash !== undefined && s.currentPodHash !== s.stableRS,
    );
    const canary = await eventually(
      'one of the twin canary pods available',
      async () =>
        (await without.replicaSets()).find(
          (rs) => rs.metadata?.name === `all-pods-${status.currentPodHash ?? ''}`,
        ),
      (rs) => rs?.status?.availableReplicas === 1 && rs.spec?.replicas === 2,
    );
    expect(canary?.status?.availableReplicas).toBe(1);
    const now = await without.status();
    expect(now.currentStepIndex).toBe(0);
    expect(now.phase).toBe('Progressing');
    expect(await without.weights()).toEqual([100, 0]);
  });
});
