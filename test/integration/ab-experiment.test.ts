// An A/B experiment on the real test bed, judged by a real Prometheus: the canary's conversion
// ratio is compared with the stable's by the two-proportion test; a variant that converts as
// well is promoted, one that converts significantly worse is aborted, and the Rollout's status
// shows the effect size and the confidence either way.
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useScrapedPrometheus } from '../support/prometheus-file.ts';
import { useRunnerNamespace } from '../support/runner.ts';

/** Checkouts and visits per app and variant: the baseline converts 10% of 4,000 visits. */
const traffic: Record<string, { canary: number; stable: number }> = {
  same: { canary: 410, stable: 400 },
  worse: { canary: 280, stable: 400 },
};

const file = useRunnerNamespace('ab');
const prometheus = useScrapedPrometheus(
  Object.entries(traffic).flatMap(([app, checkouts]) =>
    (['canary', 'stable'] as const).flatMap((variant) => [
      { name: 'shop_checkouts', labels: { app, variant }, value: checkouts[variant] },
      { name: 'shop_visits', labels: { app, variant }, value: 4000 },
    ]),
  ),
  { query: 'shop_visits', series: 4 },
);

beforeAll(async () => {
  await file.kube.custom.createNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: file.namespace,
    body: conversionTemplate(prometheus.url),
  });
});

const series = (metric: string, variant: string): string =>
  `sum(${metric}{app="{{args.app}}",variant="${variant}"})`;

/** A judged metric: conversions of canary against stable; fewer conversions is the bad side. */
function conversionTemplate(address: string): JsonObject {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'checkout-conversion' },
    spec: {
      args: [{ name: 'app' }],
      metrics: [
        {
          name: 'checkout',
          provider: { prometheus: { address } },
          judge: {
            comparisons: [
              {
                name: 'conversion',
                kind: 'twoProportion',
                canaryQuery: series('shop_checkouts', 'canary'),
                canaryTotalQuery: series('shop_visits', 'canary'),
                baselineQuery: series('shop_checkouts', 'stable'),
                baselineTotalQuery: series('shop_visits', 'stable'),
                direction: 'decrease',
                confidence: 0.95,
              },
            ],
          },
        },
      ],
    },
  };
}

async function experiment(app: string): Promise<CanaryApp> {
  const rollout = new CanaryApp(file.kube, file.namespace, app);
  await rollout.createBackends();
  await rollout.createRollout(
    rolloutManifest(app, {
      image: `registry.example/${app}:1.0`,
      replicas: 2,
      steps: [
        { setWeight: 50 },
        {
          analysis: {
            templates: [{ templateName: 'checkout-conversion' }],
            args: [{ name: 'app', value: app }],
          },
        },
      ],
    }),
  );
  await eventually(
    'Healthy',
    () => rollout.status(),
    (s) => s.phase === 'Healthy',
  );
  await rollout.setImage(`registry.example/${app}:2.0`);
  return rollout;
}

describe('an A/B experiment judged by the two-proportion test', () => {
  it('promotes a variant that converts as well, showing the effect and the confidence', async () => {
    const app = await experiment('same');
    const v1 = (await app.status()).stableRS;
    const done = await eventually(
      'promoted',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS !== v1,
    );
    const summary = done.canary?.currentStepAnalysisRunStatus;
    expect(summary?.status).toBe('Successful');
    const [outcome] = summary?.experiments ?? [];
    expect(outcome).toMatchObject({ metric: 'checkout', verdict: 'Pass', score: 100 });
    expect(outcome?.comparisons[0]).toMatchObject({
      name: 'conversion',
      classification: 'Pass',
      confidence: 0.95,
      canaryRate: 0.1025,
      baselineRate: 0.1,
    });
    expect(outcome?.comparisons[0]?.effect).toBeCloseTo(0.0025, 10);
  });

  it('aborts a variant that converts significantly worse, traffic back on stable', async () => {
    const app = await experiment('worse');
    const aborted = await eventually(
      'aborted',
      () => app.status(),
      (s) => s.phase === 'Degraded',
    );
    const summary = aborted.canary?.currentStepAnalysisRunStatus;
    expect(summary?.status).toBe('Failed');
    const comparison = summary?.experiments?.[0]?.comparisons[0];
    expect(comparison).toMatchObject({
      classification: 'Low',
      canaryRate: 0.07,
      baselineRate: 0.1,
    });
    expect(comparison?.effect).toBeCloseTo(-0.03, 10);
    expect(comparison?.pValue).toBeLessThan(0.05);
    const [low, high] = comparison?.interval ?? [0, 0];
    expect(high).toBeLessThan(0);
    expect(low).toBeLessThan(-0.03);
    await eventually(
      'traffic back on stable',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
  });
});
