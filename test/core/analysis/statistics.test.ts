// Statistics against reference values. Unless a row says otherwise, expected values come from
// SciPy 1.17.1: scipy.special.erfc, scipy.stats.norm.cdf/sf/ppf, and
// scipy.stats.mannwhitneyu(x, y, alternative=…) with its defaults (use_continuity=True,
// method='auto': exact when a sample has ≤ 8 values and there are no ties, else asymptotic).
import { describe, expect, it } from 'vitest';
import {
  erfc,
  hodgesLehmann,
  mannWhitneyU,
  median,
  normalCdf,
  normalQuantile,
  normalSf,
  twoProportionZTest,
  type Alternative,
} from '../../../functions/core/analysis/statistics.ts';

/** |actual − expected| ≤ rel·|expected|: the documented relative accuracy. */
function expectRelative(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('normal distribution', () => {
  it.each<{ name: string; actual: () => number; expected: number }>([
    { name: 'erfc(0.5)', actual: () => erfc(0.5), expected: 0.4795001221869535 },
    { name: 'erfc(-1.3)', actual: () => erfc(-1.3), expected: 1.9340079449406524 },
    { name: 'erfc(3)', actual: () => erfc(3), expected: 2.2090496998585445e-5 },
    { name: 'Φ(1.959963984540054)', actual: () => normalCdf(1.959963984540054), expected: 0.975 },
    { name: '1 − Φ(5)', actual: () => normalSf(5), expected: 2.866515718791933e-7 },
    { name: 'Φ(−8)', actual: () => normalCdf(-8), expected: 6.22096057427174e-16 },
    {
      name: '1 − Φ(12) keeps relative accuracy deep in the tail',
      actual: () => normalSf(12),
      expected: 1.776482112077653e-33,
    },
  ])('$name (relative error < 1.2e-7)', ({ actual, expected }) => {
    expectRelative(actual(), expected, 1.2e-7);
  });

  it.each<{ p: number; expected: number }>([
    { p: 0.975, expected: 1.959963984540054 },
    { p: 0.99, expected: 2.3263478740408408 },
    { p: 0.001, expected: -3.090232306167813 },
    { p: 1e-10, expected: -6.361340902404056 },
  ])('Φ⁻¹($p) (relative error < 1.15e-9)', ({ p, expected }) => {
    expectRelative(normalQuantile(p), expected, 1.15e-9);
  });

  it('Φ⁻¹(0.5) is 0 and Φ⁻¹ refuses 0 and 1', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('Mann–Whitney U', () => {
  const small = { x: [19, 22, 16, 29, 24], y: [20, 11, 17, 12] };
  const ties = { x: [1, 2, 2, 3, 3, 3, 4, 5, 9, 10], y: [1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 7] };
  const latency = {
    x: [0.101, 0.132, 0.118, 0.125, 0.143, 0.111, 0.137, 0.129, 0.122, 0.148, 0.115, 0.139],
    y: [0.098, 0.104, 0.112, 0.095, 0.109, 0.121, 0.101, 0.107, 0.099, 0.113, 0.103, 0.117],
  };
  const unbalanced = { x: [5.5, 7.5, 9.5], y: Array.from({ length: 30 }, (_, i) => i + 1) };
  const nines = {
    x: [2.1, 3.4, 5.5, 6.0, 7.2, 8.8, 9.1, 10.3, 11.9],
    y: [1.0, 1.7, 2.5, 3.0, 4.1, 4.9, 5.2, 6.6, 7.7],
  };

  it.each<{
    name: string;
    sample: { x: number[]; y: number[] };
    alternative: Alternative;
    u: number;
    p: number;
    method: string;
  }>([
    {
      name: 'small, exact, two-sided',
      sample: small,
      alternative: 'two-sided',
      u: 17,
      p: 0.1111111111111111,
      method: 'exact',
    },
    {
      name: 'small, exact, greater',
      sample: small,
      alternative: 'greater',
      u: 17,
      p: 0.05555555555555555,
      method: 'exact',
    },
    {
      name: 'small, exact, less',
      sample: small,
      alternative: 'less',
      u: 17,
      p: 0.9682539682539683,
      method: 'exact',
    },
    {
      name: '3 vs 30, exact, two-sided',
      sample: unbalanced,
      alternative: 'two-sided',
      u: 21,
      p: 0.14882697947214077,
      method: 'exact',
    },
    {
      name: '3 vs 30, exact, less',
      sample: unbalanced,
      alternative: 'less',
      u: 21,
      p: 0.07441348973607038,
      method: 'exact',
    },
    {
      name: 'ties, tie-corrected, two-sided',
      sample: ties,
      alternative: 'two-sided',
      u: 62,
      p: 0.642916849296012,
      method: 'asymptotic',
    },
    {
      name: 'ties, tie-corrected, greater',
      sample: ties,
      alternative: 'greater',
      u: 62,
      p: 0.321458424648006,
      method: 'asymptotic',
    },
    {
      name: 'ties, tie-corrected, less',
      sample: ties,
      alternative: 'less',
      u: 62,
      p: 0.7036582207360521,
      method: 'asymptotic',
    },
    {
      name: 'latency with one tie, greater',
      sample: latency,
      alternative: 'greater',
      u: 128.5,
      p: 0.0006106367059389062,
      method: 'asymptotic',
    },
    {
      name: 'latency with one tie, two-sided',
      sample: latency,
      alternative: 'two-sided',
      u: 128.5,
      p: 0.0012212734118778124,
      method: 'asymptotic',
    },
    {
      name: '9 vs 9 without ties is asymptotic',
      sample: nines,
      alternative: 'two-sided',
      u: 64,
      p: 0.04226010608395664,
      method: 'asymptotic',
    },
    {
      name: '9 vs 9, greater',
      sample: nines,
      alternative: 'greater',
      u: 64,
      p: 0.02113005304197832,
      method: 'asymptotic',
    },
  ])('$name', ({ sample, alternative, u, p, method }) => {
    const result = mannWhitneyU(sample.x, sample.y, alternative);
    expect(result.u).toBe(u);
    expect(result.method).toBe(method);
    // Exact p-values are ratios of integers; asymptotic ones carry erfc's 1.2e-7.
    expectRelative(result.pValue, p, method === 'exact' ? 1e-12 : 2e-7);
  });

  it('gives p = 1 when every value is tied (SciPy: U=4.5, p=1.0)', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1])).toMatchObject({ u: 4.5, pValue: 1 });
  });

  it('is symmetric: swapping samples mirrors U and keeps the two-sided p', () => {
    const ab = mannWhitneyU(latency.x, latency.y);
    const ba = mannWhitneyU(latency.y, latency.x);
    expect(ab.u + ba.u).toBe(latency.x.length * latency.y.length);
    expectRelative(ba.pValue, ab.pValue, 1e-12);
  });

  it.each<{ name: string; x: number[]; y: number[] }>([
    { name: 'an empty sample', x: [], y: [1] },
    { name: 'NaN', x: [NaN], y: [1] },
  ])('refuses $name', ({ x, y }) => {
    expect(() => mannWhitneyU(x, y)).toThrow(RangeError);
  });
});

