// Threshold analysis against a real Prometheus: conditions, no-data policies, outages, bad PromQL.
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrometheusQuerier,
  takeMeasurement,
  type MetricsQuerier,
  type PrometheusMetric,
} from '../../functions/adapters/prometheus.ts';
import type { NoDataPolicy } from '../../functions/core/analysis/measurement.ts';
import { freePort } from '../bed/processes.ts';
import {
  openMetrics,
  startExporter,
  startPrometheus,
  type MetricFamily,
  type TestExporter,
  type TestPrometheus,
} from '../support/prometheus.ts';

// Ten minutes of request counters, one sample every 10 s, at fixed times in the past.
const T0 = 1_700_000_000;
// Queries are evaluated at a fractional time, so response timestamps are fractional too.
const AT = new Date((T0 + 600.25) * 1000);

/** Per 10 s: [2xx, 5xx] requests for each service. `idle` has no traffic at all (0/0 = NaN). */
const TRAFFIC: Readonly<Record<string, readonly [number, number]>> = {
  checkout: [995, 5], // 0.5% errors
  payments: [900, 100], // 10% errors
  idle: [0, 0],
};

function requestCounters(): MetricFamily {
  const samples = Object.entries(TRAFFIC).flatMap(([service, [ok, failed]]) =>
    Array.from({ length: 61 }, (_, i) => [
      { labels: { service, code: '200' }, value: 1000 + ok * i, time: T0 + 10 * i },
      { labels: { service, code: '500' }, value: 10 + failed * i, time: T0 + 10 * i },
    ]).flat(),
  );
  return { name: 'http_requests', type: 'counter', samples };
}

const ERROR_RATIO =
  'sum(rate(http_requests_total{service="{{args.service}}",code=~"5.."}[5m])) / ' +
  'sum(rate(http_requests_total{service="{{args.service}}"}[5m]))';

const errorRate = (extra: Partial<PrometheusMetric> = {}): PrometheusMetric => ({
  query: ERROR_RATIO,
  successCondition: 'result[0] < 0.05',
  ...extra,
});

/** The first number of a reported vector value such as "[0.005]". */
function firstValue(value: string | undefined): number | undefined {
  return (JSON.parse(value ?? '[]') as number[])[0];
}

let prometheus: TestPrometheus;
let querier: MetricsQuerier;

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: openMetrics([requestCounters()]) });
  querier = createPrometheusQuerier({ address: prometheus.url, timeoutMs: 10_000 });
});

afterAll(async () => {
  await prometheus.stop();
});

