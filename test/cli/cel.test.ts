// The CRDs' CEL as `kulta lint` runs it (@bufbuild/cel on schema-typed values): every rule and
// messageExpression in crds/ compiles, and rules decide as the apiserver does.
import { readdir, readFile } from 'node:fs/promises';
import { isCelError } from '@bufbuild/cel';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CelUnsupported, celValue, compileCel } from '../../functions/cli/lint/cel.ts';

type Schema = Readonly<Record<string, unknown>>;

interface CrdRule {
  readonly rule: string;
  readonly messageExpression?: string;
}

/** Every x-kubernetes-validations rule in a JSON tree. */
function rulesIn(value: unknown): CrdRule[] {
  if (Array.isArray(value)) return value.flatMap(rulesIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'x-kubernetes-validations' && Array.isArray(child)
      ? (child as CrdRule[])
      : rulesIn(child),
  );
}

let crdRules: CrdRule[];

beforeAll(async () => {
  const files = (await readdir('crds')).filter((f) => f.endsWith('.yaml'));
  const texts = await Promise.all(files.map((f) => readFile(`crds/${f}`, 'utf8')));
  crdRules = texts.flatMap((t) => parseAllDocuments(t).flatMap((d) => rulesIn(d.toJS())));
});

/** A named rule of crds/, `self` typed by a schema, and whether the rule holds. */
type Row = [name: string, rule: string, self: unknown, schema: Schema | undefined, holds: boolean];

const run = (expression: string, self: unknown, schema?: Schema): unknown =>
  compileCel(expression)(celValue(self, schema));

const integer: Schema = { type: 'integer' };
const number: Schema = { type: 'number' };
const intOrString: Schema = { 'x-kubernetes-int-or-string': true };
const metric: Schema = {
  type: 'object',
  properties: { count: intOrString, failureLimit: intOrString, name: { type: 'string' } },
};