describe('effect sizes', () => {
  it.each<{ name: string; x: number[]; y: number[]; shift: number }>([
    { name: 'textbook: differences 1, 2, 3', x: [1, 2, 3], y: [0], shift: 2 },
    { name: 'even number of pairs: differences 0, 1, 1, 2', x: [1, 2], y: [0, 1], shift: 1 },
    // numpy.median(numpy.subtract.outer(x, y)) for the 9 vs 9 sample above.
    {
      name: 'numpy reference',
      x: [2.1, 3.4, 5.5, 6.0, 7.2, 8.8, 9.1, 10.3, 11.9],
      y: [1.0, 1.7, 2.5, 3.0, 4.1, 4.9, 5.2, 6.6, 7.7],
      shift: 3.1,
    },
    {
      name: 'robust to one huge outlier (mean shift ≈ 2.5e8)',
      x: [10, 11, 12, 1e9],
      y: [10, 11, 12, 13],
      shift: 0,
    },
    {
      name: 'even count averages the middle two: 0.5, 1, 2.5, 3',
      x: [1, 3],
      y: [0, 0.5],
      shift: 1.75,
    },
  ])('Hodges–Lehmann: $name', ({ x, y, shift }) => {
    const result = hodgesLehmann(x, y);
    expect(result.method).toBe('pairwise');
    expect(result.shift).toBeCloseTo(shift, 12);
  });

  it('falls back to the difference of medians above a million pairs', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i + 5);
    const y = Array.from({ length: 1001 }, (_, i) => i);
    expect(hodgesLehmann(x, y)).toEqual({ shift: 5, method: 'median-difference' });
  });

  it('median of odd, even and empty lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('two-proportion z-test', () => {
  // Expected: z = (p1 − p2)/√(p(1−p)(1/n1 + 1/n2)) and the Wald interval, with scipy.stats.norm
  // for the tails and the quantile (the same numbers as statsmodels' proportions_ztest).
  it.each<{
    name: string;
    canary: [number, number];
    baseline: [number, number];
    alternative: Alternative;
    confidence: number;
    z: number;
    p: number;
    ci: [number, number];
  }>([
    {
      name: '3% vs 1.5% of 1000, greater, 98%',
      canary: [30, 1000],
      baseline: [15, 1000],
      alternative: 'greater',
      confidence: 0.98,
      z: 2.261656365159503,
      p: 0.011859321316095729,
      ci: [-0.00040931108656415936, 0.03040931108656416],
    },
    {
      name: 'same counts, two-sided',
      canary: [30, 1000],
      baseline: [15, 1000],
      alternative: 'two-sided',
      confidence: 0.98,
      z: 2.261656365159503,
      p: 0.023718642632191457,
      ci: [-0.00040931108656415936, 0.03040931108656416],
    },
    {
      name: '45/500 vs 30/600, less, 95%',
      canary: [45, 500],
      baseline: [30, 600],
      alternative: 'less',
      confidence: 0.95,
      z: 2.6207427731326147,
      p: 0.9956130782642469,
      ci: [0.009449280780948605, 0.07055071921905139],
    },
  ])('$name', ({ canary, baseline, alternative, confidence, z, p, ci }) => {
    const result = twoProportionZTest(
      { events: canary[0], total: canary[1] },
      { events: baseline[0], total: baseline[1] },
      alternative,
      confidence,
    );
    expectRelative(result.z, z, 1e-12);
    expectRelative(result.pValue, p, 2e-7);
    expectRelative(result.confidenceInterval[0], ci[0], 1e-6);
    expectRelative(result.confidenceInterval[1], ci[1], 1e-8);
    expect(result.difference).toBeCloseTo(canary[0] / canary[1] - baseline[0] / baseline[1], 15);
  });

  it('has no evidence when neither group has any event', () => {
    const result = twoProportionZTest({ events: 0, total: 100 }, { events: 0, total: 50 });
    expect(result).toMatchObject({ z: 0, pValue: 1, difference: 0, relativeDifference: 0 });
  });

  it('reports an infinite relative difference from a zero baseline rate', () => {
    const result = twoProportionZTest({ events: 5, total: 100 }, { events: 0, total: 100 });
    expect(result.relativeDifference).toBe(Infinity);
  });

  it.each<{ name: string; events: number; total: number }>([
    { name: 'no trials', events: 0, total: 0 },
    { name: 'more events than trials', events: 5, total: 4 },
    { name: 'negative events', events: -1, total: 4 },
    { name: 'fractional counts', events: 0.5, total: 4 },
  ])('refuses $name', ({ events, total }) => {
    expect(() => twoProportionZTest({ events, total }, { events: 1, total: 10 })).toThrow(
      /group 1: need whole counts/,
    );
  });
});
