// The CEL subset `kulta lint` evaluates, on the forms the CRDs' rules use.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { celFunctions, evaluate } from '../../functions/cli/lint/cel-eval.ts';
import { CelUnsupported, parseCel, type CelNode } from '../../functions/cli/lint/cel-parse.ts';

const run = (rule: string, self: unknown): unknown =>
  evaluate(parseCel(rule), new Map([['self', self]]));

describe('CEL subset', () => {
  it.each<[string, unknown, unknown]>([
    ['false', {}, false],
    ['!self', true, false],
    ['self >= 0 && self <= 100', 150, false],
    ['self >= 0 && self <= 100', 40, true],
    ['self >= -1', -1, true],
    ["type(self) == int ? self >= 0 : self.matches('^[0-9]+(s|m|h)?$')", '30s', true],
    ["type(self) == int ? self >= 0 : self.matches('^[0-9]+(s|m|h)?$')", '5 minutes', false],
    ["type(self) == int ? self >= 0 : self.matches('^[0-9]+(s|m|h)?$')", 30, true],
    ['has(self.a) != has(self.b)', { a: 1 }, true],
    ['!(has(self.a) && has(self.b))', { a: 1, b: 2 }, false],
    ['[has(self.a), has(self.b), has(self.c)].exists_one(set, set)', { b: 1 }, true],
    ['[has(self.a), has(self.b), has(self.c)].exists_one(set, set)', { a: 1, b: 1 }, false],
    ['[has(self.a), has(self.b)].filter(x, x).size() <= 1', { a: 1, b: 1 }, false],
    [
      "self.all(name, name == 'argoproj-labs/gatewayAPI')",
      { 'argoproj-labs/gatewayAPI': {} },
      true,
    ],
    ["'argoproj-labs/gatewayAPI' in self", { other: {} }, false],
    [
      'self.comparisons.exists(c, c.weight > 0.0)',
      { comparisons: [{ weight: 0 }, { weight: 2 }] },
      true,
    ],
    [
      "!has(self.maxSurge) || !(string(self.maxSurge) in ['0', '0%'] && string(self.maxUnavailable) in ['0', '0%'])",
      { maxSurge: 0, maxUnavailable: '0%' },
      false,
    ],
    ["self.startsWith('http://') || self.startsWith('https://')", 'ftp://x', false],
    ["!self.count.matches('^[0-9]+$') || int(self.count) <= 1", { count: '3' }, false],
    [
      'self.m.all(k, k in self.l && self.l[k] == self.m[k])',
      { m: { app: 'a' }, l: { app: 'a', x: 'y' } },
      true,
    ],
    ['size(self.m) > 0', { m: {} }, false],
    // A missing field is an error; a decided || absorbs it, as in CEL.
    ['self.missing == 1 || true', {}, true],
    ['1 + 2 * 3 == 7 && 7 / 2 == 3 && 7 % 4 == 3', null, true],
  ])('%s on %j → %j', (rule, self, expected) => {
    expect(run(rule, self)).toBe(expected);
  });

  it('fails a rule that reads a missing field', () => {
    expect(() => run('self.missing == 1', {})).toThrow('no such key: missing');
  });

  it.each(['self.x.map(', 'self ~ 1', 'self.foo(1)'])('reports %s as not evaluable', (rule) => {
    expect(() => run(rule, { x: [] })).toThrow(CelUnsupported);
  });
});

/** Every x-kubernetes-validations rule in a JSON tree. */
function rulesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(rulesIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'x-kubernetes-validations' && Array.isArray(child)
      ? child.map((r) => (r as { rule: string }).rule)
      : rulesIn(child),
  );
}

/** The functions a parsed rule calls. */
function calledFunctions(node: CelNode): string[] {
  const children = Object.values(node).flatMap((v): unknown[] =>
    Array.isArray(v) ? v.flat() : [v],
  );
  const nested = children
    .filter((c): c is CelNode => typeof c === 'object' && c !== null && 't' in c)
    .flatMap(calledFunctions);
  return node.t === 'call' ? [node.fn, ...nested] : nested;
}

describe('the CRDs in crds/', () => {
  it('use only CEL that kulta lint evaluates', async () => {
    const files = (await readdir('crds')).filter((f) => f.endsWith('.yaml'));
    const texts = await Promise.all(files.map((f) => readFile(`crds/${f}`, 'utf8')));
    const rules = [
      ...new Set(texts.flatMap((t) => parseAllDocuments(t).flatMap((d) => rulesIn(d.toJS())))),
    ];
    expect(rules.length).toBeGreaterThan(50);
    const unreadable = rules.filter((rule) => {
      try {
        return calledFunctions(parseCel(rule)).some((fn) => !celFunctions.has(fn));
      } catch {
        return true;
      }
    });
    expect(unreadable).toEqual([]);
  });
});
