// Canaries judged by a real Prometheus, driven only by the local runner: a healthy canary is
// promoted, an error rate over the threshold aborts (traffic back on stable), an empty result
// pauses for a person (no-data policy inconclusive), and a failing background analysis aborts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { startLocalRunner, type LocalRunner } from '../../functions/local/runner.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';
import {
  startExporter,
  startPrometheus,
  type TestExporter,
  type TestPrometheus,
} from '../support/prometheus.ts';

const kube = testKube();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let runner: LocalRunner;
let exporter: TestExporter;
let prometheus: TestPrometheus;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'analysis');
  exporter = await startExporter();
  exporter.set('app_error_ratio', { app: 'good' }, 0.01);
  exporter.set('app_error_ratio', { app: 'bad' }, 0.2);
  exporter.set('app_error_ratio', { app: 'bg' }, 0.3);
  exporter.set('app_error_ratio', { app: 'quiet' }, 0);
  exporter.set('app_requests', { app: 'quiet' }, 3);
  prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
  await eventually(
    'the first scrape',
    async () =>
      (await fetch(`${prometheus.url}/api/v1/query?query=app_error_ratio`)).json() as Promise<{
        data: { result: unknown[] };
      }>,
    (body) => body.data.result.length === 4,
  );
  await kube.custom.createNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: ns.name,
    body: guardedTemplate(prometheus.url),
  });
  await kube.custom.createNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: ns.name,
    body: errorRateTemplate(prometheus.url),
  });
  runner = startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' }),
    tickSeconds: 0.5,
    resyncSeconds: 5,
  });
});

// Each piece is stopped on its own: a setup that failed halfway must not leave Prometheus running.
afterAll(async () => {
  (runner as LocalRunner | undefined)?.stop();
  await (prometheus as TestPrometheus | undefined)?.stop();
  await (exporter as TestExporter | undefined)?.stop();
  await (ns as typeof ns | undefined)?.remove();
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

function analysisStep(app: string, templateName = 'error-rate'): JsonObject {
  return { analysis: { templates: [{ templateName }], args: [{ name: 'app', value: app }] } };
}

async function deployed(
  name: string,
  steps: JsonObject[],
  canary: JsonObject = {},
): Promise<CanaryApp> {
  const app = new CanaryApp(kube, ns.name, name);
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
    const app = await deployed('healthy', [
      { setWeight: 50 },
      analysisStep('good'),
      { setWeight: 80 },
    ]);
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
      namespace: ns.name,
      name: status.canary?.currentStepAnalysisRunStatus?.name ?? '',
    })) as {
      status: {
        phase: string;
        metricResults: { measurements: { value: string; query: string }[] }[];
      };
    };
    expect(run.status.phase).toBe('Successful');
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
          namespace: ns.name,
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
