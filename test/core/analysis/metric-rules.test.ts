// dryRun and measurementRetention name metrics by RE2 search, as Argo; "*" is every metric.
import { describe, expect, it } from 'vitest';
import { foldMeasurements, parseRunStatus } from '../../../functions/core/analysis/run.ts';
import { parseRunSpec } from '../../../functions/core/analysis/run-spec.ts';

type Json = Record<string, unknown>;
const metric = (name: string): Json => ({
  name,
  successCondition: 'result[0] < 1',
  interval: '1m',
  provider: { prometheus: { query: 'up' } },
});
const names = ['error-rate', 'p99-latency', 'total-errors'];
const spec = (fields: Json) => parseRunSpec({ metrics: names.map(metric), ...fields });
const dryOnes = (fields: Json) =>
  spec(fields)
    .metrics.filter((m) => m.policy.dryRun === true)
    .map((m) => m.name);

describe('dryRun', () => {
  it.each<[string, Json[], string[]]>([
    ['an exact name', [{ metricName: 'p99-latency' }], ['p99-latency']],
    [
      'a search, as Argo ("error" names two)',
      [{ metricName: 'error' }],
      ['error-rate', 'total-errors'],
    ],
    ['an anchored pattern', [{ metricName: '^error' }], ['error-rate']],
    ['.* (Argo) and * (KULTA)', [{ metricName: '.*' }], names],
    ['*', [{ metricName: '*' }], names],
  ])('%s', (_name, dryRun, expected) => {
    expect(dryOnes({ dryRun })).toEqual(expected);
  });

  it.each<[string, Json[], RegExp]>([
    [
      'a rule naming no metric',
      [{ metricName: 'cpu' }],
      /spec.dryRun\[0\].metricName: "cpu" names no metric \(the metrics: error-rate, p99-latency, total-errors\)/,
    ],
    [
      'a pattern that is no RE2',
      [{ metricName: '(a' }],
      /spec.dryRun\[0\].metricName: is not a regular expression \(RE2\)/,
    ],
  ])('refuses %s', (_name, dryRun, message) => {
    expect(() => spec({ dryRun })).toThrow(message);
  });
});

describe('measurementRetention', () => {
  it('keeps the limit of the last rule naming a metric, 10 for the others', () => {
    const retention = spec({
      measurementRetention: [
        { metricName: 'error', limit: 3 },
        { metricName: 'total-errors', limit: 20 },
      ],
    }).metrics.map((m) => [m.name, m.retention]);
    expect(retention).toEqual([
      ['error-rate', 3],
      ['p99-latency', 10],
      ['total-errors', 20],
    ]);
  });

  it.each<[string, Json, RegExp]>([
    [
      'a limit of 0',
      { metricName: 'p99', limit: 0 },
      /limit: must be a whole number from 1 to 100, got 0/,
    ],
    ['a limit above 100', { metricName: 'p99', limit: 101 }, /from 1 to 100/],
    ['no metric', { metricName: 'cpu', limit: 5 }, /metricName: "cpu" names no metric/],
  ])('refuses %s', (_name, rule, message) => {
    expect(() => spec({ measurementRetention: [rule] })).toThrow(message);
  });

  it('trims the stored measurements to the limit while the counters keep counting', () => {
    const parsed = spec({ measurementRetention: [{ metricName: 'p99', limit: 2 }] });
    let status = parseRunStatus({});
    for (let i = 0; i < 4; i += 1) {
      const at = new Date(Date.UTC(2026, 11, 1, 10, i)).toISOString();
      const taken = ['p99-latency'].map((m) => ({
        metric: m,
        phase: 'Successful' as const,
        startedAt: at,
        finishedAt: at,
        value: `[${String(i)}]`,
      }));
      status = parseRunStatus(foldMeasurements({ spec: parsed, status, taken, now: at }));
    }
    const p99 = status.metricResults.find((r) => r.name === 'p99-latency');
    expect(p99?.tally.successful).toBe(4);
    expect(p99?.measurements.map((m) => m.value)).toEqual(['[2]', '[3]']);
  });
});
