// Blue-green on the real test bed, driven only by the local runner's events, judged by a real
// Prometheus: the preview comes up behind the preview Service, waits for promote, switches the
// active Service and the HTTPRoute in one transition, retires the old revision; pre-promotion
// analysis failure aborts, post-promotion analysis failure switches back; a missing preview
// Service is reported and waited for; the route's other rules stay untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { blueGreenStrategy, CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';
import { useScrapedPrometheus } from '../support/prometheus-file.ts';

const file = useRunnerNamespace('bluegreen');
const kube = file.kube;
const prometheus = useScrapedPrometheus(
  [
    { name: 'app_error_ratio', labels: { app: 'good' }, value: 0.01 },
    { name: 'app_error_ratio', labels: { app: 'bad' }, value: 0.4 },
  ],
  { query: 'app_error_ratio', series: 2 },
);

beforeAll(async () => {
  await kube.custom.createNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: file.namespace,
    body: errorRateTemplate(prometheus.url),
  });
});

function errorRateTemplate(address: string): JsonObject {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'error-rate' },
    spec: {
      args: [{ name: 'app' }],
      metrics: [
        {
          name: 'error-ratio',
          successCondition: 'result[0] < 0.05',
          provider: { prometheus: { address, query: 'app_error_ratio{app="{{args.app}}"}' } },
        },
      ],
    },
  };
}

const analysisFor = (app: string): JsonObject => ({
  templates: [{ templateName: 'error-rate' }],
  args: [{ name: 'app', value: app }],
});

async function deployed(name: string, extra: JsonObject = {}): Promise<CanaryApp> {
  const app = new CanaryApp(kube, file.namespace, name);
  await app.createBackends();
  await app.createRollout(
    rolloutManifest(name, {
      image: `registry.example/${name}:1.0`,
      replicas: 2,
      steps: [],
      strategy: blueGreenStrategy(name, extra),
    }),
  );
  await eventually(
    'Healthy',
    () => app.status(),
    (s) => s.phase === 'Healthy',
  );
  return app;
}

function until(app: CanaryApp, what: string, test: (s: RolloutStatus) => boolean) {
  return eventually(what, () => app.status(), test);
}

async function replicasOf(app: CanaryApp, hash: string | undefined): Promise<number> {
  const sets = await app.replicaSets();
  const rs = sets.find((r) => r.metadata?.labels?.['rollouts-pod-template-hash'] === hash);
  return rs?.spec?.replicas ?? -1;
}

/** The route's rules other than the first (ours) must never change. */
async function otherRules(app: CanaryApp): Promise<unknown> {
  const route = await app.route();
  return (route.spec as { rules: unknown[] }).rules.slice(1);
}