describe('the CRDs in crds/', () => {
  it('use only CEL that kulta lint compiles: every rule and messageExpression', () => {
    const expressions = [
      ...new Set(crdRules.flatMap((r) => [r.rule, r.messageExpression ?? 'true'])),
    ];
    expect(expressions.length).toBeGreaterThan(50);
    const unreadable = expressions.filter((expression) => {
      try {
        compileCel(expression);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable).toEqual([]);
  });

  it.each<Row>([
    ['a percentage', 'self >= 0 && self <= 100', 150, integer, false],
    ['a percentage', 'self >= 0 && self <= 100', 40, integer, true],
    ['a fraction (number: a double)', 'self > 0.0 && self <= 1.0', 1, number, true],
    ['a fraction (number: a double)', 'self > 0.0 && self <= 1.0', 0, number, false],
    ...(['30s', 30, '5m', '1h30m', '1.5h', '500ms'] as const).map((d): Row => [
      'a pause duration (int-or-string)',
      "type(self) == int ? self >= 0 : self.matches('^([0-9]+|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')",
      d,
      intOrString,
      true,
    ]),
    [
      'a pause duration (int-or-string)',
      "type(self) == int ? self >= 0 : self.matches('^([0-9]+|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')",
      '5 minutes',
      intOrString,
      false,
    ],
    [
      'a pause duration (int-or-string)',
      "type(self) == int ? self >= 0 : self.matches('^([0-9]+|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')",
      -5,
      intOrString,
      false,
    ],
    [
      'a failureLimit below count',
      '!has(self.count) || type(self.count) != int || self.count < 1 || !has(self.failureLimit) || type(self.failureLimit) != int || self.failureLimit < self.count',
      { name: 'm', count: 3, failureLimit: 3 },
      metric,
      false,
    ],
    [
      'a failureLimit below count',
      '!has(self.count) || type(self.count) != int || self.count < 1 || !has(self.failureLimit) || type(self.failureLimit) != int || self.failureLimit < self.count',
      { name: 'm', count: 3, failureLimit: 2 },
      metric,
      true,
    ],
    [
      'an interval for several measurements',
      "has(self.interval) || !has(self.count) || (type(self.count) == int ? self.count <= 1 : !self.count.matches('^[0-9]+$') || int(self.count) <= 1)",
      { name: 'm', count: '3' },
      metric,
      false,
    ],
    [
      'an interval for several measurements',
      "has(self.interval) || !has(self.count) || (type(self.count) == int ? self.count <= 1 : !self.count.matches('^[0-9]+$') || int(self.count) <= 1)",
      { name: 'm', count: '{{args.n}}' },
      metric,
      true,
    ],
    [
      'one action per step',
      '[has(self.setWeight), has(self.pause), has(self.setCanaryScale), has(self.analysis), has(self.experiment), has(self.plugin), has(self.setHeaderRoute), has(self.setMirrorRoute)] .exists_one(set, set)',
      { setWeight: 20, pause: {} },
      undefined,
      false,
    ],
    [
      'one provider',
      '[has(self.prometheus), has(self.web), has(self.datadog), has(self.newRelic), has(self.wavefront), has(self.kayenta), has(self.job), has(self.cloudWatch), has(self.graphite), has(self.influxdb), has(self.skywalking), has(self.plugin)].filter(set, set).size() <= 1',
      { prometheus: {}, web: {} },
      undefined,
      false,
    ],
    [
      'only the Gateway API plugin (map keys)',
      "self.all(name, name == 'argoproj-labs/gatewayAPI')",
      { 'argoproj-labs/gatewayAPI': {}, other: {} },
      undefined,
      false,
    ],
    [
      'the Gateway API plugin (map in)',
      "'argoproj-labs/gatewayAPI' in self",
      { 'argoproj-labs/gatewayAPI': {} },
      undefined,
      true,
    ],
    [
      'maxSurge and maxUnavailable not both 0 (string() of int-or-string, list in)',
      "!has(self.maxSurge) || !has(self.maxUnavailable) || !(string(self.maxSurge) in ['0', '0%'] && string(self.maxUnavailable) in ['0', '0%'])",
      { maxSurge: 0, maxUnavailable: '0%' },
      { type: 'object', properties: { maxSurge: intOrString, maxUnavailable: intOrString } },
      false,
    ],
    [
      'a comparison with weight (list exists, number field)',
      'self.comparisons.exists(c, c.weight > 0.0)',
      { comparisons: [{ weight: 0 }, { weight: 2 }] },
      {
        type: 'object',
        properties: {
          comparisons: { type: 'array', items: { type: 'object', properties: { weight: number } } },
        },
      },
      true,
    ],
    [
      'a Prometheus URL (startsWith)',
      "self.startsWith('http://') || self.startsWith('https://') || self.matches('^[{][{] *args[.][A-Za-z0-9_.-]+ *[}][}]$')",
      'ftp://prometheus:9090',
      { type: 'string' },
      false,
    ],
    [
      'selector labels in the template (nested has, map index)',
      '!has(self.selector.matchLabels) || self.selector.matchLabels.all(k, has(self.template.metadata) && has(self.template.metadata.labels) && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])',
      {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'x' } } },
      },
      undefined,
      false,
    ],
    ...(['^(.*;\\s*)?canary=always(;.*)?$', '(?i)beta', '\\pL+'] as const).map((regex): Row => [
      'a valid RE2 header regex',
      "type(''.matches(self)) == bool",
      regex,
      { type: 'string' },
      true,
    ]),
    ...(['(?=.*beta)', '(a)\\1', '(abc', '\\p{Nope}'] as const).map((regex): Row => [
      'an invalid RE2 header regex (lookaround, backreference, syntax, class name)',
      "type(''.matches(self)) == bool",
      regex,
      { type: 'string' },
      false,
    ]),
  ])('decides %s: %s on %j', (...row: Row) => {
    const [, rule, self, schema, expected] = row;
    expect(crdRules.map((r) => r.rule)).toContain(rule);
    expect(run(rule, self, schema) === true).toBe(expected);
  });

  it('evaluates messageExpressions to the message the apiserver shows', () => {
    const pause = crdRules.find(
      (r) => r.rule.includes('|ms|s|m|h))+)$') && r.messageExpression?.includes('pause'),
    );
    const message = pause?.messageExpression ?? '';
    expect(run(message, '5 minutes', intOrString)).toMatch(/; got "5 minutes"$/);
    expect(run(message, -5, intOrString)).toMatch(/; got -5$/);
  });
});

describe('compileCel', () => {
  it('types values as the apiserver does: integer → int, number → double', () => {
    expect(run('type(self) == int', 3, integer)).toBe(true);
    expect(run('type(self) == double', 3, number)).toBe(true);
    expect(run('type(self) == int', 3, intOrString)).toBe(true);
    expect(run('type(self) == string', '3', intOrString)).toBe(true);
    expect(run("type(self.a) == int && type(self['b']) == double", { a: 1, b: 1.5 })).toBe(true);
  });

  it('fails a rule that reads a missing field, unless a decided || absorbs it', () => {
    expect(isCelError(run('self.missing == 1', {}))).toBe(true);
    expect(run('self.missing == 1 || true', {})).toBe(true);
  });

  it('counts string sizes in code points, as cel-go', () => {
    expect(run('size(self) == 4', 'café')).toBe(true);
  });

  it.each([
    ['self.x.map(', /^cannot read it: /],
    ['self ~ 1', /^cannot read it: /],
    ['self.lowerAscii() == self', /^function lowerAscii\(\) is not known to kulta lint$/],
    ['isSorted(self)', /^function isSorted\(\) is not known to kulta lint$/],
  ])('reports %s as not evaluable', (expression, message) => {
    expect(() => compileCel(expression)).toThrow(CelUnsupported);
    expect(() => compileCel(expression)).toThrow(message);
  });
});
