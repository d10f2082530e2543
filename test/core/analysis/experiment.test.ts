// A/B experiment outcomes: read from an AnalysisRun's judged measurements (as the judge writes
// them), carried into the Rollout's analysis summary and the testsuiterun.finished CDEvent.
import { describe, expect, it } from 'vitest';
import {
  describeExperiment,
  experimentOutcomes,
} from '../../../functions/core/analysis/experiment.ts';
import { judgeMeasurement } from '../../../functions/core/analysis/run-judge.ts';
import type { JudgeSpec } from '../../../functions/core/analysis/run-spec.ts';
import { testSuiteRunFinished } from '../../../functions/core/cdevents/index.ts';
import { loadCDEventsSchemas } from '../../support/cdevents-schemas.ts';

const conversion: JudgeSpec = {
  comparisons: [
    {
      name: 'conversion',
      kind: 'twoProportion',
      canaryQuery: 'c',
      baselineQuery: 'b',
      canaryTotalQuery: 'ct',
      baselineTotalQuery: 'bt',
      direction: 'decrease',
      confidence: 0.95,
    },
  ],
};

/** One judged measurement of conversions: canary `x` of 2000 against baseline 200 of 2000. */
function judged(canaryConversions: number) {
  return judgeMeasurement(
    conversion,
    new Map([
      [
        'conversion',
        {
          kind: 'counts',
          canary: { events: canaryConversions, total: 2000 },
          baseline: { events: 200, total: 2000 },
        },
      ],
    ]),
  );
}

function metricResults(...judges: ReturnType<typeof judged>[]) {
  return [
    {
      name: 'checkout',
      phase: 'Running',
      measurements: judges.map((j) => ({ phase: j.phase, value: j.value, judge: j.judge })),
    },
    {
      name: 'error-rate',
      phase: 'Successful',
      measurements: [{ phase: 'Successful', value: '0.01' }],
    },
  ];
}

describe('experiment outcomes', () => {
  it('reads the newest judgement with effect size, rates, interval and confidence', () => {
    const [outcome] = experimentOutcomes(metricResults(judged(200), judged(120)));
    expect(outcome).toMatchObject({ metric: 'checkout', verdict: 'Fail', score: 0 });
    const [c] = outcome?.comparisons ?? [];
    expect(c).toMatchObject({
      name: 'conversion',
      classification: 'Low',
      confidence: 0.95,
      canaryRate: 0.06,
      baselineRate: 0.1,
    });
    expect(c?.effect).toBeCloseTo(-0.04, 10);
    expect(c?.pValue).toBeLessThan(0.001);
    const [low, high] = c?.interval ?? [0, 0];
    expect(low).toBeLessThan(-0.04);
    expect(high).toBeGreaterThan(-0.04);
    expect(high).toBeLessThan(0);
    expect(describeExperiment(outcome ?? { metric: '', verdict: '', comparisons: [] })).toMatch(
      /^checkout Fail: conversion: canary 0\.0600 vs 0\.100 \(effect -0\.0400, p=\S+, at 95%\)$/,
    );
  });

  it('a variant that is not worse passes', () => {
    const [outcome] = experimentOutcomes(metricResults(judged(240)));
    expect(outcome).toMatchObject({ verdict: 'Pass', score: 100 });
    expect(outcome?.comparisons[0]).toMatchObject({ classification: 'Pass', canaryRate: 0.12 });
  });

  it.each([
    { name: 'no metric results', raw: undefined },
    { name: 'not a list', raw: { name: 'x' } },
    { name: 'only threshold metrics', raw: [{ name: 'x', measurements: [{ value: '1' }] }] },
    { name: 'a judge without a verdict', raw: [{ name: 'x', measurements: [{ judge: {} }] }] },
  ])('finds none in $name', ({ raw }) => {
    expect(experimentOutcomes(raw)).toEqual([]);
  });

  it('drops wrongly typed fields instead of trusting them', () => {
    const raw = [
      {
        name: 'm',
        measurements: [
          {
            judge: {
              verdict: 'Pass',
              score: 'high',
              comparisons: [
                { name: 'c', classification: 'Pass', pValue: '0.1', interval: [1] },
                { classification: 'Pass' },
              ],
            },
          },
        ],
      },
    ];
    expect(experimentOutcomes(raw)).toEqual([
      { metric: 'm', verdict: 'Pass', comparisons: [{ name: 'c', classification: 'Pass' }] },
    ]);
  });

  it('rides in testsuiterun.finished customData, valid against the CDEvents schema', () => {
    const experiments = experimentOutcomes(metricResults(judged(120)));
    const event = testSuiteRunFinished({
      rollout: { namespace: 'shop', name: 'web', uid: 'uid-1' },
      counter: 7,
      timestamp: '2026-03-01T10:00:00.000Z',
      source: '/kulta/test',
      environment: { id: 'test/shop' },
      revision: { podTemplateHash: 'abc', image: 'registry.example/web:2.0' },
      chainId: 'c0ffee00-0000-4000-8000-000000000000',
      sourceLinks: {},
      analysis: { runName: 'web-abc-1', suiteName: 'checkout' },
      verdict: 'Failed',
      message: describeExperiment(experiments[0] ?? { metric: '', verdict: '', comparisons: [] }),
      experiments,
    });
    expect(event.customData.experiments).toEqual(experiments);
    expect(loadCDEventsSchemas().validate(event)).toEqual({ valid: true, errors: [] });
  });
});
