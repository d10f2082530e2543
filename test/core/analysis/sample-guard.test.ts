// The minimum-sample guard: parsed with field-named errors, and a shortfall turns a measurement
// into no data that the metric's noDataPolicy decides.
import { describe, expect, it } from 'vitest';
import type { QueryAnswer } from '../../../functions/core/analysis/measurement.ts';
import {
  guardShortfall,
  parseSampleGuard,
  shortfallMeasurement,
} from '../../../functions/core/analysis/sample-guard.ts';

const guard = { query: 'sum(increase(requests_total[5m]))', minimum: 100 };

function vector(...values: number[]): QueryAnswer {
  return {
    query: guard.query,
    ok: true,
    data: {
      resultType: 'vector',
      samples: values.map((value) => ({ labels: {}, timeMs: 0, value })),
    },
  };
}

describe('parseSampleGuard', () => {
  it.each([
    ['absent', undefined, undefined],
    ['a query and a minimum', { query: 'up', minimum: 5 }, { query: 'up', minimum: 5 }],
  ])('reads %s', (_name, value, expected) => {
    expect(parseSampleGuard(value, 'spec.metrics[0].sampleGuard')).toEqual(expected);
  });

  it.each([
    [
      'no query',
      { minimum: 5 },
      'spec.metrics[0].sampleGuard.query: the guard needs a PromQL query',
    ],
    [
      'a negative minimum',
      { query: 'up', minimum: -1 },
      'spec.metrics[0].sampleGuard.minimum: must be a number ≥ 0',
    ],
    [
      'a text minimum',
      { query: 'up', minimum: '5' },
      'spec.metrics[0].sampleGuard.minimum: must be a number ≥ 0',
    ],
  ])('refuses %s', (_name, value, message) => {
    expect(() => parseSampleGuard(value, 'spec.metrics[0].sampleGuard')).toThrow(message);
  });
});

describe('guardShortfall', () => {
  it.each([
    ['enough samples', vector(150), undefined],
    ['enough over several series', vector(60, 60), undefined],
    ['too few samples', vector(12), `sample guard: 12 < minimum 100 (${guard.query})`],
    ['no series at all', vector(), `sample guard: 0 < minimum 100 (${guard.query})`],
    ['NaN only (0/0)', vector(Number.NaN), `sample guard: 0 < minimum 100 (${guard.query})`],
  ])('%s', (_name, answer, expected) => {
    expect(guardShortfall(guard, answer)).toEqual(expected);
  });

  it('reports a failed guard query as the shortfall', () => {
    const failed: QueryAnswer = {
      query: guard.query,
      ok: false,
      failure: { kind: 'transient', message: 'connection refused' },
    };
    expect(guardShortfall(guard, failed)).toBe(`sample guard: connection refused (${guard.query})`);
  });
});

describe('shortfallMeasurement', () => {
  it.each([
    ['fail', 'Failed'],
    ['inconclusive', 'Inconclusive'],
    ['pass', 'Successful'],
    [undefined, 'Inconclusive'],
  ] as const)('is decided by noDataPolicy %s → %s, never by the condition', (policy, phase) => {
    const check = {
      successCondition: 'result[0] < 0.01',
      ...(policy ? { noDataPolicy: policy } : {}),
    };
    const result = shortfallMeasurement(check, 'rate_query', 'sample guard: 3 < minimum 100 (q)');
    expect(result).toMatchObject({
      phase,
      noData: true,
      message: 'sample guard: 3 < minimum 100 (q)',
    });
  });
});
