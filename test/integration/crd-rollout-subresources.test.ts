// The Rollout CRD's subresources and columns on a real apiserver: status writes keep every
// field the controller writes (KULTA's own included), the scale subresource serves HPA/KEDA
// from status, and `kubectl get` shows the printer columns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;

const kube = testKube();
const base = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' };
const fixture = parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'argo-canary-gatewayapi.yaml'), 'utf8'),
) as Json & { metadata: Json };
let ns: Awaited<ReturnType<typeof tempNamespace>>;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'crd-subres');
});
afterAll(async () => {
  await ns.remove();
});

/** Creates a rollout from the fixture and writes `status` through the status subresource. */
async function createWithStatus(name: string, newStatus: Json): Promise<Json> {
  const created = (await kube.custom.createNamespacedCustomObject({
    ...base,
    namespace: ns.name,
    body: { ...fixture, metadata: { name } },
  })) as Json;
  return (await kube.custom.replaceNamespacedCustomObjectStatus({
    ...base,
    namespace: ns.name,
    name,
    body: { ...created, status: newStatus },
  })) as Json;
}

/** A status as KULTA writes it mid-canary: Argo's fields, KULTA's, and some not in the schema. */
const status = {
  observedGeneration: 1,
  phase: 'Paused',
  message: 'CanaryPauseStep',
  currentPodHash: '6b9f7c5d4',
  stableRS: '58d4f9b7c',
  currentStepIndex: 1,
  currentStepHash: '7d8f6c',
  pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-02T03:04:05Z' }],
  controllerPause: true,
  replicas: 5,
  updatedReplicas: 1,
  readyReplicas: 5,
  availableReplicas: 5,
  HPAReplicas: 4,
  selector: 'app=storefront',
  canary: {
    weights: {
      canary: { podTemplateHash: '6b9f7c5d4', serviceName: 'storefront-canary', weight: 20 },
      stable: { podTemplateHash: '58d4f9b7c', serviceName: 'storefront-stable', weight: 80 },
      verified: true,
    },
  },
  conditions: [
    {
      type: 'Progressing',
      status: 'True',
      reason: 'RolloutPaused',
      message: 'Rollout is paused',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      lastUpdateTime: '2026-01-02T03:04:05Z',
    },
  ],
  transition: 7,
  currentStep: { index: 1, kind: 'pause', startedAt: '2026-01-02T03:04:05Z', note: 'kept' },
  pauseEndsAt: '2026-01-02T03:04:35Z',
  stepHistory: [
    { index: 0, kind: 'setWeight', startedAt: '2026-01-02T03:04:00Z', durationSeconds: 5 },
  ],
  history: [{ transition: 7, at: '2026-01-02T03:04:05Z', reason: 'StepStarted', from: 0 }],
  outbox: [{ id: 'evt-7', type: 'dev.cdevents.service.upgraded.0.3.0' }],
};

describe('the Rollout status subresource', () => {
  it('keeps every field KULTA writes, including ones the schema does not list', async () => {
    const written = await createWithStatus('status-kept', status);
    expect(written.status).toEqual(status);
    const read = (await kube.custom.getNamespacedCustomObject({
      ...base,
      namespace: ns.name,
      name: 'status-kept',
    })) as Json;
    expect(read.status).toEqual(status);
  });

  it('refuses a wrongly typed status field', async () => {
    const write = createWithStatus('status-typed', { phase: 'Exploded' });
    await expect(write).rejects.toMatchObject({
      code: 422,
      body: expect.stringContaining('status.phase: Unsupported value: \\"Exploded') as unknown,
    });
  });
});

describe('the Rollout scale subresource', () => {
  it('reads replicas from spec and status and the selector from status, and scales spec', async () => {
    await createWithStatus('scaled', status);
    const scale = (await kube.custom.getNamespacedCustomObjectScale({
      ...base,
      namespace: ns.name,
      name: 'scaled',
    })) as { kind: string; spec: Json; status: Json };
    expect(scale.kind).toBe('Scale');
    expect(scale.spec).toEqual({ replicas: 4 });
    expect(scale.status).toEqual({ replicas: 4, selector: 'app=storefront' });

    await kube.custom.replaceNamespacedCustomObjectScale({
      ...base,
      namespace: ns.name,
      name: 'scaled',
      body: { ...scale, spec: { replicas: 6 } },
    });
    const rollout = (await kube.custom.getNamespacedCustomObject({
      ...base,
      namespace: ns.name,
      name: 'scaled',
    })) as { spec: { replicas: number } };
    expect(rollout.spec.replicas).toBe(6);
  });
});

describe('the Rollout printer columns', () => {
  it('show phase, step, canary weight and age, with replica counts in wide output', async () => {
    const crd = await kube.apiext.readCustomResourceDefinition({ name: 'rollouts.kulta.io' });
    const columns = (crd.spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => ({
      name: c.name,
      jsonPath: c.jsonPath,
      priority: c.priority ?? 0,
    }));
    expect(columns).toEqual([
      { name: 'Phase', jsonPath: '.status.phase', priority: 0 },
      { name: 'Step', jsonPath: '.status.currentStepIndex', priority: 0 },
      { name: 'Canary Weight', jsonPath: '.status.canary.weights.canary.weight', priority: 0 },
      { name: 'Desired', jsonPath: '.spec.replicas', priority: 1 },
      { name: 'Current', jsonPath: '.status.replicas', priority: 1 },
      { name: 'Up-to-date', jsonPath: '.status.updatedReplicas', priority: 1 },
      { name: 'Available', jsonPath: '.status.availableReplicas', priority: 1 },
      { name: 'Age', jsonPath: '.metadata.creationTimestamp', priority: 0 },
    ]);
    expect(crd.spec.names.shortNames).toEqual(['kro']);
  });
});
