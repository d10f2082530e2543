// Prometheus `insecure` against a real Prometheus serving https with a self-signed certificate,
// through the AnalysisRun measurement worker: without it the certificate is verified and every
// measurement is an Error naming why; with `insecure: true` the same query is measured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubernetesAnalysisRuns,
  analysisRunApi,
} from '../../functions/adapters/kubernetes/analysis-runs.ts';
import { tempNamespace, testKube } from '../support/kube.ts';
import { openMetrics, startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

type Json = Record<string, unknown>;

const T0 = 1_700_000_000;
const kube = testKube();
const runs = new KubernetesAnalysisRuns(kube.kc);
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let prometheus: TestPrometheus;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'prometheus-tls');
  prometheus = await startPrometheus({
    tls: true,
    openMetrics: openMetrics([
      {
        name: 'error_ratio',
        type: 'gauge',
        samples: Array.from({ length: 60 }, (_, i) => ({
          labels: { service: 'checkout' },
          value: 0.01,
          time: T0 + 10 * i,
        })),
      },
    ]),
  });
});

afterAll(async () => {
  await (prometheus as TestPrometheus | undefined)?.stop();
  await (ns as typeof ns | undefined)?.remove();
});

async function measuredOnce(name: string, prometheusFields: Json): Promise<Json> {
  await kube.custom.createNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    body: {
      apiVersion: 'kulta.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name },
      spec: {
        metrics: [
          {
            name: 'errors',
            count: 1,
            successCondition: 'result[0] < 0.05',
            provider: {
              prometheus: {
                address: prometheus.url,
                query: 'error_ratio{service="checkout"}',
                ...prometheusFields,
              },
            },
          },
        ],
      },
    },
  });
  await runs.measure(ns.name, name, new Date((T0 + 300) * 1000).toISOString());
  const run = (await kube.custom.getNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    name,
  })) as { status: { metricResults: { measurements: Json[] }[] } };
  const measurement = run.status.metricResults[0]?.measurements[0];
  if (measurement === undefined) throw new Error(`${name} has no measurement`);
  return measurement;
}

describe('Prometheus over https with a self-signed certificate', () => {
  it('verifies the certificate by default: the measurement is an Error saying why', async () => {
    const measurement = await measuredOnce('verified', {});
    expect(measurement.phase).toBe('Error');
    expect(String(measurement.message)).toMatch(
      /cannot reach Prometheus at https:\/\/127\.0\.0\.1:\d+: .*(self-signed|certificate)/i,
    );
  });

  it('measures the same query with insecure: true', async () => {
    const measurement = await measuredOnce('insecure', { insecure: true });
    expect(measurement).toMatchObject({ phase: 'Successful', value: '[0.01]' });
  });
});
