// The AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun CRDs on a real apiserver: an Argo
// Rollouts template (only apiVersion changed) is accepted and defaulted, KULTA's judge and
// noDataPolicy are accepted, every bad spec is refused with a message a person understands, and
// AnalysisRun status writes keep the controller's fields.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;
type Metric = Json & { name: string; provider: Json & { prometheus?: Json } };
type Judge = Json & { comparisons: Json[] };
type Template = Json & {
  kind: string;
  metadata: { name: string };
  spec: Json & { metrics: Metric[]; args?: Json[] };
};
type Change = (t: Template) => void;
/** A printer column: name, JSON path, priority (1: wide output only). */
type Column = [string, string, number];
type Plural = 'analysistemplates' | 'clusteranalysistemplates' | 'analysisruns';

const kube = testKube();
const api = { group: 'kulta.io', version: 'v1alpha1' };
const fixture = parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'argo-analysistemplate.yaml'), 'utf8'),
) as Template;
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let counter = 0;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'crd-analysis');
});
afterAll(async () => {
  await ns.remove();
});

/** A fresh copy of the fixture with a unique name, changed by `change`. */
function template(change: Change = () => undefined): Template {
  const copy = structuredClone(fixture);
  counter += 1;
  copy.metadata.name = `${fixture.metadata.name}-${String(counter)}`;
  change(copy);
  return copy;
}

const first = (t: Template): Metric => t.spec.metrics[0] ?? { name: '', provider: {} };
const prometheus = (t: Template): Json => first(t).provider.prometheus ?? {};
/** Sets fields of the first metric. */
const metric =
  (fields: Json): Change =>
  (t) => {
    Object.assign(first(t), fields);
  };
/** Sets fields of the first metric's Prometheus provider. */
const prom =
  (fields: Json): Change =>
  (t) => {
    Object.assign(prometheus(t), fields);
  };
/** Sets fields of the spec. */
const spec =
  (fields: Json): Change =>
  (t) => {
    Object.assign(t.spec, fields);
  };

function create(plural: Plural, body: Json, fieldValidation?: 'Strict' | 'Ignore'): Promise<Json> {
  const request = { ...api, plural, body, fieldValidation };
  return (
    plural === 'clusteranalysistemplates'
      ? kube.custom.createClusterCustomObject(request)
      : kube.custom.createNamespacedCustomObject({ ...request, namespace: ns.name })
  ) as Promise<Json>;
}

/** The apiserver's message refusing `body` (fails the test when it is accepted). */
async function refusal(plural: Plural, body: Template, strict = false): Promise<string> {
  try {
    await create(plural, body, strict ? 'Strict' : 'Ignore');
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    expect(error.code).toBe(strict ? 400 : 422);
    return (JSON.parse(String(error.body)) as { message: string }).message;
  }
  throw new Error(`${body.metadata.name} was accepted but should have been refused`);
}

