// Analysis from the Gateway's own metrics: a steady load of real requests goes through Traefik,
// Prometheus scrapes Traefik's per-backend counters, and the analysis step reads the canary's
// 5xx share from them. A revision failing half its requests is aborted and traffic returns to
// stable (the test reports how many user requests failed meanwhile); a healthy one is promoted.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../../support/kube.ts';
import {
  canaryStrategy,
  RealApp,
  traefikErrorRateTemplate,
  traefikService,
} from '../../support/real-app.ts';
import { useRunnerNamespace } from '../../support/runner.ts';
import { Load, allServedBy, sendRequests } from '../../support/traffic.ts';

const file = useRunnerNamespace('real-analysis');
const gateway = inject('gateway');
const bed = { image: inject('demoImage'), traefikApi: inject('traefikApi') };

beforeAll(async () => {
  await file.kube.custom.createNamespacedCustomObject({
    group: 'kulta.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: file.namespace,
    body: traefikErrorRateTemplate(inject('prometheus')),
  });
});

async function canaryUnderLoad(
  name: string,
  errorRate: number,
): Promise<{ app: RealApp; load: Load; first: string | undefined }> {
  const app = new RealApp(file.kube, file.namespace, name, bed);
  await app.createBackends();
  const analysis = {
    analysis: {
      templates: [{ templateName: 'gateway-error-rate' }],
      args: [{ name: 'service', value: traefikService(file.namespace, `${name}-canary`) }],
    },
  };
  await app.createRollout(
    app.manifest(
      { version: 'v1' },
      canaryStrategy(name, [{ setWeight: 50 }, analysis, { setWeight: 100 }]),
    ),
  );
  await eventually(
    'Healthy on v1',
    () => app.status(),
    (s) => s.phase === 'Healthy',
    180_000,
  );
  await app.gatewayTook();
  const { stableRS: first } = await app.status();
  const load = new Load(gateway, app.host, { concurrency: 4, pauseMs: 20 });
  await app.setBehaviour({ version: 'v2', errorRate });
  return { app, load, first };
}

describe('analysis from Traefik metrics in Prometheus', () => {
  it('aborts a revision that fails half its requests; traffic returns to stable', async ({
    annotate,
  }) => {
    const { app, load } = await canaryUnderLoad('bad', 0.5);
    const status = await eventually(
      'aborted by the analysis',
      () => app.status(),
      (s) => s.phase === 'Degraded' && s.abortScaleDownAt !== undefined,
      180_000,
    );
    const during = await load.stop();
    expect(status.canary?.currentStepAnalysisRunStatus).toMatchObject({ status: 'Failed' });
    expect(await app.weights()).toEqual([100, 0]);
    expect(during.versions.v2 ?? 0).toBeGreaterThan(0);
    await annotate(
      `user requests during the bad canary: ${String(during.total)}, failed ${String(during.failed)} ` +
        `(${((100 * during.failed) / during.total).toFixed(1)}%), served by v2 ${String(during.versions.v2 ?? 0)}`,
    );
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 200)).toEqual(allServedBy('v1', 200));
  });

  it('promotes a healthy revision judged from the same metrics', async () => {
    const { app, load, first } = await canaryUnderLoad('good', 0);
    const status = await eventually(
      'promoted after a successful analysis',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS !== first && s.stableRS === s.currentPodHash,
      180_000,
    );
    const during = await load.stop();
    expect(during.failed).toBe(0);
    expect(status.stableRS).toBe(status.currentPodHash);
    const runs = (await file.kube.custom.listNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysisruns',
      namespace: file.namespace,
    })) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
    const ours = runs.items.filter((r) => r.metadata.name.startsWith('good-'));
    expect(ours.map((r) => r.status?.phase)).toEqual(['Successful']);
    await app.gatewayTook();
    expect(await sendRequests(gateway, app.host, 200)).toEqual(allServedBy('v2', 200));
  });
});
