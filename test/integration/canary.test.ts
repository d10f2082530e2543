// A canary on the real test bed, driven only by the local runner's events (watches and ticks):
// first revision, weights after availability, pause and promote, full promotion, abort and
// retry, and an HTTPRoute whose other rules, matches, filters and timeouts stay untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('canary');
const kube = file.kube;

/** The route without our two weights and KULTA's fence annotation: what must never change. */
function routeWithoutOurWeights(route: JsonObject): unknown {
  const copy = JSON.parse(JSON.stringify(route)) as {
    metadata: {
      annotations?: Record<string, string>;
      resourceVersion?: string;
      generation?: number;
      managedFields?: unknown;
    };
    spec: { rules: { backendRefs?: { name: string; weight?: number }[] }[] };
  };
  delete copy.metadata.resourceVersion;
  delete copy.metadata.generation;
  delete copy.metadata.managedFields;
  const annotations = Object.entries(copy.metadata.annotations ?? {}).filter(
    ([key]) => !key.startsWith('fence.kulta.io/'),
  );
  if (annotations.length > 0) copy.metadata.annotations = Object.fromEntries(annotations);
  else delete copy.metadata.annotations;
  for (const rule of copy.spec.rules) {
    for (const ref of rule.backendRefs ?? []) if (ref.name.startsWith('web-')) delete ref.weight;
  }
  return copy;
}

describe('a canary over an HTTPRoute', () => {
  const app = new CanaryApp(kube, '', 'web');
  let routeBefore: unknown;

  beforeAll(async () => {
    Object.assign(app, { namespace: file.namespace });
    await app.createBackends();
    routeBefore = routeWithoutOurWeights(await app.route());
    await app.createRollout(
      rolloutManifest('web', {
        image: 'registry.example/web:1.0',
        steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }],
      }),
    );
  });

  it('deploys the first revision straight to stable', async () => {
    const status = await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    const [rs] = await app.replicaSets();
    const metadata = rs?.metadata ?? {};
    expect(metadata.name).toBe(`web-${status.stableRS ?? ''}`);
    expect(metadata.labels).toMatchObject({ 'rollouts-pod-template-hash': status.stableRS });
    expect(metadata.annotations).toMatchObject({ 'kulta.io/revision': '1' });
    expect(metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Rollout', name: 'web', controller: true }),
    ]);
    expect(rs?.status?.availableReplicas).toBe(4);
    expect(await app.serviceHash('stable')).toBe(status.stableRS);
    expect(await app.weights()).toEqual([100, 0]);
    expect(status.observedGeneration).toBe(1);
  });

  it('shifts 25% to the canary once its pod is available, then pauses', async () => {
    await app.setImage('registry.example/web:2.0');
    const status = await eventually(
      'paused at step 1',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    expect(status.currentStepIndex).toBe(1);
    expect(await app.weights()).toEqual([75, 25]);
    expect(await app.serviceHash('canary')).toBe(status.currentPodHash);
    const sets = await app.replicaSets();
    const canary = sets.find((rs) => rs.metadata?.name === `web-${status.currentPodHash ?? ''}`);
    const stable = sets.find((rs) => rs.metadata?.name === `web-${status.stableRS ?? ''}`);
    expect(canary?.status?.availableReplicas).toBe(1);
    expect(stable?.spec?.replicas).toBe(4);
    expect(status.pauseConditions).toEqual([
      { reason: 'CanaryPauseStep', startTime: expect.any(String) as string },
    ]);
  });

  it('promotes through the remaining steps to a fully promoted revision', async () => {
    const before = await app.status();
    await app.promote();
    const status = await eventually(
      'Healthy on the new revision',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS === before.currentPodHash,
    );
    // The world follows the committed status within the same step, just after the commit.
    await eventually(
      'the stable Service on the new revision',
      () => app.serviceHash('stable'),
      (h) => h === status.stableRS,
    );
    await eventually(
      'traffic back to 100/0',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
    expect((status.stepHistory ?? []).map((s) => s.index)).toEqual([0, 1, 2, 3]);
    await eventually(
      'the old revision scaled down after scaleDownDelaySeconds',
      () => app.replicaSets(),
      (sets) =>
        sets.find((rs) => rs.metadata?.name === `web-${before.stableRS ?? ''}`)?.spec?.replicas ===
        0,
    );
  });

  it('tells the story as Kubernetes Events on the Rollout', async () => {
    const list = (await kube.custom.listNamespacedCustomObject({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      namespace: file.namespace,
    })) as { items: { reason: string; type: string; regarding: { kind: string; name: string } }[] };
    const reasons = list.items
      .filter((e) => e.regarding.kind === 'Rollout' && e.regarding.name === 'web')
      .map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'Deployed',
        'RevisionStarted',
        'WeightSet',
        'Paused',
        'StepCompleted',
        'Promoted',
      ]),
    );
  });

  it('leaves every other part of the route exactly as it was', async () => {
    expect(routeWithoutOurWeights(await app.route())).toEqual(routeBefore);
  });

  it('aborts: traffic back to stable first, then the canary scales down; retry starts again', async () => {
    await app.setImage('registry.example/web:3.0');
    await eventually(
      'paused',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    expect(await app.weights()).toEqual([75, 25]);
    await app.abort();
    const status = await eventually(
      'Degraded',
      () => app.status(),
      (s) => s.phase === 'Degraded',
    );
    await eventually(
      'traffic back on stable',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
    await eventually(
      'the aborted canary scaled to 0 after abortScaleDownDelaySeconds',
      () => app.replicaSets(),
      (sets) =>
        sets.find((rs) => rs.metadata?.name === `web-${status.currentPodHash ?? ''}`)?.spec
          ?.replicas === 0,
    );
    await app.retry();
    await eventually(
      'paused again after retry',
      () => app.status(),
      (s) => s.phase === 'Paused' && s.abortedAt === undefined,
    );
    expect(await app.weights()).toEqual([75, 25]);
  });
});
