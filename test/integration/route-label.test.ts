// The in-progress label on a real HTTPRoute (what Argo's Gateway API plugin does for Argo CD):
// set while a canary runs, removed at promotion, never written with disableInProgressLabel, and
// the route's own labels kept.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('route-label');
const key = 'rollouts.argoproj.io/gatewayapi-canary';

async function labels(app: CanaryApp): Promise<Record<string, string>> {
  const route = await app.route();
  return (route.metadata as { labels?: Record<string, string> }).labels ?? {};
}

async function withRouteLabel(app: CanaryApp): Promise<void> {
  const route = await app.route();
  const metadata = route.metadata as JsonObject;
  await file.kube.custom.replaceNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
    namespace: file.namespace,
    name: `${app.name}-route`,
    body: { ...route, metadata: { ...metadata, labels: { team: 'shop' } } },
  });
}

describe('the in-progress label on the HTTPRoute', () => {
  it('is there while the canary runs, and gone after promotion; other labels stay', async () => {
    const app = new CanaryApp(file.kube, file.namespace, 'labelled');
    await app.createBackends();
    await withRouteLabel(app);
    await app.createRollout(
      rolloutManifest('labelled', {
        image: 'registry.example/labelled:1.0',
        steps: [{ setWeight: 20 }, { pause: {} }],
      }),
    );
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    expect(await labels(app)).toEqual({ team: 'shop' });
    await app.setImage('registry.example/labelled:2.0');
    await eventually(
      'Paused',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    expect(await labels(app)).toEqual({ team: 'shop', [key]: 'in-progress' });
    await app.patchStatus({ pauseConditions: null });
    await eventually(
      'Healthy again',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await eventually(
      'the label removed',
      () => labels(app),
      (l) => !(key in l),
    );
    expect(await labels(app)).toEqual({ team: 'shop' });
  });

  it('is never written with disableInProgressLabel', async () => {
    const app = new CanaryApp(file.kube, file.namespace, 'unlabelled');
    await app.createBackends();
    const manifest = rolloutManifest('unlabelled', {
      image: 'registry.example/unlabelled:1.0',
      steps: [{ setWeight: 20 }, { pause: {} }],
      canary: {
        trafficRouting: {
          plugins: {
            'argoproj-labs/gatewayAPI': {
              httpRoute: 'unlabelled-route',
              disableInProgressLabel: true,
            },
          },
        },
      },
    });
    await app.createRollout(manifest);
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await app.setImage('registry.example/unlabelled:2.0');
    await eventually(
      'Paused',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    expect(await app.weights()).toEqual([80, 20]);
    expect(await labels(app)).toEqual({});
  });
});
