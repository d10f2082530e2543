// The canary judge: per-metric classification by direction and effect size, and run scoring.
import { describe, expect, it } from 'vitest';
import {
  compareProportions,
  compareSamples,
  scoreMetrics,
  verdictPhase,
  type Classification,
  type Direction,
  type JudgedMetric,
  type ScoreOptions,
} from '../../../functions/core/analysis/judge.ts';

/** n evenly spread values around `centre` (± spread/2), interleaved so samples overlap. */
function spread(centre: number, n: number, width = 0.02): number[] {
  return Array.from({ length: n }, (_, i) => centre - width / 2 + (width * i) / (n - 1));
}

const baseline = spread(0.1, 30);
const slower = spread(0.115, 30); // +15%, clearly significant with 30 values
const faster = spread(0.085, 30);
const slightlySlower = spread(0.102, 30, 0.002); // +2%: tight, so significant, but small

describe('comparing samples (Mann–Whitney U)', () => {
  it.each<{ name: string; canary: number[]; direction: Direction; expected: Classification }>([
    {
      name: 'slower canary, higher is bad',
      canary: slower,
      direction: 'increase',
      expected: 'High',
    },
    {
      name: 'slower canary, lower is bad',
      canary: slower,
      direction: 'decrease',
      expected: 'Pass',
    },
    { name: 'slower canary, either is bad', canary: slower, direction: 'either', expected: 'High' },
    {
      name: 'faster canary, higher is bad',
      canary: faster,
      direction: 'increase',
      expected: 'Pass',
    },
    { name: 'faster canary, lower is bad', canary: faster, direction: 'decrease', expected: 'Low' },
    { name: 'faster canary, either is bad', canary: faster, direction: 'either', expected: 'Low' },
    {
      name: 'same distribution',
      canary: [...baseline].reverse(),
      direction: 'either',
      expected: 'Pass',
    },
  ])('$name → $expected', ({ canary, direction, expected }) => {
    expect(compareSamples(canary, baseline, { direction }).classification).toBe(expected);
  });

  it('ignores a significant change smaller than the minimum effect size', () => {
    const tight = spread(0.1, 30, 0.002);
    const judgement = compareSamples(slightlySlower, tight, { direction: 'increase' });
    expect(judgement.pValue).toBeLessThan(0.001);
    expect(judgement.relativeEffect).toBeCloseTo(0.02, 3);
    expect(judgement.classification).toBe('Pass');
    const strict = compareSamples(slightlySlower, tight, {
      direction: 'increase',
      minRelativeEffect: 0.01,
    });
    expect(strict.classification).toBe('High');
  });

  it('needs significance at the confidence level, not just a shift', () => {
    const few = [0.1, 0.13, 0.09, 0.14, 0.11, 0.12, 0.1, 0.15, 0.08, 0.13];
    const base = [0.1, 0.12, 0.09, 0.11, 0.1, 0.13, 0.08, 0.12, 0.1, 0.11];
    const judgement = compareSamples(few, base, { direction: 'increase' });
    expect(judgement.pValue).toBeGreaterThan(0.02);
    expect(judgement.classification).toBe('Pass');
  });

  it.each<{ name: string; canary: number[]; base: number[] }>([
    { name: 'empty canary', canary: [], base: baseline },
    { name: 'too few baseline values', canary: slower, base: baseline.slice(0, 9) },
    { name: 'only NaN', canary: slower.map(() => NaN), base: baseline },
  ])('is NoData, never Pass, with $name', ({ canary, base }) => {
    const judgement = compareSamples(canary, base);
    expect(judgement.classification).toBe('NoData');
    expect(judgement.reason).toMatch(/need 10 each/);
  });

  it('explains the decision', () => {
    expect(compareSamples(slower, baseline).reason).toMatch(
      /^Mann–Whitney U=\d+ p=\S+ \(α=0\.020, asymptotic\), shift \S+ \(\S+% of the baseline median\)$/,
    );
  });

  it('refuses a confidence outside (0, 1)', () => {
    expect(() => compareSamples(slower, baseline, { confidence: 98 })).toThrow(/between 0 and 1/);
  });
});

