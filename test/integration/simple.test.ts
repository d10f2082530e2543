// The simple strategy on the real test bed: a rolling update of the ReplicaSets (no Services,
// no route) within maxSurge and maxUnavailable, driven by the local runner; and its abort.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('simple');

async function deployed(name: string, simple: JsonObject): Promise<CanaryApp> {
  const app = new CanaryApp(file.kube, file.namespace, name);
  await app.createRollout(
    rolloutManifest(name, {
      image: `registry.example/${name}:1.0`,
      replicas: 4,
      steps: [],
      strategy: { simple },
    }),
  );
  await eventually(
    'Healthy',
    () => app.status(),
    (s) => s.phase === 'Healthy',
  );
  return app;
}

async function podCounts(app: CanaryApp): Promise<Map<string, number>> {
  const sets = await app.replicaSets();
  return new Map(
    sets.map((rs) => [
      rs.metadata?.labels?.['rollouts-pod-template-hash'] ?? '',
      rs.spec?.replicas ?? 0,
    ]),
  );
}

describe('a simple rolling update', () => {
  it('replaces the pods within maxSurge, reaching Healthy on the new revision', async () => {
    const app = await deployed('roll', { maxSurge: 1, maxUnavailable: 0 });
    const v1 = (await app.status()).stableRS ?? '';
    await app.setImage('registry.example/roll:2.0');
    // Watch the ReplicaSets while it rolls: never more than replicas + maxSurge pods asked for.
    const seen: number[] = [];
    const done = await eventually(
      'Healthy on the new revision',
      async () => {
        const counts = await podCounts(app);
        seen.push([...counts.values()].reduce((a, b) => a + b, 0));
        return app.status();
      },
      (s) => s.phase === 'Healthy' && s.stableRS !== v1,
    );
    const v2 = done.stableRS ?? '';
    expect(Math.max(...seen)).toBeLessThanOrEqual(5);
    const counts = await eventually(
      'old revision at 0',
      () => podCounts(app),
      (c) => c.get(v1) === 0,
    );
    expect(counts.get(v2)).toBe(4);
    expect(done.history?.map((h) => h.event)).toEqual(['deployed', 'revision-started', 'promoted']);
  });

  it('abort returns the old revision to full size and removes the new pods', async () => {
    const app = await deployed('stop', {
      maxSurge: 1,
      maxUnavailable: 0,
      abortScaleDownDelaySeconds: 1,
    });
    const v1 = (await app.status()).stableRS ?? '';
    await app.patchSpec({ paused: true });
    await app.setImage('registry.example/stop:2.0');
    const started = await eventually(
      'new revision started',
      () => app.status(),
      (s) => s.currentPodHash !== v1,
    );
    await app.abort();
    await eventually(
      'Degraded',
      () => app.status(),
      (s) => s.phase === 'Degraded',
    );
    await app.patchSpec({ paused: false });
    const counts = await eventually(
      'new pods gone',
      () => podCounts(app),
      (c) => c.get(started.currentPodHash ?? '') === 0 && c.get(v1) === 4,
    );
    expect(counts.get(v1)).toBe(4);
  });
});
