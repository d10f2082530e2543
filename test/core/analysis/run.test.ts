// AnalysisRun progress, pure: which metrics are due, folding measurements, run phase, args, bad specs.
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../functions/core/analysis/args.ts';
import type { MeasurementPhase } from '../../../functions/core/analysis/measurement.ts';
import {
  MEASUREMENT_RETENTION,
  dueMetrics,
  foldMeasurements,
  invalidRunStatus,
  nextMeasurementAt,
  parseAnalysisRun,
  substituteHeaders,
  type Json,
  type TakenMeasurement,
} from '../../../functions/core/analysis/run.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

/** A threshold metric on a Prometheus query, changed by `fields`. */
function metric(name: string, fields: Json = {}): Json {
  return {
    name,
    successCondition: 'result[0] < 0.05',
    provider: { prometheus: { address: 'http://127.0.0.1:9', query: 'errors' } },
    ...fields,
  };
}

function measurements(phases: readonly MeasurementPhase[], lastAt = 0): Json[] {
  return phases.map((phase, i) => ({
    phase,
    startedAt: at(lastAt - (phases.length - 1 - i)),
    finishedAt: at(lastAt - (phases.length - 1 - i)),
  }));
}

const arg = (name: string, value: string): Json => ({ name, value });

function aRun(metrics: Json[], spec: Json = {}, status?: Json): Json {
  return { spec: { metrics, ...spec }, ...(status === undefined ? {} : { status }) };
}

function started(results: Json[] = [], extra: Json = {}): Json {
  return { phase: 'Running', startedAt: T0, metricResults: results, ...extra };
}

function parsed(run: Json) {
  const result = parseAnalysisRun(run);
  if (!result.ok) throw new Error(result.message);
  return result;
}

function due(run: Json, now: string): string[] {
  const { spec, status } = parsed(run);
  return dueMetrics(spec, status, now).map((m) => m.name);
}

const taken = (name: string, phase: MeasurementPhase, seconds: number, message?: string) =>
  ({
    metric: name,
    phase,
    startedAt: at(seconds),
    finishedAt: at(seconds),
    query: 'errors',
    ...(message === undefined ? {} : { message }),
  }) satisfies TakenMeasurement;

function fold(run: Json, measured: TakenMeasurement[], now: string) {
  const { spec, status } = parsed(run);
  return foldMeasurements({ spec, status, taken: measured, now });
}

describe('which metrics are due', () => {
  it.each([
    { name: 'a new run measures at once', m: {}, results: undefined, now: 0, due: true },
    {
      name: 'initialDelay not over',
      m: { initialDelay: '30s' },
      results: [],
      now: 29,
      due: false,
    },
    { name: 'initialDelay over', m: { initialDelay: '30s' }, results: [], now: 30, due: true },
    {
      name: 'interval not over since the last',
      m: { interval: '1m', count: 3 },
      results: measurements(['Successful'], 10),
      now: 69,
      due: false,
    },
    {
      name: 'interval over since the last',
      m: { interval: '1m', count: 3 },
      results: measurements(['Successful'], 10),
      now: 70,
      due: true,
    },
    {
      name: 'count reached',
      m: { interval: '1m', count: 2 },
      results: measurements(['Successful', 'Successful'], 60),
      now: 600,
      due: false,
    },
    {
      name: 'an error does not count toward count: retried after Argo’s 10 s',
      m: {},
      results: measurements(['Error'], 100),
      now: 110,
      due: true,
    },
    {
      name: 'no retry before 10 s',
      m: {},
      results: measurements(['Error'], 100),
      now: 109,
      due: false,
    },
    {
      name: 'interval from an argument',
      m: { interval: '{{args.every}}', count: '{{args.n}}' },
      results: measurements(['Successful'], 0),
      now: 20,
      due: true,
    },
  ])('$name', ({ m, results, now, due: expected }) => {
    const status =
      results === undefined ? undefined : started([{ name: 'e', measurements: results }]);
    const run = aRun([metric('e', m)], { args: [arg('every', '20s'), arg('n', '5')] }, status);
    expect(due(run, at(now))).toEqual(expected ? ['e'] : []);
  });

  it.each([
    { name: 'terminated', spec: { terminate: true }, status: started() },
    { name: 'finished', spec: {}, status: started([], { phase: 'Failed' }) },
  ])('nothing is due when the run is $name', ({ spec, status }) => {
    expect(due(aRun([metric('e')], spec, status), at(1000))).toEqual([]);
  });

  it('tells when the next measurement is due', () => {
    const { spec, status } = parsed(
      aRun(
        [
          metric('slow', { interval: '5m', count: 3 }),
          metric('fast', { interval: '1m', count: 3 }),
        ],
        {},
        started([
          { name: 'slow', measurements: measurements(['Successful'], 0) },
          { name: 'fast', measurements: measurements(['Successful'], 0) },
        ]),
      ),
    );
    expect(nextMeasurementAt(spec, status, at(1))).toBe(at(60));
  });
});

