// Proof that the test bed is a real control plane: the behaviours KULTA relies on
// (availability through the ReplicaSet → Pod → Ready chain, resourceVersion preconditions on a
// status subresource, garbage collection through owner references) happen for real.
import { ApiException, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
let ns: Awaited<ReturnType<typeof tempNamespace>>;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'testbed');
});
afterAll(async () => {
  await ns.remove();
});

const group = 'testbed.kulta.io';
const plural = 'widgets';

async function ensureWidgetCrd(): Promise<void> {
  const name = `${plural}.${group}`;
  try {
    await kube.apiext.createCustomResourceDefinition({
      body: {
        metadata: { name },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' } } },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
  await eventually(
    'the Widget CRD to be Established',
    () => kube.apiext.readCustomResourceDefinition({ name }),
    (crd) =>
      (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
  );
}

describe('the test bed', () => {
  it('serves Kubernetes v1.36', async () => {
    const version = await kube.kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.36\.\d+$/);
    expect(version.minor).toBe('36');
  });

  it('makes a 3-replica Deployment fully available through real pods', async () => {
    const labels = { app: 'web' };
    await kube.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] },
          },
        },
      },
    });
    const deployment = await eventually(
      'deployment web to have 3 available replicas',
      () => kube.apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
      (d) => d.status?.availableReplicas === 3,
    );
    expect(deployment.status?.readyReplicas).toBe(3);
    const pods = await kube.core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: 'app=web',
    });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe('kwok-node-0');
      expect(pod.status?.phase).toBe('Running');
    }
  });

  it('accepts a status write with the current resourceVersion and refuses a stale one', async () => {
    await ensureWidgetCrd();
    const base = { group, version: 'v1', namespace: ns.name, plural };
    const created = (await kube.custom.createNamespacedCustomObject({
      ...base,
      body: {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 1 },
      },
    })) as { metadata: { resourceVersion: string } };
    const staleVersion = created.metadata.resourceVersion;

    const fresh = (await kube.custom.replaceNamespacedCustomObjectStatus({
      ...base,
      name: 'w1',
      body: {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', resourceVersion: staleVersion },
        status: { phase: 'First' },
      },
    })) as { metadata: { resourceVersion: string }; status: { phase: string } };
    expect(fresh.status.phase).toBe('First');
    expect(fresh.metadata.resourceVersion).not.toBe(staleVersion);

    const stale = kube.custom.replaceNamespacedCustomObjectStatus({
      ...base,
      name: 'w1',
      body: {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', resourceVersion: staleVersion },
        status: { phase: 'Second' },
      },
    });
    await expect(stale).rejects.toMatchObject({ code: 409 });
    const after = (await kube.custom.getNamespacedCustomObject({ ...base, name: 'w1' })) as {
      status: { phase: string };
    };
    expect(after.status.phase).toBe('First');
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    const owner = await kube.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'owner' }, data: { role: 'owner' } },
    });
    const ownerRef = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata?.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
    await kube.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'dependent', ownerReferences: [ownerRef] }, data: { role: 'dep' } },
    });
    await kube.core.deleteNamespacedConfigMap({
      name: 'owner',
      namespace: ns.name,
      body: { propagationPolicy: 'Foreground' },
    });
    await eventually(
      'the dependent ConfigMap to be garbage-collected',
      async () => {
        const list = await kube.core.listNamespacedConfigMap({ namespace: ns.name });
        return list.items.map((c) => c.metadata?.name ?? '');
      },
      (names) => !names.includes('dependent') && !names.includes('owner'),
    );
  });
});
