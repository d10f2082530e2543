// Canaries judged by a real Prometheus, driven only by the local runner: a healthy canary is
// promoted, an error rate over the threshold aborts (traffic back on stable), an empty result
// pauses for a person (no-data policy inconclusive), and a failing background analysis aborts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useScrapedPrometheus } from '../support/prometheus-file.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('analysis');
const kube = file.kube;
const prometheus = useScrapedPrometheus(
  [
    { name: 'app_error_ratio', labels: { app: 'good' }, value: 0.01 },
    { name: 'app_error_ratio', labels: { app: 'bad' }, value: 0.2 },
    { name: 'app_error_ratio', labels: { app: 'bg' }, value: 0.3 },
    { name: 'app_error_ratio', labels: { app: 'quiet' }, value: 0 },
    { name: 'app_requests', labels: { app: 'quiet' }, value: 3 },
  ],
  { query: 'app_error_ratio', series: 4 },
);

beforeAll(async () => {
  for (const body of [guardedTemplate(prometheus.url), errorRateTemplate(prometheus.url)]) {
    await kube.custom.createNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysistemplates',
      namespace: file.namespace,
      body,
    });
  }
});

/** Argo's success-rate shape: one measurement, error ratio of the app under 5%. */
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
          noDataPolicy: 'inconclusive',
          provider: { prometheus: { address, query: 'app_error_ratio{app="{{args.app}}"}' } },
        },
      ],
    },
  };
}

/** The same check, guarded: at least 100 requests before the ratio means anything. */
function guardedTemplate(address: string): JsonObject {
  const template = errorRateTemplate(address);
  const [metric] = (template.spec as { metrics: JsonObject[] }).metrics;
  const sampleGuard = { query: 'sum(app_requests{app="{{args.app}}"})', minimum: 100 };
  return {
    ...template,
    metadata: { name: 'guarded-error-rate' },
    spec: { ...(template.spec as JsonObject), metrics: [{ ...metric, sampleGuard }] },
  };
}

const appLabel = "spec.template.metadata.labels['app']";
const ticket = { 'example.com/ticket': 'CD-42' };

function analysisStep(app: string, templateName = 'error-rate'): JsonObject {
  return { analysis: { templates: [{ templateName }], args: [{ name: 'app', value: app }] } };
}

async function deployed(
  name: string,
  steps: JsonObject[],
  canary: JsonObject = {},
): Promise<CanaryApp> {
  const app = new CanaryApp(kube, file.namespace, name);
  await app.createBackends();
  await app.createRollout(
    rolloutManifest(name, { image: `registry.example/${name}:1.0`, replicas: 2, steps, canary }),
  );
  await eventually(
    'Healthy',
    () => app.status(),
    (s) => s.phase === 'Healthy',
  );
  await app.setImage(`registry.example/${name}:2.0`);
  return app;
}

