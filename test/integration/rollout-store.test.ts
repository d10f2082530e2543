// The Rollout store's list on the real apiserver: paged (a resync over thousands of Rollouts
// never reads them in one response) and reduced to what the tick reads.
import { describe, expect, it } from 'vitest';
import { KubernetesRolloutStore } from '../../functions/adapters/kubernetes/rollouts.ts';
import { rolloutManifest } from '../support/canary-app.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('rollout-store');

describe('KubernetesRolloutStore.list', () => {
  it('reads every page and keeps only names, generation, labels and observedGeneration', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) {
      const manifest = rolloutManifest(name, { image: 'registry.example/x:1', steps: [] });
      await file.kube.custom.createNamespacedCustomObject({
        group: 'kulta.io',
        version: 'v1alpha1',
        plural: 'rollouts',
        namespace: file.namespace,
        body: { ...manifest, metadata: { name, labels: { team: 'shop' } } },
      });
    }
    const store = new KubernetesRolloutStore(file.kube.kc, { pageSize: 2 });
    const listed = (await store.list({ namespace: file.namespace })) as {
      metadata: Record<string, unknown>;
      status: Record<string, unknown>;
    }[];
    expect(listed.map((r) => r.metadata.name).sort()).toEqual(names);
    for (const item of listed) {
      expect(Object.keys(item).sort()).toEqual(['metadata', 'status']);
      expect(Object.keys(item.metadata).sort()).toEqual([
        'generation',
        'labels',
        'name',
        'namespace',
      ]);
      expect(item.metadata).toMatchObject({ namespace: file.namespace, generation: 1 });
      expect(item.metadata.labels).toMatchObject({ team: 'shop' });
    }
    const selected = await store.list({ namespace: file.namespace, labelSelector: 'team=other' });
    expect(selected).toEqual([]);
  });
});
