// The statistical judge against a real Prometheus: a latency regression that thresholds miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrometheusQuerier,
  readSamples,
  takeMeasurement,
  type MetricsQuerier,
  type RangeWindow,
} from '../../functions/adapters/prometheus.ts';
import { compareSamples, scoreMetrics, verdictPhase } from '../../functions/core/analysis/judge.ts';
import {
  openMetrics,
  startPrometheus,
  type MetricFamily,
  type TestPrometheus,
} from '../support/prometheus.ts';

const T0 = 1_700_000_000;
const POINTS = 60;
const WINDOW: RangeWindow = {
  start: new Date(T0 * 1000),
  end: new Date((T0 + 10 * (POINTS - 1)) * 1000),
  stepSeconds: 10,
};
const AT = new Date((T0 + 10 * (POINTS - 1) + 0.5) * 1000);

/** Deterministic uniform [0, 1) numbers (a 32-bit LCG), so the data is the same on every run. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Median latency per 10 s for three versions over the same 10 minutes: baseline ≈ 100 ms ± 20 ms,
 * `regressed` ≈ 112 ms ± 20 ms (12% slower, but far below a 250 ms SLO, mean and p99 alike),
 * `healthy` drawn from the baseline's distribution with other noise.
 */
function latencies(): MetricFamily {
  const centres = { baseline: 0.1, regressed: 0.112, healthy: 0.1 } as const;
  const seeds = { baseline: 1, regressed: 2, healthy: 3 } as const;
  const samples = (Object.keys(centres) as (keyof typeof centres)[]).flatMap((version) => {
    const noise = uniform(seeds[version]);
    return Array.from({ length: POINTS }, (_, i) => ({
      labels: { version },
      value: Number((centres[version] + 0.04 * (noise() - 0.5)).toFixed(6)),
      time: T0 + 10 * i,
    }));
  });
  return { name: 'request_latency_seconds', type: 'gauge', samples };
}

const series = (version: string): string => `request_latency_seconds{version="${version}"}`;

let prometheus: TestPrometheus;
let querier: MetricsQuerier;

beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: openMetrics([latencies()]) });
  querier = createPrometheusQuerier({ address: prometheus.url });
});

afterAll(async () => {
  await prometheus.stop();
});

async function samples(version: string): Promise<number[]> {
  const read = await readSamples(querier, series(version), WINDOW);
  if (!read.ok) throw new Error(read.failure.message);
  return read.values;
}

describe('canary judge on a real Prometheus', () => {
  it.each([
    { name: 'mean', query: `avg_over_time(${series('regressed')}[10m])` },
    { name: 'p99', query: `quantile_over_time(0.99, ${series('regressed')}[10m])` },
  ])('a plain threshold on the $name passes the regressed canary', async ({ query }) => {
    const metric = { query, successCondition: 'result[0] < 0.25' };
    const result = await takeMeasurement(querier, metric, {}, AT);
    expect(result.phase).toBe('Successful');
  });

  it('reads one sample per step for each version', async () => {
    expect(await samples('baseline')).toHaveLength(POINTS);
    expect(await samples('regressed')).toHaveLength(POINTS);
  });

  it('catches the 12% latency regression with Mann–Whitney U and fails the critical metric', async () => {
    const judgement = compareSamples(await samples('regressed'), await samples('baseline'), {
      direction: 'increase',
    });
    expect(judgement.classification).toBe('High');
    expect(judgement.pValue).toBeLessThan(0.02);
    expect(judgement.relativeEffect).toBeGreaterThan(0.05);
    const score = scoreMetrics([
      { name: 'latency', classification: judgement.classification, critical: true },
      { name: 'errors', classification: 'Pass' },
    ]);
    expect(score).toMatchObject({ score: 0, verdict: 'Fail' });
    expect(verdictPhase(score.verdict)).toBe('Failed');
  });

  it('passes a canary drawn from the baseline’s distribution', async () => {
    const judgement = compareSamples(await samples('healthy'), await samples('baseline'), {
      direction: 'increase',
    });
    expect(judgement.classification).toBe('Pass');
    const score = scoreMetrics([{ name: 'latency', classification: judgement.classification }]);
    expect(verdictPhase(score.verdict)).toBe('Successful');
  });

  it('has no data for a version that does not exist', async () => {
    const judgement = compareSamples(await samples('ghost'), await samples('baseline'));
    expect(judgement.classification).toBe('NoData');
  });
});