describe('comparing proportions', () => {
  it.each<{
    name: string;
    canary: [number, number];
    direction: Direction;
    min?: number;
    expected: Classification;
  }>([
    {
      name: '3% vs 1% errors, higher is bad',
      canary: [60, 2000],
      direction: 'increase',
      expected: 'High',
    },
    {
      name: '3% vs 1% conversions, lower is bad',
      canary: [60, 2000],
      direction: 'decrease',
      expected: 'Pass',
    },
    {
      name: '1.1% vs 1% errors: not significant',
      canary: [22, 2000],
      direction: 'increase',
      expected: 'Pass',
    },
    {
      name: '0.2% vs 1% conversions, lower is bad',
      canary: [4, 2000],
      direction: 'decrease',
      expected: 'Low',
    },
    {
      name: 'significant but below minRateDifference',
      canary: [60, 2000],
      direction: 'increase',
      min: 0.05,
      expected: 'Pass',
    },
    { name: 'no canary trials', canary: [0, 0], direction: 'increase', expected: 'NoData' },
  ])('$name → $expected', ({ canary, direction, min, expected }) => {
    const judgement = compareProportions(
      { events: canary[0], total: canary[1] },
      { events: 20, total: 2000 },
      min === undefined ? { direction } : { direction, minRateDifference: min },
    );
    expect(judgement.classification).toBe(expected);
  });
});

describe('scoring', () => {
  const metric = (
    name: string,
    classification: Classification,
    extra: Partial<JudgedMetric> = {},
  ): JudgedMetric => ({
    name,
    classification,
    ...extra,
  });

  it.each<{
    name: string;
    metrics: JudgedMetric[];
    options?: ScoreOptions;
    score: number;
    verdict: string;
  }>([
    {
      name: 'all pass',
      metrics: [metric('a', 'Pass'), metric('b', 'Pass')],
      score: 100,
      verdict: 'Pass',
    },
    {
      name: 'weighted: 4 of 5 weight passes → marginal',
      metrics: [metric('a', 'Pass', { weight: 4 }), metric('b', 'High')],
      score: 80,
      verdict: 'Marginal',
    },
    {
      name: 'weighted: 19 of 20 → pass at 95',
      metrics: [metric('a', 'Pass', { weight: 19 }), metric('b', 'Low')],
      score: 95,
      verdict: 'Pass',
    },
    {
      name: 'half fails → fail',
      metrics: [metric('a', 'Pass'), metric('b', 'High')],
      score: 50,
      verdict: 'Fail',
    },
    {
      name: 'custom thresholds',
      metrics: [metric('a', 'Pass'), metric('b', 'High')],
      options: { pass: 50, marginal: 25 },
      score: 50,
      verdict: 'Pass',
    },
    {
      name: 'a critical failure alone fails with score 0',
      metrics: [metric('a', 'Pass', { weight: 99 }), metric('b', 'High', { critical: true })],
      score: 0,
      verdict: 'Fail',
    },
    {
      name: 'no-data metrics are left out of the score',
      metrics: [metric('a', 'Pass'), metric('b', 'Pass'), metric('c', 'NoData')],
      score: 100,
      verdict: 'Pass',
    },
    {
      name: 'half of the metrics without data fails',
      metrics: [metric('a', 'Pass'), metric('b', 'NoData')],
      score: 0,
      verdict: 'Fail',
    },
    {
      name: 'a must-have-data metric without data fails',
      metrics: [
        metric('a', 'Pass'),
        metric('b', 'Pass'),
        metric('c', 'NoData', { mustHaveData: true }),
      ],
      score: 0,
      verdict: 'Fail',
    },
    { name: 'no metrics fails', metrics: [], score: 0, verdict: 'Fail' },
  ])('$name', ({ metrics, options, score, verdict }) => {
    const result = scoreMetrics(metrics, options);
    expect(result.score).toBeCloseTo(score, 10);
    expect(result.verdict).toBe(verdict);
  });

  it('says why', () => {
    expect(scoreMetrics([metric('a', 'Pass'), metric('b', 'NoData')]).reason).toBe(
      '1 of 2 metrics have no data (limit 50%)',
    );
    expect(scoreMetrics([metric('a', 'High', { critical: true })]).reason).toBe(
      'critical metric failed: a',
    );
    expect(scoreMetrics([metric('a', 'Pass', { weight: 4 }), metric('b', 'High')]).reason).toBe(
      'score 80.0; b High',
    );
  });

  it.each([
    { verdict: 'Pass', phase: 'Successful' },
    { verdict: 'Marginal', phase: 'Inconclusive' },
    { verdict: 'Fail', phase: 'Failed' },
  ] as const)('maps $verdict to the measurement phase $phase', ({ verdict, phase }) => {
    expect(verdictPhase(verdict)).toBe(phase);
  });
});