describe('folding measurements into status', () => {
  it('sets startedAt on the first pass and counts as Argo does', () => {
    const run = aRun([metric('e', { interval: '1m', count: 3, consecutiveErrorLimit: 2 })]);
    const status = fold(run, [taken('e', 'Error', 0, 'down')], at(0));
    expect(status).toMatchObject({ phase: 'Running', startedAt: at(0) });
    const result = (status.metricResults ?? [])[0];
    expect(result).toMatchObject({
      name: 'e',
      phase: 'Running',
      count: 0,
      error: 1,
      consecutiveError: 1,
      measurements: [{ phase: 'Error', message: 'down', query: 'errors', finishedAt: at(0) }],
    });
    expect(result).not.toHaveProperty('measurements.0.metric');
  });

  it.each([
    { name: 'errors in a row', phases: ['Error', 'Error'], consecutive: 2, count: 0, error: 2 },
    {
      name: 'a success resets consecutive errors',
      phases: ['Error', 'Error', 'Successful'],
      consecutive: 0,
      count: 1,
      error: 2,
    },
    {
      name: 'count excludes errors',
      phases: ['Successful', 'Inconclusive', 'Error'],
      consecutive: 1,
      count: 2,
      error: 1,
    },
  ] as const)('$name', ({ phases, consecutive, count, error }) => {
    const run = aRun([metric('e', { interval: '1m', inconclusiveLimit: 3, count: 9 })]);
    const status = fold(
      run,
      phases.map((p, i) => taken('e', p, i)),
      at(9),
    );
    expect(status.metricResults?.[0]).toMatchObject({
      count,
      error,
      consecutiveError: consecutive,
    });
  });

  it(`keeps at most ${MEASUREMENT_RETENTION} measurements; the counters keep counting`, () => {
    const old = measurements(Array<MeasurementPhase>(MEASUREMENT_RETENTION).fill('Successful'), 0);
    const run = aRun(
      [metric('e', { interval: '1s' })],
      {},
      started([{ name: 'e', successful: 25, count: 25, measurements: old }]),
    );
    const status = fold(run, [taken('e', 'Failed', 5, 'too many errors')], at(5));
    const result = status.metricResults?.[0] as { measurements: Json[] } & Json;
    expect(result.measurements).toHaveLength(MEASUREMENT_RETENTION);
    expect(result.measurements.at(-1)).toMatchObject({ phase: 'Failed' });
    expect(result).toMatchObject({ successful: 25, failed: 1, count: 26, phase: 'Failed' });
  });

  it('keeps fields it does not know, of the status and of each metric result', () => {
    const run = aRun(
      [metric('e')],
      {},
      started([{ name: 'e', measurements: [], metadata: { a: 'b' } }], { note: 'x' }),
    );
    const status = fold(run, [taken('e', 'Successful', 1)], at(1));
    expect(status).toMatchObject({ note: 'x', metricResults: [{ metadata: { a: 'b' } }] });
  });
});

