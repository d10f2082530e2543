// Safety of the stateless step on the real API: bursts of duplicate, stale (out-of-order) and
// concurrent events never move traffic backwards, never re-open it after an abort, and never
// regress status; a stale writer is fenced out; what only the controller can see becomes a
// condition; and an Argo quick-start manifest rolls out with only apiVersion changed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { KubernetesWorld } from '../../functions/adapters/kubernetes/world.ts';
import { parseSpec } from '../../functions/core/rollout/parse.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { startLocalRunner, type LocalRunner } from '../../functions/local/runner.ts';
import { createReconcileHandler } from '../../functions/reconcile/handler.ts';
import { createApp } from '../../functions/runtime/app.ts';
import { kubernetesDeps } from '../../functions/runtime/deps.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';
import { apiServerEvent, watchedResources } from '../../functions/local/bridge.ts';
import { dueEventHeaders } from '../../functions/tick/dispatch.ts';
import { CanaryApp, rolloutManifest, routeManifest } from '../support/canary-app.ts';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const logger = createLogger({ level: 'silent' });
let ns: Awaited<ReturnType<typeof tempNamespace>>;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'safety');
});
afterAll(async () => {
  await ns.remove();
});

const reconcile = createApp({
  handle: createReconcileHandler({
    ...kubernetesDeps(kube.kc),
    metrics: createMetrics({ defaults: false }),
  }),
  logger,
  metrics: createMetrics({ defaults: false }),
});

function resource(kind: string) {
  const found = watchedResources.find((r) => r.kind === kind);
  if (!found) throw new Error(`the bridge does not watch ${kind}`);
  return found;
}
const rolloutResource = resource('Rollout');
const replicaSetResource = resource('ReplicaSet');

/** One burst: duplicates of fresh and stale Rollout events, ReplicaSet events and due events, all at once. */
async function burst(app: CanaryApp, stale: JsonObject[]): Promise<number[]> {
  const fresh = (await app.rollout()) as unknown as JsonObject;
  stale.push(fresh);
  const sets = await app.replicaSets();
  const events = [
    ...[fresh, fresh, ...stale.slice(-4)].map((o) =>
      apiServerEvent('test', rolloutResource, 'MODIFIED', o),
    ),
    ...sets.map((rs) => apiServerEvent('test', replicaSetResource, 'MODIFIED', rs as never)),
    ...[1, 2, 3].map((i) => ({
      headers: dueEventHeaders({ namespace: app.namespace, name: app.name }, `tick-${String(i)}`),
      body: JSON.stringify({ namespace: app.namespace, name: app.name }),
    })),
  ];
  const responses = await Promise.all(
    events
      .reverse()
      .map(async (e) =>
        reconcile.request('/', { method: 'POST', headers: e.headers, body: e.body }),
      ),
  );
  return responses.map((r) => r.status);
}

interface Observation {
  readonly weight: number;
  readonly status: RolloutStatus;
}

async function observe(app: CanaryApp): Promise<Observation> {
  const [, weight] = await app.weights();
  return { weight, status: await app.status() };
}

describe('bursts of duplicate, stale and concurrent events', () => {
  const app = new CanaryApp(kube, '', 'chaos');

  beforeAll(async () => {
    Object.assign(app, { namespace: ns.name });
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('chaos', {
        image: 'registry.example/chaos:1.0',
        steps: [
          { setWeight: 20 },
          { setWeight: 40 },
          { setWeight: 60 },
          { setWeight: 80 },
          { pause: {} },
        ],
      }),
    );
  });

  it('keep every invariant while the canary progresses and after an abort', async () => {
    const stale: JsonObject[] = [];
    let last = await observe(app);
    const check = async (mustNotReopen: boolean): Promise<Observation> => {
      const statuses = await burst(app, stale);
      expect(statuses.every((s) => s === 202)).toBe(true);
      const now = await observe(app);
      expect(now.status.transition ?? 0).toBeGreaterThanOrEqual(last.status.transition ?? 0);
      if (mustNotReopen) expect(now.weight).toBe(0);
      else if (
        now.status.currentPodHash === last.status.currentPodHash &&
        now.status.abort !== true
      ) {
        expect(now.weight).toBeGreaterThanOrEqual(last.weight);
        expect(now.status.currentStepIndex ?? 0).toBeGreaterThanOrEqual(
          last.status.currentStepIndex ?? 0,
        );
      }
      last = now;
      return now;
    };
    for (let i = 0; i < 30 && last.status.phase !== 'Healthy'; i += 1) await check(false);
    expect(last.status.phase).toBe('Healthy');

    await app.setImage('registry.example/chaos:2.0');
    for (let i = 0; i < 60 && last.status.phase !== 'Paused'; i += 1) await check(false);
    expect(last.status.phase).toBe('Paused');
    expect(last.weight).toBe(80);

    await app.abort();
    for (let i = 0; i < 30 && last.weight !== 0; i += 1) await check(false);
    expect(last.status.phase).toBe('Degraded');
    for (let i = 0; i < 10; i += 1) await check(true);
  });
});

