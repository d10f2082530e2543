// Metric and run verdicts with Argo's limits, dry-run, durations and the next measurement time.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../functions/core/duration.ts';
import type { MeasurementPhase } from '../../../functions/core/analysis/measurement.ts';
import {
  assessMetric,
  assessRun,
  nextMeasurementDue,
  tallyMeasurements,
  type MeasurementRecord,
  type MetricOutcome,
  type MetricPolicy,
} from '../../../functions/core/analysis/verdict.ts';

const CODE: Readonly<Record<string, MeasurementPhase>> = {
  S: 'Successful',
  F: 'Failed',
  I: 'Inconclusive',
  E: 'Error',
};

/** "SSFE" → measurements finished one minute apart from 12:00. */
function measured(phases: string): MeasurementRecord[] {
  return [...phases].map((code, i) => ({
    phase: CODE[code] ?? 'Error',
    finishedAt: new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString(),
  }));
}

describe('metric verdicts (Argo assessMetricStatus)', () => {
  it.each<{
    name: string;
    policy: MetricPolicy;
    phases: string;
    terminating?: boolean;
    phase: string;
  }>([
    { name: 'nothing measured yet', policy: { count: 3 }, phases: '', phase: 'Pending' },
    {
      name: 'terminated before measuring',
      policy: { count: 3 },
      phases: '',
      terminating: true,
      phase: 'Successful',
    },
    {
      name: 'one-shot (no interval, no count) succeeds after one',
      policy: {},
      phases: 'S',
      phase: 'Successful',
    },
    {
      name: 'count not reached',
      policy: { count: 3, interval: '1m' },
      phases: 'SS',
      phase: 'Running',
    },
    {
      name: 'count reached',
      policy: { count: 3, interval: '1m' },
      phases: 'SSS',
      phase: 'Successful',
    },
    {
      name: 'default failureLimit 0: one failure fails',
      policy: { count: 3 },
      phases: 'SF',
      phase: 'Failed',
    },
    {
      name: 'failures within failureLimit',
      policy: { count: 3, failureLimit: 1 },
      phases: 'SFS',
      phase: 'Successful',
    },
    {
      name: 'failures over failureLimit',
      policy: { count: 5, failureLimit: 1 },
      phases: 'FSF',
      phase: 'Failed',
    },
    {
      name: 'negative failureLimit: no limit',
      policy: { count: 3, failureLimit: -1 },
      phases: 'FFF',
      phase: 'Successful',
    },
    {
      name: 'default inconclusiveLimit 0',
      policy: { count: 3 },
      phases: 'I',
      phase: 'Inconclusive',
    },
    {
      name: 'inconclusive within the limit',
      policy: { count: 2, inconclusiveLimit: 1 },
      phases: 'IS',
      phase: 'Successful',
    },
    {
      name: 'failed is checked before inconclusive',
      policy: { count: 3 },
      phases: 'IF',
      phase: 'Failed',
    },
    {
      name: '4 consecutive errors are within the default limit',
      policy: { count: 3 },
      phases: 'EEEE',
      phase: 'Running',
    },
    {
      name: '5 consecutive errors exceed the default limit 4',
      policy: { count: 3 },
      phases: 'EEEEE',
      phase: 'Error',
    },
    {
      name: 'a success resets consecutive errors',
      policy: { count: 9 },
      phases: 'EEEESEEEE',
      phase: 'Running',
    },
    {
      name: 'consecutiveErrorLimit 0',
      policy: { count: 3, consecutiveErrorLimit: 0 },
      phases: 'E',
      phase: 'Error',
    },
    {
      name: 'errors do not count toward count',
      policy: { count: 2 },
      phases: 'SEE',
      phase: 'Running',
    },
    {
      name: 'unbounded metric runs on',
      policy: { interval: '1m' },
      phases: 'SSSS',
      phase: 'Running',
    },
    {
      name: 'unbounded metric ends Successful when terminated',
      policy: { interval: '1m' },
      phases: 'SS',
      terminating: true,
      phase: 'Successful',
    },
  ])('$name', ({ policy, phases, terminating, phase }) => {
    expect(assessMetric(policy, measured(phases), terminating).phase).toBe(phase);
  });

  it('explains the verdict and counts like Argo', () => {
    const verdict = assessMetric({ count: 5, failureLimit: 1 }, measured('SFIFE'));
    expect(verdict.reason).toBe('failed (2) > failureLimit (1)');
    expect(verdict.tally).toEqual({
      count: 4,
      successful: 1,
      failed: 2,
      inconclusive: 1,
      error: 1,
      consecutiveErrors: 1,
    });
    expect(tallyMeasurements(measured('ESEE')).consecutiveErrors).toBe(2);
  });
});