describe('the run’s phase', () => {
  interface Row {
    name: string;
    metrics: Json[];
    spec?: Json;
    /** metric:phase, in order. */
    measured: string[];
    phase: string;
    message: RegExp;
  }
  it.each<Row>([
    {
      name: 'Failed once failures exceed failureLimit',
      metrics: [metric('e', { interval: '1m', count: 5, failureLimit: 1 })],
      measured: ['e:Failed', 'e:Failed'],
      phase: 'Failed',
      message: /metric e: Failed \(failed \(2\) > failureLimit \(1\)\)/,
    },
    {
      name: 'still Running within failureLimit',
      metrics: [metric('e', { interval: '1m', count: 5, failureLimit: 1 })],
      measured: ['e:Failed'],
      phase: 'Running',
      message: /waiting for e/,
    },
    {
      name: 'Error after more errors in a row than consecutiveErrorLimit',
      metrics: [metric('e', { consecutiveErrorLimit: 1 })],
      measured: ['e:Error', 'e:Error'],
      phase: 'Error',
      message: /consecutive errors \(2\) > consecutiveErrorLimit \(1\)/,
    },
    {
      name: 'Inconclusive beyond inconclusiveLimit',
      metrics: [metric('e')],
      measured: ['e:Inconclusive'],
      phase: 'Inconclusive',
      message: /inconclusive \(1\) > inconclusiveLimit \(0\)/,
    },
    {
      name: 'Successful once count is reached',
      metrics: [metric('e', { interval: '1m', count: 2 })],
      measured: ['e:Successful', 'e:Successful'],
      phase: 'Successful',
      message: /every metric succeeded/,
    },
    {
      name: 'a failing dry-run metric does not fail the run',
      metrics: [metric('e'), metric('dry')],
      spec: { dryRun: [{ metricName: 'dry' }] },
      measured: ['e:Successful', 'dry:Failed'],
      phase: 'Successful',
      message: /dry-run metric dry: Failed/,
    },
    {
      name: 'terminate ends an open-ended metric Successful with no more measurements',
      metrics: [metric('e', { interval: '1m' })],
      spec: { terminate: true },
      measured: [],
      phase: 'Successful',
      message: /every metric succeeded/,
    },
    {
      name: 'terminate keeps a failure',
      metrics: [metric('e', { interval: '1m' })],
      spec: { terminate: true },
      measured: ['e:Failed'],
      phase: 'Failed',
      message: /metric e: Failed/,
    },
  ])('$name', ({ metrics, spec, measured, phase, message }) => {
    const status = fold(
      aRun(metrics, spec),
      measured.map((m, i) => {
        const [name = '', p] = m.split(':');
        return taken(name, p as MeasurementPhase, i);
      }),
      at(60),
    );
    expect(status.phase).toBe(phase);
    expect(status.message).toMatch(message);
    expect(status.completedAt).toBe(['Running', 'Pending'].includes(phase) ? undefined : at(60));
  });

  it('counts metrics by phase, dry-run ones apart', () => {
    const status = fold(
      aRun([metric('a'), metric('b'), metric('dry')], { dryRun: [{ metricName: 'dry' }] }),
      [taken('a', 'Successful', 0), taken('dry', 'Failed', 0)],
      at(0),
    );
    expect(status.runSummary).toEqual({
      count: 2,
      successful: 1,
      failed: 0,
      inconclusive: 0,
      error: 0,
    });
    expect(status.dryRunSummary).toMatchObject({ count: 1, failed: 1 });
  });
});