const hash = (v: string): string => `{rollouts_pod_template_hash="{{args.${v}-hash}}"}`;
/** A judged metric: canary against baseline latency (samples) and error ratio (counts). */
const judgedMetric = {
  name: 'canary-judge',
  interval: '5m',
  count: 3,
  provider: { prometheus: { address: 'http://prometheus.monitoring:9090' } },
  judge: {
    window: '10m',
    step: '30s',
    comparisons: [
      {
        name: 'latency',
        kind: 'mannWhitney',
        canaryQuery: `median_latency${hash('canary')}`,
        baselineQuery: `median_latency${hash('stable')}`,
        minRelativeEffect: 0.1,
        critical: true,
      },
      {
        name: 'errors',
        kind: 'twoProportion',
        canaryQuery: `sum(increase(errors_total${hash('canary')}[10m]))`,
        canaryTotalQuery: `sum(increase(requests_total${hash('canary')}[10m]))`,
        baselineQuery: `sum(increase(errors_total${hash('stable')}[10m]))`,
        baselineTotalQuery: `sum(increase(requests_total${hash('stable')}[10m]))`,
        direction: 'either',
        confidence: 0.99,
        weight: 2,
      },
    ],
  },
};
const retain = (limit: number) => ({ metricName: 'success', limit });
const hashArgs = [
  { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
  { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
];
const judged: Change = (t) => {
  t.spec = { metrics: [structuredClone(judgedMetric)], args: structuredClone(hashArgs) };
};
const judgeOf = (t: Template): Judge => first(t).judge as Judge;
/** A judged template, its judge changed by `change`. */
const judge =
  (change: (j: Judge) => void): Change =>
  (t) => {
    judged(t);
    change(judgeOf(t));
  };
/** A judged template, comparison `i` given `fields`. */
const compare = (i: number, fields: Json): Change =>
  judge((j) => Object.assign(j.comparisons[i] ?? {}, fields));

describe('an AnalysisTemplate that Argo Rollouts would accept', () => {
  it('is accepted and gets Argo defaults for the limits it leaves out', async () => {
    const created = (await create('analysistemplates', template(), 'Strict')) as Template;
    const [successRate, latency] = created.spec.metrics;
    expect(successRate).toMatchObject({
      count: 5,
      failureLimit: 2,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
    });
    expect(latency).toMatchObject({ failureLimit: 0, inconclusiveLimit: 0 });
    expect(latency).not.toHaveProperty('noDataPolicy');
    expect(created.spec.args).toEqual(fixture.spec.args);
    expect(created.spec.dryRun).toEqual([{ metricName: 'p99-latency' }]);
  });

  it('is accepted as a ClusterAnalysisTemplate', async () => {
    const body = template((t) => {
      t.kind = 'ClusterAnalysisTemplate';
      t.metadata.name = `${t.metadata.name}-${ns.name}`;
    });
    const created = (await create('clusteranalysistemplates', body, 'Strict')) as Template;
    try {
      expect(created.spec.metrics.map((m) => m.name)).toEqual(['success-rate', 'p99-latency']);
      expect((created.metadata as Json).namespace).toBeUndefined();
    } finally {
      const request = { ...api, plural: 'clusteranalysistemplates', name: body.metadata.name };
      await kube.custom.deleteClusterCustomObject(request);
    }
  });

  const bearer = { bearerToken: { secretKeyRef: { name: 'prom', key: 'token' } } };
  it.each<[string, Change]>([
    ['arguments from pod-template hashes', spec({ args: hashArgs })],
    ['noDataPolicy pass', metric({ noDataPolicy: 'pass' })],
    ['count and limits as arguments', metric({ count: '{{args.count}}', failureLimit: '1' })],
    ['Go-style durations', metric({ interval: '1m30s', initialDelay: '250ms' })],
    ['a duration in bare seconds', metric({ interval: '90' })],
    ['Go durations with fractions', metric({ interval: '1.5h', initialDelay: '1h30m' })],
    ['Go durations below a second', metric({ interval: '500ms', initialDelay: '2500us' })],
    ['a bearer token from a Secret', prom({ authentication: bearer })],
    ['basic auth from a Secret', prom({ authentication: { basic: { secretRef: { name: 'b' } } } })],
    ['every metric in dry-run', spec({ dryRun: [{ metricName: '*' }] })],
    ['dry-run by pattern, as Argo', spec({ dryRun: [{ metricName: '^p99' }] })],
    ['measurementRetention', spec({ measurementRetention: [retain(25)] })],
    ['insecure: true (no TLS verification)', prom({ insecure: true })],
  ])('accepts %s', async (_name, change) => {
    const body = template(change);
    const created = (await create('analysistemplates', body, 'Strict')) as Template;
    expect(created.spec).toMatchObject(body.spec);
  });

  it('accepts a judged metric and fills in the judge defaults', async () => {
    const created = (await create('analysistemplates', template(judged), 'Strict')) as Template;
    const judgement = judgeOf(created);
    expect(judgement).toMatchObject({
      threshold: { pass: 95, marginal: 75 },
      maxNoDataFraction: 0.5,
    });
    expect(judgement.comparisons[0]).toEqual({
      ...judgedMetric.judge.comparisons[0],
      direction: 'increase',
      confidence: 0.98,
      weight: 1,
      mustHaveData: false,
    });
    expect(judgement.comparisons[1]).toMatchObject({ direction: 'either', confidence: 0.99 });
  });
});

const other = (key: string): Change => metric({ provider: { [key]: { query: 'q' } } });
const both = { name: 'x', value: 'a', valueFrom: { podTemplateHashValue: 'Stable' } };
const twoSources = {
  name: 'x',
  valueFrom: { podTemplateHashValue: 'Stable', fieldRef: { fieldPath: 'metadata.name' } },
};
const twoProviders = { prometheus: { query: 'up' }, graphite: { query: 'up' } };
const zeroWeights = (j: Judge): void => {
  for (const c of j.comparisons) c.weight = 0;
};
/** A judged template, its metric given `fields`. */
const judgedWith =
  (fields: Json): Change =>
  (t) => {
    judged(t);
    Object.assign(first(t), fields);
  };
const durationMessage =
  'must be a Go duration like "30s", "5m", "1h30m", "1.5h" or "250ms" (units ns, us, ms, s, m, h; ' +
  'a bare number is seconds) or one argument like "{{args.interval}}"';

/** Bad templates, each with the text its refusal must contain. */
const badSpecs: [string, Change, string][] = [
  ['the datadog provider', other('datadog'), 'the datadog metric provider is not supported'],
  ['the kayenta provider', other('kayenta'), "use the metric's judge"],
  ['a plugin provider', other('plugin'), 'the plugin metric provider is not supported by KULTA'],
  ['two providers', metric({ provider: twoProviders }), 'provider must set exactly one provider'],
  ['no provider', metric({ provider: {} }), 'provider needs prometheus or web'],
  ['a metric without provider', metric({ provider: undefined }), 'needs a provider: prometheus or'],
  ['a duplicate name', metric({ name: 'p99-latency' }), 'Duplicate value: {"name":"p99-latency"}'],
  ...['5 minutes', '1d', '-1s', '1.5', '1h 30m', '1h30'].map(
    (interval): [string, Change, string] => [
      `the interval ${JSON.stringify(interval)}`,
      metric({ interval }),
      `spec.metrics[0].interval: Invalid value: "${interval}": ${durationMessage}`,
    ],
  ),
  ['a zero interval', metric({ interval: '0s' }), 'interval must be longer than 0'],
  ['a bad initialDelay', metric({ initialDelay: '2 min' }), 'initialDelay: Invalid value: "2 min"'],
  ['a negative count', metric({ count: -1 }), 'count must be a whole number of measurements, 1'],
  ['a count of 0', metric({ count: 0 }), 'count: Invalid value: 0: count must be a whole number'],
  ['a count in words', metric({ count: 'five' }), 'count: Invalid value: "five": count must be'],
  ['count 5, no interval', metric({ interval: undefined }), 'needs an interval between them'],
  ['failureLimit -1', metric({ failureLimit: -1 }), 'failureLimit -1 (no limit) needs consecutive'],
  ['failureLimit -2', metric({ failureLimit: -2 }), 'must be a whole number, 0 or more'],
  ['failureLimit = count', metric({ failureLimit: 5 }), 'or the metric could never fail'],
  ['an inconclusiveLimit of -1', metric({ inconclusiveLimit: -1 }), 'a whole number, 0 or more'],
  ['a consecutiveErrorLimit of -1', metric({ consecutiveErrorLimit: -1 }), '0 or more'],
  ['consecutiveSuccessLimit', metric({ consecutiveSuccessLimit: 3 }), 'is not supported yet'],
  [
    'value and valueFrom',
    spec({ args: [both] }),
    'argument "x" must set either value or valueFrom',
  ],
  ['an argument from two sources', spec({ args: [twoSources] }), 'must set exactly one of secret'],
  ['an unknown noDataPolicy', metric({ noDataPolicy: 'ignore' }), 'supported values: "fail", "in'],
  [
    'a metric with neither condition nor judge',
    metric({ successCondition: '' }),
    'metric "success-rate" needs successCondition, failureCondition or judge: without one, every ' +
      'measurement that has data would count as Successful',
  ],
  ['a condition and a judge', judgedWith({ successCondition: 'x' }), 'sets both judge and a cond'],
  ['a metric without query', prom({ query: undefined }), 'needs provider.prometheus.query'],
  ['a judged query', judgedWith({ provider: { prometheus: { query: 'up' } } }), 'is judged: its'],
  ['a judged noDataPolicy', judgedWith({ noDataPolicy: 'pass' }), 'not by noDataPolicy'],
  ['a bad direction', compare(0, { direction: 'up' }), '"increase", "decrease", "either"'],
  ['confidence 1.5', compare(0, { confidence: 1.5 }), 'confidence must be between 0.5 and 0.9999'],
  ['confidence 0.3', compare(1, { confidence: 0.3 }), 'confidence must be between 0.5 and 0.9999'],
  ['an unknown test', compare(0, { kind: 'tTest' }), '"mannWhitney", "twoProportion"'],
  ['twoProportion without totals', compare(1, { canaryTotalQuery: undefined }), 'needs canaryTot'],
  ['minSamples on a twoProportion', compare(1, { minSamples: 20 }), 'are for mannWhitney (use'],
  ['mannWhitney without window', judge((j) => (j.window = undefined)), 'need judge.window and'],
  ['marginal above pass', judge((j) => (j.threshold = { marginal: 99 })), 'cannot be above thres'],
  ['maxNoDataFraction 0', judge((j) => (j.maxNoDataFraction = 0)), 'must be above 0 and at most'],
  ['only zero weights', judge(zeroWeights), 'at least one comparison needs a weight above 0'],
  ['basicAuth', prom({ authentication: { basicAuth: {} } }), 'a password written in the template'],
  ['sigv4', prom({ authentication: { sigv4: {} } }), 'KULTA does not sign requests with AWS'],
  ['a non-http address', prom({ address: 'prom:9090' }), 'must be an http:// or https:// URL'],
  [
    'a retention of 0',
    spec({ measurementRetention: [retain(0)] }),
    'should be greater than or equal to 1',
  ],
  ['composed templates', spec({ templates: [{}] }), 'templates (composing analysis templates) is'],
  ['no metrics', spec({ metrics: [] }), 'spec.metrics in body should have at least 1 items'],
];

describe('a bad AnalysisTemplate is refused for every client, saying why', () => {
  it.each(badSpecs)('refuses %s', async (_name, change, expected) => {
    expect(await refusal('analysistemplates', template(change))).toContain(expected);
  });

  it('refuses an unknown metric field when the client asks for strict field validation', async () => {
    const body = template(metric({ intervall: '1m' }));
    expect(await refusal('analysistemplates', body, true)).toContain(
      'unknown field "spec.metrics[0].intervall"',
    );
  });
});

/** An AnalysisRun made from the fixture as KULTA would: arguments resolved. */
function run(change: Change = () => undefined): Template {
  return template((t) => {
    t.kind = 'AnalysisRun';
    const token = { secretKeyRef: { name: 'prometheus-credentials', key: 'token' } };
    t.spec.args = [
      { name: 'service-name', value: 'storefront' },
      { name: 'namespace', value: 'shop' },
      { name: 'api-token', valueFrom: token },
    ];
    change(t);
  });
}

const at = (s: number): string => `2026-01-02T03:04:${String(s).padStart(2, '0')}Z`;
/** A status as KULTA writes it mid-run: Argo's fields, KULTA's, and some not in the schema. */
const runStatus = {
  phase: 'Running',
  message: 'waiting for success-rate',
  startedAt: at(5),
  runSummary: { count: 2, successful: 0, failed: 0, inconclusive: 0, error: 0 },
  dryRunSummary: { count: 1, successful: 1 },
  metricResults: [
    {
      ...{ name: 'success-rate', phase: 'Running', count: 1, successful: 1, consecutiveError: 0 },
      measurements: [
        { phase: 'Successful', startedAt: at(35), finishedAt: at(36), value: '[0.998]' },
        { phase: 'Error', query: 'sum(up)', message: 'Prometheus did not answer', transient: true },
      ],
    },
    {
      ...{ name: 'canary-judge', phase: 'Running', count: 1, inconclusive: 1 },
      measurements: [
        {
          phase: 'Inconclusive',
          judge: {
            ...{ score: 66.7, verdict: 'Marginal', reason: 'score 66.7; latency High' },
            comparisons: [
              { name: 'latency', classification: 'High', pValue: 0.004, relativeEffect: 0.12 },
              { name: 'errors', classification: 'Pass', pValue: 0.41, samples: { canary: 20 } },
            ],
          },
        },
      ],
    },
  ],
  outbox: [{ id: 'evt-1', type: 'dev.cdevents.testsuiterun.started.0.3.0' }],
};

describe('the AnalysisRun', () => {
  const runs = { ...api, plural: 'analysisruns' };
  async function writeStatus(status: Json): Promise<Json> {
    const created = await create('analysisruns', run(), 'Strict');
    const { name } = created.metadata as { name: string };
    const body = { ...created, status };
    await kube.custom.replaceNamespacedCustomObjectStatus({
      ...runs,
      namespace: ns.name,
      name,
      body,
    });
    return (await kube.custom.getNamespacedCustomObject({
      ...runs,
      namespace: ns.name,
      name,
    })) as Json;
  }

  it('keeps every status field KULTA writes, including ones the schema does not list', async () => {
    expect((await writeStatus(runStatus)).status).toEqual(runStatus);
  });

  it('refuses a wrongly typed status field', async () => {
    await expect(writeStatus({ phase: 'Promoted' })).rejects.toMatchObject({
      code: 422,
      body: expect.stringContaining('status.phase: Unsupported value: \\"Promoted') as unknown,
    });
  });

  const unresolved = { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } };
  it.each<[string, Change, string]>([
    [
      'an argument left without a value',
      (t) => t.spec.args?.push({ name: 'service-port' }),
      'every argument of a run needs a value',
    ],
    [
      'an unresolved pod-template hash',
      (t) => t.spec.args?.push(unresolved),
      "a run's arguments are resolved when it is created",
    ],
    ['a ttlStrategy', spec({ ttlStrategy: { secondsAfterCompletion: 60 } }), 'ttlStrategy is not'],
    ['the job provider', other('job'), 'the job metric provider is not supported by KULTA'],
  ])('refuses %s', async (_name, change, expected) => {
    expect(await refusal('analysisruns', run(change))).toContain(expected);
  });

  it('accepts terminate, as Argo', async () => {
    const created = (await create('analysisruns', run(spec({ terminate: true })))) as Template;
    expect(created.spec.terminate).toBe(true);
  });
});

describe('printer columns and short names', () => {
  const age: Column = ['Age', '.metadata.creationTimestamp', 0];
  const phase: Column = ['Phase', '.status.phase', 0];
  it.each<[string, string, Column[]]>([
    ['analysisruns.kulta.io', 'kar', [phase, ['Message', '.status.message', 1], age]],
    ['analysistemplates.kulta.io', 'kat', [age]],
    ['clusteranalysistemplates.kulta.io', 'kcat', [age]],
  ])('%s has the short name %s and the columns %j', async (name, shortName, columns) => {
    const crd = await kube.apiext.readCustomResourceDefinition({ name });
    expect(crd.spec.names.shortNames).toEqual([shortName]);
    expect(crd.spec.names.categories).toEqual(['kulta', 'progressive-delivery']);
    const shown = (crd.spec.versions[0]?.additionalPrinterColumns ?? []).map((c): Column => [
      c.name,
      c.jsonPath,
      c.priority ?? 0,
    ]);
    expect(shown).toEqual(columns);
  });
});