describe('fencing', () => {
  it('a slow writer holding an older transition cannot move traffic backwards', async () => {
    const app = new CanaryApp(kube, ns.name, 'fenced');
    await app.createBackends();
    const manifest = rolloutManifest('fenced', {
      image: 'registry.example/fenced:1.0',
      steps: [{ setWeight: 50 }],
    });
    await app.createRollout(manifest);
    const rollout = await app.rollout();
    const uid = (rollout as unknown as { metadata: { uid: string } }).metadata.uid;
    const world = new KubernetesWorld(kube.kc);
    const spec = parseSpec(manifest, ns.name).spec;
    if (!spec) throw new Error('fixture spec is invalid');
    const action = (canaryWeight: number) =>
      ({
        kind: 'setRouteWeights',
        namespace: ns.name,
        route: 'fenced-route',
        stableService: 'fenced-stable',
        canaryService: 'fenced-canary',
        stableWeight: 100 - canaryWeight,
        canaryWeight,
      }) as const;
    const fence = (transition: number) => ({
      rollout: { namespace: ns.name, name: 'fenced' },
      uid,
      transition,
    });
    await world.apply(action(50), fence(7), spec);
    expect(await app.weights()).toEqual([50, 50]);
    await world.apply(action(10), fence(6), spec);
    expect(await app.weights()).toEqual([50, 50]);
    await world.apply(action(0), fence(8), spec);
    expect(await app.weights()).toEqual([100, 0]);
  });
});