describe('arguments', () => {
  it.each(['Bearer abc', 'a\tb'])('substitutes header value %j verbatim', (t) => {
    expect(substituteHeaders([{ key: 'X', value: '{{args.t}}' }], { t })).toEqual({ X: t });
  });

  it.each([
    { name: 'a CRLF header injection', value: 'x\r\nX-Admin: 1' },
    { name: 'a bare line feed', value: 'x\nEvil: 1' },
    { name: 'a NUL byte', value: 'x\u0000' },
    { name: 'a missing argument', value: undefined },
  ])('refuses $name in a header', ({ value }) => {
    expect(() =>
      substituteHeaders([{ key: 'Authorization', value: 'Bearer {{args.t}}' }], { t: value }),
    ).toThrow(ArgumentError);
  });

  it.each([
    { name: 'count', field: { count: '{{args.v}}' }, value: '3 || 1', error: /count: must be/ },
    { name: 'interval', field: { interval: '{{args.v}}' }, value: '1m; x', error: /interval/ },
    { name: 'failureLimit', field: { failureLimit: '{{args.v}}' }, value: '-1', error: /≥ 0/ },
  ])('an argument that is not a $name is refused', ({ field, value, error }) => {
    const run = aRun([metric('e', { interval: '1m', ...field })], { args: [arg('v', value)] });
    const result = parseAnalysisRun(run);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(error);
  });

  it('a Secret argument cannot set the schedule', () => {
    const secretArg = { name: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } };
    const result = parseAnalysisRun(
      aRun([metric('e', { interval: '{{args.v}}' })], { args: [secretArg] }),
    );
    expect(!result.ok && result.message).toMatch(
      /spec.metrics\[0\].interval: uses \{\{args.v\}\}, which has no value \(a Secret argument/,
    );
  });

  it('resolves the address from an argument', () => {
    const m = metric('e', { provider: { prometheus: { address: '{{args.a}}', query: 'q' } } });
    const { spec } = parsed(aRun([m], { args: [arg('a', 'http://127.0.0.1:1')] }));
    expect(spec.metrics[0]?.provider).toMatchObject({
      kind: 'prometheus',
      prometheus: { address: 'http://127.0.0.1:1' },
    });
  });
});

describe('invalid runs end in Error with a message naming the field', () => {
  it.each([
    { name: 'no spec', run: {}, error: /spec: must be an object/ },
    { name: 'no metrics', run: { spec: { metrics: [] } }, error: /spec.metrics: needs one/ },
    {
      name: 'no provider',
      run: aRun([{ name: 'e', successCondition: 'true' }]),
      error: /spec.metrics\[0\].provider: must be an object/,
    },
    {
      name: 'a threshold metric without query',
      run: aRun([metric('e', { provider: { prometheus: {} } })]),
      error: /spec.metrics\[0\].provider.prometheus.query: is required/,
    },
    {
      name: 'a bad interval',
      run: aRun([metric('e', { interval: 'soon' })]),
      error: /spec.metrics\[0\].interval: invalid duration/,
    },
    {
      name: 'an argument without value',
      run: aRun([metric('e')], { args: [{ name: 'x' }] }),
      error: /spec.args\[0\]: argument "x" has no value/,
    },
    {
      name: 'an unresolved fieldRef',
      run: aRun([metric('e')], {
        args: [{ name: 'x', valueFrom: { fieldRef: { fieldPath: 'a' } } }],
      }),
      error: /spec.args\[0\].valueFrom: .*resolved/,
    },
    {
      name: 'a duplicate metric',
      run: aRun([metric('e'), metric('e')]),
      error: /metric "e" appears twice/,
    },
    {
      name: 'a measurement still running in status',
      run: aRun([metric('e')], {}, started([{ name: 'e', measurements: [{ phase: 'Running' }] }])),
      error: /status.metricResults\[0\].measurements\[0\].phase/,
    },
  ])('$name', ({ run, error }) => {
    const result = parseAnalysisRun(run);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(error);
    const status = invalidRunStatus(result.status, result.message, at(3));
    expect(status).toMatchObject({ phase: 'Error', message: result.message, completedAt: at(3) });
  });
});