describe('blue-green over an HTTPRoute', () => {
  it('previews, waits for promote, switches the active Service and route, then retires the old revision', async () => {
    const app = await deployed('web', { autoPromotionEnabled: false, previewReplicaCount: 1 });
    const v1 = (await app.status()).stableRS;
    expect(await app.serviceHash('stable')).toBe(v1);
    expect(await app.serviceHash('canary')).toBe(v1);
    const rulesBefore = await otherRules(app);

    await app.setImage('registry.example/web:2.0');
    const paused = await until(app, 'paused in preview', (s) => s.phase === 'Paused');
    const v2 = paused.currentPodHash;
    expect(v2).not.toBe(v1);
    expect(paused.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
    expect(paused.blueGreen).toMatchObject({ activeSelector: v1, previewSelector: v2 });
    await eventually(
      'preview Service on the new revision',
      () => app.serviceHash('canary'),
      (h) => h === v2,
    );
    expect(await app.serviceHash('stable')).toBe(v1);
    expect(await replicasOf(app, v2)).toBe(1);
    expect(await app.weights()).toEqual([100, 0]);

    await app.promote();
    const promoted = await until(app, 'promoted', (s) => s.stableRS === v2);
    expect(promoted.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    await eventually(
      'active Service on the new revision',
      () => app.serviceHash('stable'),
      (h) => h === v2,
    );
    // After scaleDownDelaySeconds (2 s) the route is back on the active backend and v1 is gone.
    await eventually(
      'route back on the active backend',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
    await eventually(
      'old revision scaled down',
      () => replicasOf(app, v1),
      (n) => n === 0,
    );
    expect(await replicasOf(app, v2)).toBe(2);
    expect(await otherRules(app)).toEqual(rulesBefore);
    const history = (await app.status()).history?.map((h) => h.event) ?? [];
    expect(history).toEqual(
      expect.arrayContaining(['revision-started', 'paused', 'preview-scaled-up', 'promoted']),
    );
  });

  it('aborts when the pre-promotion analysis fails: the preview Service returns to stable and the new pods go', async () => {
    const app = await deployed('pre', { prePromotionAnalysis: analysisFor('bad') });
    const v1 = (await app.status()).stableRS;
    await app.setImage('registry.example/pre:2.0');
    const aborted = await until(app, 'aborted', (s) => s.phase === 'Degraded');
    const v2 = aborted.currentPodHash;
    expect(aborted.blueGreen?.prePromotionAnalysisRunStatus?.status).toBe('Failed');
    expect(aborted.stableRS).toBe(v1);
    await eventually(
      'preview Service back on stable',
      () => app.serviceHash('canary'),
      (h) => h === v1,
    );
    expect(await app.serviceHash('stable')).toBe(v1);
    await eventually(
      'new revision scaled down',
      () => replicasOf(app, v2),
      (n) => n === 0,
    );
    expect(await replicasOf(app, v1)).toBe(2);
  });

  it('switches when the pre-promotion analysis passes', async () => {
    const app = await deployed('good', { prePromotionAnalysis: analysisFor('good') });
    const v1 = (await app.status()).stableRS;
    await app.setImage('registry.example/good:2.0');
    const done = await until(
      app,
      'promoted',
      (s) => s.phase === 'Healthy' && s.stableRS === s.currentPodHash && s.stableRS !== v1,
    );
    expect(done.blueGreen?.prePromotionAnalysisRunStatus?.status).toBe('Successful');
    await eventually(
      'active Service on the new revision',
      () => app.serviceHash('stable'),
      (h) => h === done.stableRS,
    );
  });

  it('switches back to the previous revision when the post-promotion analysis fails', async () => {
    const app = await deployed('post', {
      postPromotionAnalysis: analysisFor('bad'),
      scaleDownDelaySeconds: 30,
    });
    const v1 = (await app.status()).stableRS;
    await app.setImage('registry.example/post:2.0');
    const aborted = await until(app, 'aborted after the switch', (s) => s.phase === 'Degraded');
    const history = aborted.history?.map((h) => h.event) ?? [];
    expect(history).toEqual(expect.arrayContaining(['switched', 'analysis-failed', 'aborted']));
    expect(aborted.blueGreen?.postPromotionAnalysisRunStatus?.status).toBe('Failed');
    expect(aborted.stableRS).toBe(v1);
    await eventually(
      'active Service back on the previous revision',
      () => app.serviceHash('stable'),
      (h) => h === v1,
    );
    expect(await app.weights()).toEqual([100, 0]);
    expect(await replicasOf(app, v1)).toBe(2);
  });

  it('reports a missing preview Service and waits for it', async () => {
    const app = await deployed('lost', {});
    const v1 = (await app.status()).stableRS;
    await kube.core.deleteNamespacedService({ name: 'lost-canary', namespace: file.namespace });
    await app.setImage('registry.example/lost:2.0');
    const waiting = await until(app, 'TrafficRoutingReady=False', (s) =>
      (s.conditions ?? []).some((c) => c.type === 'TrafficRoutingReady' && c.status === 'False'),
    );
    const condition = waiting.conditions?.find((c) => c.type === 'TrafficRoutingReady');
    expect(condition?.message).toContain(
      'Service "lost-canary" (spec.strategy.blueGreen.previewService) does not exist: create it',
    );
    expect(waiting.phase).toBe('Progressing');
    expect(await app.serviceHash('stable')).toBe(v1);
    await kube.core.createNamespacedService({
      namespace: file.namespace,
      body: {
        metadata: { name: 'lost-canary' },
        spec: { selector: { app: 'lost' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const done = await until(
      app,
      'promoted',
      (s) => s.stableRS === s.currentPodHash && s.stableRS !== v1,
    );
    expect(done.phase).toBe('Healthy');
  });
});
