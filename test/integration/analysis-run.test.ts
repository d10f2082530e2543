// The AnalysisRun measurement worker on the test bed against a real Prometheus with backfilled data:
// thresholds, no-data policies, Prometheus down, bearer auth from a Secret, the statistical judge.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubernetesAnalysisRuns,
  analysisRunApi,
  type MeasureSummary,
} from '../../functions/adapters/kubernetes/analysis-runs.ts';
import { tempNamespace, testKube } from '../support/kube.ts';
import {
  openMetrics,
  startPrometheus,
  type MetricFamily,
  type TestPrometheus,
} from '../support/prometheus.ts';

type Json = Record<string, unknown>;

const T0 = 1_700_000_000;
const POINTS = 120;
/** Measurements start 10 minutes into the data, which lasts 20 minutes. */
const START = (T0 + 600) * 1000;
const kube = testKube();
const runs = new KubernetesAnalysisRuns(kube.kc);
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let prometheus: TestPrometheus;
let proxy: { url: string; seen: (string | undefined)[]; close: () => Promise<void> };
let counter = 0;

/** Deterministic uniform [0, 1) numbers, so the data is the same on every run. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function families(): MetricFamily[] {
  const every = (f: (i: number) => number, labels: Record<string, string>) =>
    Array.from({ length: POINTS }, (_, i) => ({ labels, value: f(i), time: T0 + 10 * i }));
  const latency = (version: string, centre: number, seed: number) => {
    const noise = uniform(seed);
    return every((): number => Number((centre + 0.04 * (noise() - 0.5)).toFixed(6)), { version });
  };
  return [
    {
      name: 'error_ratio',
      type: 'gauge',
      samples: [...every(() => 0.01, { service: 'good' }), ...every(() => 0.2, { service: 'bad' })],
    },
    {
      name: 'request_latency_seconds',
      type: 'gauge',
      samples: [...latency('baseline', 0.1, 1), ...latency('canary', 0.112, 2)],
    },
  ];
}

/** A reverse proxy that lets through only "Authorization: Bearer s3cret", recording each header. */
async function startAuthProxy(target: string): Promise<typeof proxy> {
  const seen: (string | undefined)[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.headers.authorization);
    if (request.headers.authorization !== 'Bearer s3cret') {
      response.writeHead(401).end('unauthorized');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void fetch(`${target}${request.url ?? ''}`, {
        method: request.method ?? 'GET',
        headers: { 'Content-Type': request.headers['content-type'] ?? '' },
        body: Buffer.concat(chunks).toString(),
      }).then(async (r) => {
        response.writeHead(r.status).end(await r.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  return { url: `http://127.0.0.1:${port}`, seen, close };
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'analysis-run');
  prometheus = await startPrometheus({ openMetrics: openMetrics(families()) });
  proxy = await startAuthProxy(prometheus.url);
  await kube.core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'prom-token' }, stringData: { token: 's3cret' } },
  });
});

// Each piece is stopped on its own: a setup that failed halfway must not leave Prometheus running.
afterAll(async () => {
  await (proxy as typeof proxy | undefined)?.close();
  await (prometheus as TestPrometheus | undefined)?.stop();
  await (ns as typeof ns | undefined)?.remove();
});

const threshold = (name: string, query: string, fields: Json = {}): Json => ({
  name,
  successCondition: 'result[0] < 0.05',
  provider: { prometheus: { address: prometheus.url, query } },
  ...fields,
});

async function createRun(spec: Json): Promise<string> {
  counter += 1;
  const name = `run-${String(counter)}`;
  await kube.custom.createNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    body: { apiVersion: 'kulta.io/v1alpha1', kind: 'AnalysisRun', metadata: { name }, spec },
  });
  return name;
}

async function readRun(name: string): Promise<Json & { status: Json }> {
  return (await kube.custom.getNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    name,
  })) as Json & { status: Json };
}

/** Calls measure() every `stepSeconds` of fake time until the run is finished (or 12 visits). */
async function measureUntilDone(name: string, stepSeconds: number): Promise<MeasureSummary[]> {
  const visits: MeasureSummary[] = [];
  for (let i = 0; i < 12; i += 1) {
    const now = new Date(START + i * stepSeconds * 1000).toISOString();
    const summary = await runs.measure(ns.name, name, now);
    visits.push(summary);
    if (!['Running', 'Pending', undefined].includes(summary.phase)) break;
  }
  return visits;
}

function metricResult(run: { status: Json }, index = 0): Json & { measurements: Json[] } {
  const results = run.status.metricResults as (Json & { measurements: Json[] })[];
  const result = results[index];
  if (result === undefined) throw new Error(`no metric result ${String(index)}`);
  return result;
}

const series = (service: string): string => `error_ratio{service="${service}"}`;