describe('what only the controller can see', () => {
  let runner: LocalRunner;
  beforeAll(() => {
    runner = startLocalRunner({ kc: kube.kc, logger, tickSeconds: 0.5, resyncSeconds: 5 });
  });
  afterAll(() => {
    runner.stop();
  });

  it('reports a missing canary Service and a route without our backends as a condition', async () => {
    const app = new CanaryApp(kube, ns.name, 'lonely');
    await kube.core.createNamespacedService({
      namespace: ns.name,
      body: {
        metadata: { name: 'lonely-stable' },
        spec: { selector: { app: 'lonely' }, ports: [{ port: 80 }] },
      },
    });
    const route = (await kube.custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      plural: 'httproutes',
      namespace: ns.name,
      body: routeManifest('lonely-route', 'other'),
    })) as { spec: unknown };
    await app.createRollout(
      rolloutManifest('lonely', {
        image: 'registry.example/lonely:1.0',
        steps: [{ setWeight: 50 }],
      }),
    );
    const status = await eventually(
      'a TrafficRoutingReady=False condition',
      () => app.status(),
      (s) =>
        s.conditions?.some((c) => c.type === 'TrafficRoutingReady' && c.status === 'False') ===
        true,
    );
    const message = status.conditions?.find((c) => c.type === 'TrafficRoutingReady')?.message ?? '';
    expect(message).toContain(
      'Service "lonely-canary" (spec.strategy.canary.canaryService) does not exist',
    );
    expect(message).toContain(
      `HTTPRoute ${ns.name}/lonely-route has no backendRef to "lonely-stable" and "lonely-canary"`,
    );
    const after = (await kube.custom.getNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      plural: 'httproutes',
      namespace: ns.name,
      name: 'lonely-route',
    })) as { spec: unknown };
    expect(after.spec).toEqual(route.spec);
  });

  it('restarts every pod created before spec.restartAt, then records restartedAt', async () => {
    const app = new CanaryApp(kube, ns.name, 'restart');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('restart', { image: 'registry.example/restart:1.0', replicas: 3, steps: [] }),
    );
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.availableReplicas === 3,
    );
    const podNames = async (): Promise<string[]> =>
      (
        await kube.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=restart' })
      ).items.map((p) => p.metadata?.name ?? '');
    const before = await podNames();
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has 1 s resolution
    const restartAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await app.patchSpec({ restartAt });
    const status = await eventually(
      'restartedAt set',
      () => app.status(),
      (s) => s.restartedAt === restartAt,
      90_000,
    );
    const after = await podNames();
    expect(after.filter((n) => before.includes(n))).toEqual([]);
    await eventually(
      'Healthy again',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.restartedAt === status.restartedAt,
    );
  });

  it('relabels the canary pods in place for their new role when promoted', async () => {
    const app = new CanaryApp(kube, ns.name, 'roles');
    await app.createBackends();
    const manifest = rolloutManifest('roles', {
      image: 'registry.example/roles:1.0',
      replicas: 2,
      steps: [{ setWeight: 50 }, { pause: {} }],
      canary: {
        canaryMetadata: {
          labels: { role: 'canary' },
          annotations: { 'example.com/tier': 'canary' },
        },
        stableMetadata: { labels: { role: 'stable' } },
      },
    });
    await app.createRollout(manifest);
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await app.setImage('registry.example/roles:2.0');
    const canaryPods = await eventually(
      'canary pods labelled canary',
      async () =>
        (
          await kube.core.listNamespacedPod({
            namespace: ns.name,
            labelSelector: 'app=roles,role=canary',
          })
        ).items,
      (pods) => pods.length === 1,
    );
    await eventually(
      'paused on the canary',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    await app.promote();
    const promoted = await eventually(
      'Healthy on v2',
      () => app.status(),
      (s) =>
        s.phase === 'Healthy' &&
        s.stableRS === s.currentPodHash &&
        s.transition !== undefined &&
        s.transition > 2,
    );
    const pod = await eventually(
      'the same pod relabelled stable',
      () =>
        kube.core.readNamespacedPod({
          namespace: ns.name,
          name: canaryPods[0]?.metadata?.name ?? '',
        }),
      (p) => p.metadata?.labels?.role === 'stable',
    );
    expect(pod.metadata?.labels?.['rollouts-pod-template-hash']).toBe(promoted.stableRS);
    expect(pod.metadata?.annotations?.['example.com/tier']).toBeUndefined();
  });

  it('rolls out the Argo quick-start canary manifest with only apiVersion changed', async () => {
    const fixture = await readFile(
      join(import.meta.dirname, '../fixtures/argo-canary-gatewayapi.yaml'),
      'utf8',
    );
    const manifest = parseYaml(
      fixture.replace('namespace: shop', `namespace: ${ns.name}`),
    ) as JsonObject;
    const app = new CanaryApp(kube, ns.name, 'storefront');
    await app.createBackends();
    await app.createRollout(manifest);
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await app.setImage('registry.example/storefront:1.5.0');
    const target = await eventually(
      'a new revision',
      () => app.status(),
      (s) => s.currentPodHash !== s.stableRS,
    );
    for (let i = 0; i < 6; i += 1) {
      const s = await eventually(
        'paused or healthy',
        () => app.status(),
        (x) => x.phase === 'Paused' || x.phase === 'Healthy',
      );
      if (s.phase === 'Healthy') break;
      await app.promote();
      await eventually(
        'past the pause',
        () => app.status(),
        (x) => x.phase !== 'Paused' || (x.currentStepIndex ?? 0) > (s.currentStepIndex ?? 0),
      );
    }
    const done = await eventually(
      'Healthy on the new revision',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    expect(done.stableRS).toBe(target.currentPodHash);
    await eventually(
      'traffic back to 100/0',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
  });
});