describe('canary analysis against a real Prometheus', () => {
  it('promotes a canary whose error ratio is under the threshold', async () => {
    const step = analysisStep('good') as { analysis: { args: JsonObject[] } & JsonObject };
    step.analysis.args.push({ name: 'pods', valueFrom: { fieldRef: { fieldPath: appLabel } } });
    step.analysis.analysisRunMetadata = { labels: { team: 'payments' }, annotations: ticket };
    const app = await deployed('healthy', [{ setWeight: 50 }, step, { setWeight: 80 }]);
    const status = await eventually(
      'fully promoted after a successful analysis',
      () => app.status(),
      (s) =>
        s.phase === 'Healthy' &&
        s.stableRS === s.currentPodHash &&
        (s.stepHistory ?? []).length === 3,
    );
    expect(status.canary?.currentStepAnalysisRunStatus).toMatchObject({ status: 'Successful' });
    const run = (await kube.custom.getNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysisruns',
      namespace: file.namespace,
      name: status.canary?.currentStepAnalysisRunStatus?.name ?? '',
    })) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { args: JsonObject[] };
      status: {
        phase: string;
        metricResults: { measurements: { value: string; query: string }[] }[];
      };
    };
    expect(run.status.phase).toBe('Successful');
    // analysisRunMetadata on the run beside KULTA's own labels; the fieldRef resolved.
    expect(run.metadata.labels).toMatchObject({ team: 'payments', 'kulta.io/rollout': 'healthy' });
    expect(run.metadata.annotations).toMatchObject(ticket);
    expect(run.spec.args).toContainEqual({ name: 'pods', value: 'healthy' });
    expect(run.status.metricResults[0]?.measurements[0]?.query).toBe('app_error_ratio{app="good"}');
    await eventually(
      'traffic back to 100/0',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
    );
  });

  it('aborts a canary whose error ratio is over the threshold: traffic back on stable', async () => {
    const app = await deployed('failing', [
      { setWeight: 50 },
      analysisStep('bad'),
      { setWeight: 80 },
    ]);
    const status = await eventually(
      'Degraded',
      () => app.status(),
      (s) => s.phase === 'Degraded',
    );
    expect(status.canary?.currentStepAnalysisRunStatus).toMatchObject({ status: 'Failed' });
    // Why, without opening the run: the raw value and the query as sent.
    expect(status.canary?.currentStepAnalysisRunStatus?.message).toContain(
      'last value [0.2] from app_error_ratio{app="bad"}',
    );
    expect(status.message).toContain('RolloutAborted');
    await eventually(
      'traffic back on stable',
      () => app.weights(),
      (w) => w[1] === 0,
    );
  });

  it('pauses for a person when the query has no data (noDataPolicy inconclusive), never promotes', async () => {
    const app = await deployed('nodata', [
      { setWeight: 50 },
      analysisStep('missing'),
      { setWeight: 80 },
    ]);
    const status = await eventually(
      'Paused',
      () => app.status(),
      (s) => s.phase === 'Paused' && (s.pauseConditions ?? []).length > 0,
    );
    expect(status.pauseConditions).toEqual([
      { reason: 'InconclusiveAnalysisRun', startTime: expect.any(String) as string },
    ]);
    expect(status.stableRS).not.toBe(status.currentPodHash);
    expect(await app.weights()).toEqual([50, 50]);
  });

  it('never promotes a perfect ratio computed from too little traffic (minimum-sample guard)', async () => {
    const app = await deployed('quiet', [
      { setWeight: 50 },
      analysisStep('quiet', 'guarded-error-rate'),
      { setWeight: 80 },
    ]);
    const status = await eventually(
      'Paused',
      () => app.status(),
      (s) => s.phase === 'Paused' && (s.pauseConditions ?? []).length > 0,
    );
    expect(status.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    expect(status.canary?.currentStepAnalysisRunStatus?.message).toContain(
      'sample guard: 3 < minimum 100',
    );
  });

  it('tells on the Rollout when an analysis names a template that does not exist', async () => {
    await deployed('orphan', [{ setWeight: 50 }, analysisStep('good', 'no-such-template')]);
    const events = await eventually(
      'a Warning Event on the Rollout',
      async () => {
        const list = (await kube.custom.listNamespacedCustomObject({
          group: 'events.k8s.io',
          version: 'v1',
          plural: 'events',
          namespace: file.namespace,
        })) as {
          items: { reason: string; type: string; note: string; regarding: { name: string } }[];
        };
        return list.items.filter(
          (e) => e.regarding.name === 'orphan' && e.reason === 'ActionFailed',
        );
      },
      (found) => found.length > 0,
    );
    expect(events[0]).toMatchObject({ type: 'Warning' });
    expect(events[0]?.note).toContain('AnalysisTemplate no-such-template does not exist');
  });

  it('aborts when the background analysis fails, whatever step the canary is at', async () => {
    const background = {
      analysis: {
        templates: [{ templateName: 'error-rate' }],
        args: [{ name: 'app', value: 'bg' }],
      },
    };
    const app = await deployed(
      'background',
      [{ setWeight: 50 }, { pause: {} }, { setWeight: 80 }],
      background,
    );
    const status = await eventually(
      'Degraded',
      () => app.status(),
      (s) => s.phase === 'Degraded',
    );
    expect(status.canary?.currentBackgroundAnalysisRunStatus).toMatchObject({ status: 'Failed' });
    await eventually(
      'traffic back on stable',
      () => app.weights(),
      (w) => w[1] === 0,
    );
  });
});
