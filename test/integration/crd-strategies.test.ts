// The blue-green and simple strategies, and the canary's pod-pacing fields, against the real
// apiserver: good manifests are accepted as written, bad ones refused for every client with a
// message naming the field and the fix.
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const api = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' };
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let counter = 0;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'crd-strategies');
});
afterAll(async () => {
  await ns.remove();
});

function rollout(strategy: JsonObject): JsonObject {
  counter += 1;
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: `web-${String(counter)}` },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] },
      },
      strategy,
    },
  };
}

async function create(body: JsonObject): Promise<JsonObject> {
  return (await kube.custom.createNamespacedCustomObject({
    ...api,
    namespace: ns.name,
    body,
    fieldValidation: 'Strict',
  })) as JsonObject;
}

async function refusal(body: JsonObject): Promise<string> {
  try {
    await create(body);
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return (JSON.parse(String(error.body)) as { message: string }).message;
  }
  throw new Error('the rollout was accepted but should have been refused');
}

const route = { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web-route' } } };
const analysis = { templates: [{ templateName: 'smoke' }] };

describe('blue-green and simple manifests are accepted', () => {
  it('takes Argo blue-green fields with their defaults', async () => {
    const created = await create(
      rollout({
        blueGreen: {
          activeService: 'web-active',
          previewService: 'web-preview',
          autoPromotionSeconds: 30,
          previewReplicaCount: 1,
          prePromotionAnalysis: analysis,
          postPromotionAnalysis: { ...analysis, args: [{ name: 'x', value: '1' }] },
          activeMetadata: { labels: { role: 'active' } },
          previewMetadata: { labels: { role: 'preview' } },
          trafficRouting: route,
          scaleDownDelayRevisionLimit: 1,
        },
      }),
    );
    const blueGreen = ((created.spec as JsonObject).strategy as JsonObject).blueGreen;
    expect(blueGreen).toMatchObject({
      scaleDownDelayRevisionLimit: 1,
      autoPromotionEnabled: true,
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
    });
  });

  it('takes a simple rolling update', async () => {
    const created = await create(rollout({ simple: { maxSurge: '50%', maxUnavailable: 0 } }));
    expect(((created.spec as JsonObject).strategy as JsonObject).simple).toEqual({
      maxSurge: '50%',
      maxUnavailable: 0,
      abortScaleDownDelaySeconds: 30,
    });
  });
});

describe('the canary pacing fields', () => {
  it.each<[string, JsonObject]>([
    ['scaleDownDelayRevisionLimit', { scaleDownDelayRevisionLimit: 2 }],
    [
      'replicaProgressThreshold as a percentage',
      { replicaProgressThreshold: { type: 'Percent', value: 80 } },
    ],
    [
      'replicaProgressThreshold as a pod count',
      { replicaProgressThreshold: { type: 'Pod', value: 2 } },
    ],
  ])('accepts %s as written', async (_name, fields) => {
    const created = await create(rollout({ canary: fields }));
    expect(((created.spec as JsonObject).strategy as JsonObject).canary).toMatchObject(fields);
  });

  it.each<[string, JsonObject, string]>([
    [
      'a negative scaleDownDelayRevisionLimit',
      { scaleDownDelayRevisionLimit: -1 },
      'scaleDownDelayRevisionLimit cannot be negative',
    ],
    [
      'replicaProgressThreshold of 120 percent',
      { replicaProgressThreshold: { type: 'Percent', value: 120 } },
      'replicaProgressThreshold.value must be between 1 and 100 with type Percent',
    ],
    [
      'replicaProgressThreshold of 0 pods',
      { replicaProgressThreshold: { type: 'Pod', value: 0 } },
      'replicaProgressThreshold.value must be at least 1 with type Pod',
    ],
    [
      'replicaProgressThreshold of an unknown type',
      { replicaProgressThreshold: { type: 'Replicas', value: 2 } },
      'spec.strategy.canary.replicaProgressThreshold.type: Unsupported value: "Replicas": supported values: "Percent", "Pod"',
    ],
    [
      'replicaProgressThreshold without a value',
      { replicaProgressThreshold: { type: 'Pod' } },
      'spec.strategy.canary.replicaProgressThreshold.value: Required value',
    ],
  ])('refuses %s', async (_name, fields, expected) => {
    expect(await refusal(rollout({ canary: fields }))).toContain(expected);
  });
});

describe('bad blue-green and simple manifests are refused, saying why', () => {
  it.each<[string, JsonObject, string]>([
    [
      'blue-green without activeService',
      { blueGreen: { previewService: 'p' } },
      'activeService: Required value',
    ],
    [
      'the same Service for active and preview',
      { blueGreen: { activeService: 'web', previewService: 'web' } },
      'activeService and previewService must be two different Services (both are "web")',
    ],
    [
      'autoPromotionSeconds with autoPromotionEnabled false',
      { blueGreen: { activeService: 'a', autoPromotionEnabled: false, autoPromotionSeconds: 10 } },
      'autoPromotionSeconds has no effect with autoPromotionEnabled: false',
    ],
    [
      'trafficRouting without previewService',
      { blueGreen: { activeService: 'a', trafficRouting: route } },
      'trafficRouting needs previewService',
    ],
    [
      'a negative previewReplicaCount',
      { blueGreen: { activeService: 'a', previewReplicaCount: -1 } },
      'previewReplicaCount cannot be negative',
    ],
    [
      'a pre-promotion analysis without templates',
      { blueGreen: { activeService: 'a', prePromotionAnalysis: { args: [] } } },
      'prePromotionAnalysis.templates: Required value',
    ],
    [
      'a negative scaleDownDelayRevisionLimit',
      { blueGreen: { activeService: 'a', scaleDownDelayRevisionLimit: -1 } },
      'scaleDownDelayRevisionLimit cannot be negative',
    ],
    [
      'managedRoutes under blue-green',
      {
        blueGreen: {
          activeService: 'a',
          previewService: 'b',
          trafficRouting: { ...route, managedRoutes: [{ name: 'testers' }] },
        },
      },
      'trafficRouting.managedRoutes is for a canary',
    ],
    ['two strategies', { canary: {}, simple: {} }, 'strategy must set exactly one of canary'],
    [
      'simple with maxSurge and maxUnavailable 0',
      { simple: { maxSurge: 0, maxUnavailable: '0%' } },
      'maxSurge and maxUnavailable cannot both be 0',
    ],
    [
      'simple with steps',
      { simple: { steps: [{ setWeight: 10 }] } },
      'unknown field "spec.strategy.simple.steps"',
    ],
  ])('refuses %s', async (_name, strategy, expected) => {
    expect(await refusal(rollout(strategy))).toContain(expected);
  });
});