describe('thresholds on a real Prometheus', () => {
  it('judges a healthy error rate Successful and reports the resolved query with the value', async () => {
    const result = await takeMeasurement(querier, errorRate(), { service: 'checkout' }, AT);
    expect(result).toMatchObject({ phase: 'Successful', noData: false });
    expect(result.query).toBe(ERROR_RATIO.replaceAll('{{args.service}}', 'checkout'));
    expect(firstValue(result.value)).toBeCloseTo(0.005, 10);
  });

  it('judges an error rate over the threshold Failed', async () => {
    const result = await takeMeasurement(querier, errorRate(), { service: 'payments' }, AT);
    expect(result.phase).toBe('Failed');
    expect(firstValue(result.value)).toBeCloseTo(0.1, 10);
  });

  it('returns the fractional evaluation time in samples', async () => {
    const answer = await querier.query('sum(http_requests_total{service="checkout"})', AT);
    expect(answer.ok && answer.data.resultType === 'vector' && answer.data.samples[0]?.timeMs).toBe(
      AT.getTime(),
    );
  });

  it.each<{ name: string; policy: NoDataPolicy | undefined; phase: string }>([
    { name: 'default policy: inconclusive', policy: undefined, phase: 'Inconclusive' },
    { name: 'fail', policy: 'fail', phase: 'Failed' },
    { name: 'inconclusive', policy: 'inconclusive', phase: 'Inconclusive' },
    { name: 'pass', policy: 'pass', phase: 'Successful' },
  ])('applies the no-data policy to an empty result ($name)', async ({ policy, phase }) => {
    const metric = errorRate(policy === undefined ? {} : { noDataPolicy: policy });
    const result = await takeMeasurement(querier, metric, { service: 'ghost' }, AT);
    expect(result).toMatchObject({ phase, noData: true });
    expect(result.message).toContain('empty vector');
  });

  it('treats a service without traffic (0/0 = NaN) as no data, not as a value', async () => {
    const result = await takeMeasurement(querier, errorRate(), { service: 'idle' }, AT);
    expect(result).toMatchObject({ phase: 'Inconclusive', noData: true });
    expect(result.message).toContain('NaN');
  });

  it('keeps an injected argument inside its label value: the query shape cannot change', async () => {
    const hostile = 'checkout"}) or vector(0) #';
    const result = await takeMeasurement(querier, errorRate(), { service: hostile }, AT);
    // Unescaped, the quote would end the label matcher and the rest would rewrite the query.
    expect(result).toMatchObject({ phase: 'Inconclusive', noData: true });
    expect(result.query).toContain('service="checkout\\"}) or vector(0) #"');
  });

  it('reports bad PromQL as an Error with Prometheus’s own message, not retryable', async () => {
    const metric = errorRate({ query: 'sum(rate(http_requests_total[5m])' });
    const result = await takeMeasurement(querier, metric, {}, AT);
    expect(result).toMatchObject({ phase: 'Error', transient: false });
    expect(result.message).toMatch(/bad_data, HTTP 400\): .*parse error/);
  });

  it('reports a missing argument as an Error naming it, without querying', async () => {
    const result = await takeMeasurement(querier, errorRate(), {}, AT);
    expect(result.phase).toBe('Error');
    expect(result.message).toContain('argument "service"');
  });
});

describe('Prometheus unavailable', () => {
  it('is a transient Error when Prometheus has been stopped', async () => {
    const gone = await startPrometheus();
    const client = createPrometheusQuerier({ address: gone.url, timeoutMs: 5_000 });
    // It answers while it runs (empty storage: no data) ...
    const before = await takeMeasurement(client, errorRate(), { service: 'checkout' });
    expect(before).toMatchObject({ phase: 'Inconclusive', noData: true });
    // ... and after it stopped, the same query is a transient Error.
    await gone.stop();
    const result = await takeMeasurement(client, errorRate(), { service: 'checkout' });
    expect(result).toMatchObject({ phase: 'Error', transient: true });
    expect(result.message).toContain(`cannot reach Prometheus at ${gone.url}: ECONNREFUSED`);
  });

  it('is a transient Error on a port nothing listens on', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const client = createPrometheusQuerier({ address });
    const result = await takeMeasurement(client, errorRate(), { service: 'checkout' });
    expect(result).toMatchObject({ phase: 'Error', transient: true });
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('is a transient Error when Prometheus does not answer in time', async () => {
    const silent: Server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const client = createPrometheusQuerier({
        address: `http://127.0.0.1:${port}`,
        timeoutMs: 200,
      });
      const result = await takeMeasurement(client, errorRate(), { service: 'checkout' });
      expect(result).toMatchObject({ phase: 'Error', transient: true });
      expect(result.message).toContain('did not answer within 200 ms');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('live scraping', () => {
  let exporter: TestExporter;
  let live: TestPrometheus;

  beforeAll(async () => {
    exporter = await startExporter();
    exporter.set('canary_success_ratio', { service: 'checkout' }, 0.999);
    live = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
  });

  afterAll(async () => {
    await live.stop();
    await exporter.stop();
  });

  it('measures what the exporter serves, at Prometheus’s now', async () => {
    const client = createPrometheusQuerier({ address: live.url });
    const metric: PrometheusMetric = {
      query: 'canary_success_ratio{service="{{args.service}}"}',
      successCondition: 'result[0] >= 0.99',
    };
    // The first scrape lands within a second or two; until then the result is empty (no data).
    let result = await takeMeasurement(client, metric, { service: 'checkout' });
    for (let attempt = 0; attempt < 100 && result.noData; attempt += 1) {
      await sleep(200);
      result = await takeMeasurement(client, metric, { service: 'checkout' });
    }
    expect(result).toMatchObject({ phase: 'Successful', value: '[0.999]' });
  });
});
