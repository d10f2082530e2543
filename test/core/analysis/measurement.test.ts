// One measurement: Argo's success/failure condition rules, no-data policies and error outcomes.
import { describe, expect, it } from 'vitest';
import {
  evaluateMeasurement,
  judgeResult,
  validateMetricCheck,
  type MetricCheck,
  type QueryAnswer,
} from '../../../functions/core/analysis/measurement.ts';
import type { QueryData } from '../../../functions/core/analysis/prometheus-result.ts';

const QUERY = 'sum(rate(errors[5m]))';

function vectorOf(...values: number[]): QueryData {
  return {
    resultType: 'vector',
    samples: values.map((value) => ({ labels: {}, timeMs: 1700000000123, value })),
  };
}

const answer = (data: QueryData): QueryAnswer => ({ query: QUERY, ok: true, data });

describe("Argo's condition rules", () => {
  it.each<{ name: string; check: MetricCheck; phase: string }>([
    { name: 'no conditions → Successful', check: {}, phase: 'Successful' },
    { name: 'success holds', check: { successCondition: 'result < 1' }, phase: 'Successful' },
    { name: 'success fails → Failed', check: { successCondition: 'result > 1' }, phase: 'Failed' },
    { name: 'failure holds', check: { failureCondition: 'result < 1' }, phase: 'Failed' },
    {
      name: 'failure does not hold → Successful',
      check: { failureCondition: 'result > 1' },
      phase: 'Successful',
    },
    {
      name: 'both: success only',
      check: { successCondition: 'result < 1', failureCondition: 'result > 1' },
      phase: 'Successful',
    },
    {
      name: 'both hold: failure wins',
      check: { successCondition: 'result < 1', failureCondition: 'result < 1' },
      phase: 'Failed',
    },
    {
      name: 'neither holds → Inconclusive',
      check: { successCondition: 'result > 1', failureCondition: 'result > 2' },
      phase: 'Inconclusive',
    },
    {
      name: 'empty strings count as absent',
      check: { successCondition: '', failureCondition: '' },
      phase: 'Successful',
    },
  ])('$name', ({ check, phase }) => {
    expect(judgeResult(check, 0.5)).toBe(phase);
  });
});

describe('evaluating a measurement', () => {
  const check: MetricCheck = { successCondition: 'result[0] < 0.05' };

  it('reports the phase, the query and the value', () => {
    expect(evaluateMeasurement(check, answer(vectorOf(0.01)))).toEqual({
      phase: 'Successful',
      query: QUERY,
      value: '[0.01]',
      noData: false,
    });
    expect(evaluateMeasurement(check, answer(vectorOf(0.5)))).toMatchObject({
      phase: 'Failed',
      value: '[0.5]',
    });
  });

  it.each<{ name: string; check: MetricCheck; data: QueryData; phase: string }>([
    { name: 'default policy is inconclusive', check, data: vectorOf(), phase: 'Inconclusive' },
    { name: 'fail', check: { ...check, noDataPolicy: 'fail' }, data: vectorOf(), phase: 'Failed' },
    {
      name: 'inconclusive',
      check: { ...check, noDataPolicy: 'inconclusive' },
      data: vectorOf(),
      phase: 'Inconclusive',
    },
    {
      name: 'pass',
      check: { ...check, noDataPolicy: 'pass' },
      data: vectorOf(),
      phase: 'Successful',
    },
    {
      name: 'all-NaN (no traffic) uses the policy too',
      check: { ...check, noDataPolicy: 'fail' },
      data: vectorOf(NaN),
      phase: 'Failed',
    },
  ])('no data: $name', ({ check: metric, data, phase }) => {
    const result = evaluateMeasurement(metric, answer(data));
    expect(result).toMatchObject({ phase, noData: true, query: QUERY });
    expect(result.value).toBeUndefined();
    expect(result.message).toMatch(/^no data: .* \(noDataPolicy: \w+\)$/);
  });

  it('does not treat a partly-NaN vector as no data', () => {
    const result = evaluateMeasurement(
      { successCondition: 'isNaN(result[0]) && result[1] < 1' },
      answer(vectorOf(NaN, 0.5)),
    );
    expect(result).toMatchObject({ phase: 'Successful', noData: false, value: '[NaN,0.5]' });
  });

  it('turns a condition that cannot be evaluated into an Error with the value', () => {
    const result = evaluateMeasurement(
      { successCondition: 'result[1] < 1' },
      answer(vectorOf(0.5)),
    );
    expect(result).toMatchObject({ phase: 'Error', value: '[0.5]', noData: false });
    expect(result.message).toContain(
      'cannot evaluate the condition on [0.5]: index 1 is out of range',
    );
  });

  it.each<{
    name: string;
    kind: 'transient' | 'rejected' | 'invalid-response';
    transient: boolean;
  }>([
    { name: 'transient (network, 5xx, timeout)', kind: 'transient', transient: true },
    { name: 'rejected (bad PromQL)', kind: 'rejected', transient: false },
    { name: 'invalid response', kind: 'invalid-response', transient: false },
  ])('a failed query is an Error measurement: $name', ({ kind, transient }) => {
    const failed: QueryAnswer = { query: QUERY, ok: false, failure: { kind, message: 'it broke' } };
    expect(evaluateMeasurement(check, failed)).toEqual({
      phase: 'Error',
      query: QUERY,
      message: 'it broke',
      noData: false,
      transient,
    });
  });
});

describe('validating conditions', () => {
  it('names the field and the column of each problem', () => {
    expect(
      validateMetricCheck({ successCondition: 'result[0] <', failureCondition: 'len(' }),
    ).toEqual([
      'successCondition: expected a value at column 12, found the end of the expression',
      'failureCondition: expected a value at column 5, found the end of the expression',
    ]);
  });

  it('accepts good and absent conditions', () => {
    expect(validateMetricCheck({ successCondition: 'result[0] < 1' })).toEqual([]);
  });
});