describe('AnalysisRun measurement on a real Prometheus', () => {
  it('an error rate under the threshold is Successful after count measurements', async () => {
    const name = await createRun({
      args: [{ name: 'service', value: 'good' }],
      metrics: [
        threshold('errors', 'error_ratio{service="{{args.service}}"}', {
          interval: '1m',
          count: 3,
        }),
      ],
    });
    const visits = await measureUntilDone(name, 60);
    expect(visits.map((v) => v.phase)).toEqual(['Running', 'Running', 'Successful']);
    const run = await readRun(name);
    expect(run.status).toMatchObject({
      phase: 'Successful',
      startedAt: new Date(START).toISOString(),
    });
    expect(metricResult(run)).toMatchObject({ phase: 'Successful', count: 3, successful: 3 });
    expect(metricResult(run).measurements[0]).toMatchObject({
      phase: 'Successful',
      value: '[0.01]',
      query: 'error_ratio{service="good"}',
    });
    // A finished run is left alone.
    expect(
      await runs.measure(ns.name, name, new Date(START + 3600_000).toISOString()),
    ).toMatchObject({
      phase: 'Successful',
      measurementsTaken: 0,
      written: false,
    });
  });

  it('an error rate over the threshold is Failed', async () => {
    const name = await createRun({
      metrics: [threshold('errors', series('bad'), { interval: '1m', count: 3 })],
    });
    const visits = await measureUntilDone(name, 60);
    expect(visits.at(-1)?.phase).toBe('Failed');
    const run = await readRun(name);
    expect(run.status.message).toMatch(
      /metric errors: Failed \(failed \(1\) > failureLimit \(0\)\)/,
    );
    expect(metricResult(run).measurements[0]).toMatchObject({ phase: 'Failed', value: '[0.2]' });
  });

  it.each([
    { policy: 'fail', phase: 'Failed' },
    { policy: 'inconclusive', phase: 'Inconclusive' },
    { policy: 'pass', phase: 'Successful' },
  ])('no data under noDataPolicy $policy is $phase', async ({ policy, phase }) => {
    const name = await createRun({
      metrics: [threshold('errors', series('ghost'), { noDataPolicy: policy })],
    });
    await measureUntilDone(name, 10);
    const run = await readRun(name);
    expect(run.status.phase).toBe(phase);
    expect(metricResult(run).measurements[0]?.message).toMatch(/no data/);
  });

  it('Prometheus down is Error after more errors in a row than consecutiveErrorLimit', async () => {
    const down = await startAuthProxy('http://127.0.0.1:9');
    await down.close();
    const name = await createRun({
      metrics: [
        {
          ...threshold('errors', series('good'), { consecutiveErrorLimit: 2 }),
          provider: { prometheus: { address: down.url, query: series('good'), timeout: 2 } },
        },
      ],
    });
    const visits = await measureUntilDone(name, 10);
    expect(visits.map((v) => v.phase)).toEqual(['Running', 'Running', 'Error']);
    const result = metricResult(await readRun(name));
    expect(result).toMatchObject({ phase: 'Error', error: 3, consecutiveError: 3, count: 0 });
    expect(result.measurements[2]?.message).toMatch(/cannot reach Prometheus/);
  });

  it('sends the bearer token from a Secret; a missing key is an Error measurement naming it', async () => {
    const viaProxy = (key: string): Json => ({
      ...threshold('errors', series('good')),
      provider: {
        prometheus: {
          address: proxy.url,
          query: series('good'),
          authentication: { bearerToken: { secretKeyRef: { name: 'prom-token', key } } },
        },
      },
    });
    const good = await createRun({ metrics: [viaProxy('token')] });
    await measureUntilDone(good, 10);
    expect((await readRun(good)).status.phase).toBe('Successful');
    expect(proxy.seen).toContain('Bearer s3cret');

    const before = proxy.seen.length;
    const missing = await createRun({
      metrics: [{ ...viaProxy('nope'), consecutiveErrorLimit: 0 }],
    });
    await measureUntilDone(missing, 10);
    const run = await readRun(missing);
    expect(run.status.phase).toBe('Error');
    expect(metricResult(run).measurements[0]?.message).toBe(
      `authentication: Secret ${ns.name}/prom-token has no key "nope"`,
    );
    expect(proxy.seen).toHaveLength(before);
  });

  it('the judge fails a 12% slower canary that a threshold on the mean passes', async () => {
    const latency = (version: string) => `request_latency_seconds{version="${version}"}`;
    const name = await createRun({
      metrics: [
        {
          ...threshold('mean', `avg_over_time(${latency('canary')}[10m])`),
          successCondition: 'result[0] < 0.25',
        },
        {
          name: 'judged',
          provider: { prometheus: { address: prometheus.url } },
          judge: {
            window: '10m',
            step: '10s',
            comparisons: [
              {
                name: 'latency',
                kind: 'mannWhitney',
                canaryQuery: latency('canary'),
                baselineQuery: latency('baseline'),
                critical: true,
              },
            ],
          },
        },
      ],
    });
    await measureUntilDone(name, 10);
    const run = await readRun(name);
    expect(run.status.phase).toBe('Failed');
    expect(metricResult(run, 0)).toMatchObject({ name: 'mean', phase: 'Successful' });
    const judged = metricResult(run, 1);
    expect(judged).toMatchObject({ name: 'judged', phase: 'Failed' });
    expect(judged.measurements[0]).toMatchObject({
      phase: 'Failed',
      value: '0.0',
      judge: { verdict: 'Fail', comparisons: [{ name: 'latency', classification: 'High' }] },
    });
    expect(judged.measurements[0]?.message).toMatch(/latency High \(Mann–Whitney/);
  });
});