describe('run verdicts', () => {
  const m = (name: string, phase: MetricOutcome['phase'], dryRun = false): MetricOutcome => ({
    name,
    phase,
    dryRun,
  });

  it.each<{ name: string; metrics: MetricOutcome[]; phase: string }>([
    {
      name: 'all successful',
      metrics: [m('a', 'Successful'), m('b', 'Successful')],
      phase: 'Successful',
    },
    {
      name: 'one still running',
      metrics: [m('a', 'Successful'), m('b', 'Running')],
      phase: 'Running',
    },
    { name: 'one pending', metrics: [m('a', 'Pending')], phase: 'Running' },
    {
      name: 'a failure decides at once',
      metrics: [m('a', 'Failed'), m('b', 'Running')],
      phase: 'Failed',
    },
    {
      name: 'an error decides at once',
      metrics: [m('a', 'Error'), m('b', 'Running')],
      phase: 'Error',
    },
    { name: 'failed beats error', metrics: [m('a', 'Error'), m('b', 'Failed')], phase: 'Failed' },
    {
      name: 'error beats inconclusive',
      metrics: [m('a', 'Inconclusive'), m('b', 'Error')],
      phase: 'Error',
    },
    {
      name: 'inconclusive pauses',
      metrics: [m('a', 'Inconclusive'), m('b', 'Successful')],
      phase: 'Inconclusive',
    },
    {
      name: 'dry-run failure does not act',
      metrics: [m('a', 'Failed', true), m('b', 'Successful')],
      phase: 'Successful',
    },
    {
      name: 'dry-run metric is still awaited',
      metrics: [m('a', 'Running', true), m('b', 'Successful')],
      phase: 'Running',
    },
    { name: 'only dry-run metrics', metrics: [m('a', 'Error', true)], phase: 'Successful' },
  ])('$name', ({ metrics, phase }) => {
    expect(assessRun(metrics).phase).toBe(phase);
  });

  it('reports dry-run results separately, by phase', () => {
    const verdict = assessRun([
      m('latency', 'Failed', true),
      m('errors', 'Successful', true),
      m('x', 'Failed'),
    ]);
    expect(verdict).toEqual({
      phase: 'Failed',
      message: 'metric x: Failed',
      dryRun: { Failed: ['latency'], Successful: ['errors'] },
    });
  });
});

describe('durations', () => {
  it.each<{ input: string | number; ms: number }>([
    { input: 30, ms: 30_000 },
    { input: '30', ms: 30_000 },
    { input: '30s', ms: 30_000 },
    { input: '5m', ms: 300_000 },
    { input: '1h', ms: 3_600_000 },
    { input: '1h30m', ms: 5_400_000 },
    { input: '1.5h', ms: 5_400_000 },
    { input: '250ms', ms: 250 },
    { input: '1m0.5s', ms: 60_500 },
    { input: '0', ms: 0 },
  ])('$input', ({ input, ms }) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each<{ input: string | number; message: RegExp }>([
    { input: '', message: /invalid duration "": use whole seconds like 30/ },
    { input: '5x', message: /unknown unit "x"/ },
    { input: '5 m', message: /invalid duration "5 m" at "5 m"/ },
    { input: '1d', message: /unknown unit "d"; use whole seconds/ },
    { input: 'm', message: /invalid duration "m" at "m"/ },
    { input: -5, message: /invalid duration -5/ },
    { input: 1.5, message: /invalid duration 1.5/ },
    { input: '-5s', message: /invalid duration "-5s"/ },
  ])('refuses $input', ({ input, message }) => {
    expect(() => parseDuration(input)).toThrow(message);
  });
});

describe('when the next measurement is due', () => {
  const startedAt = '2026-01-01T12:00:00Z';

  it.each<{ name: string; policy: MetricPolicy; phases: string; due: string | undefined }>([
    {
      name: 'first: right away',
      policy: { interval: '1m', count: 3 },
      phases: '',
      due: '2026-01-01T12:00:00.000Z',
    },
    {
      name: 'first: after initialDelay',
      policy: { interval: '1m', initialDelay: '30s' },
      phases: '',
      due: '2026-01-01T12:00:30.000Z',
    },
    {
      name: 'next: last finish + interval',
      policy: { interval: '5m', count: 3 },
      phases: 'SS',
      due: '2026-01-01T12:06:00.000Z',
    },
    {
      name: 'none once count is reached',
      policy: { interval: '1m', count: 2 },
      phases: 'SS',
      due: undefined,
    },
    { name: 'none once failed', policy: { interval: '1m', count: 5 }, phases: 'F', due: undefined },
    { name: 'one-shot done', policy: {}, phases: 'S', due: undefined },
    {
      name: 'one-shot retries an error after 10 s',
      policy: {},
      phases: 'E',
      due: '2026-01-01T12:00:10.000Z',
    },
  ])('$name', ({ policy, phases, due }) => {
    const next = nextMeasurementDue({ policy, startedAt, measurements: measured(phases) });
    expect(next?.toISOString()).toBe(due);
  });

  it('names a bad time or duration', () => {
    expect(() =>
      nextMeasurementDue({ policy: { interval: '1m' }, startedAt: 'yesterday', measurements: [] }),
    ).toThrow(/startedAt is not an RFC 3339 time/);
    expect(() =>
      nextMeasurementDue({ policy: { interval: '1w' }, startedAt, measurements: measured('S') }),
    ).toThrow(/unknown unit "w"/);
  });
});
