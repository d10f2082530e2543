// Conditions as Argo Rollouts users write them (its analysis docs and expr-lang's language
// definition): braces or not, nil handling, aggregates, membership, strings and ternaries.
import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  parseCondition,
  parseExpression,
} from '../../../functions/core/analysis/expression.ts';
import {
  evaluate,
  evaluateCondition,
  type Value,
} from '../../../functions/core/analysis/expression-eval.ts';

const series = [
  { service: 'checkout', value: 0.2 },
  { service: 'payments', value: 0.7 },
];

describe('conditions as Argo users write them', () => {
  it.each<{ name: string; source: string; result: Value; expected: Value }>([
    // Predicates, with and without braces (Argo's docs write both).
    { name: 'all, no braces', source: 'all(result, # < 1000)', result: [1, 999], expected: true },
    { name: 'all, braces', source: 'all(result, {# < 1000})', result: [1, 1000], expected: false },
    { name: 'any, no braces', source: 'any(result, # > 2)', result: [1, 3], expected: true },
    { name: 'none', source: 'none(result, # > 2)', result: [1, 2], expected: true },
    { name: 'one', source: 'one(result, # > 1)', result: [1, 2, 3], expected: false },
    { name: 'filter', source: 'filter(result, # > 1)', result: [1, 2, 3], expected: [2, 3] },
    { name: 'map', source: 'map(result, # * 100)', result: [0.5, 1], expected: [50, 100] },
    { name: 'count', source: 'count(result, # >= 0.99)', result: [0.99, 1, 0.5], expected: 2 },
    { name: 'find', source: 'find(result, # > 1)', result: [1, 5, 7], expected: 5 },
    { name: 'find none is nil', source: 'find(result, # > 9)', result: [1], expected: null },
    {
      name: '.field is #.field in a predicate',
      source: 'all(result, .value < 1)',
      result: series,
      expected: true,
    },
    {
      name: 'CloudWatch-style nested field',
      source: 'all(result[0].Values, {# <= 0.01})',
      result: [{ Values: [0.001, 0.01] }],
      expected: true,
    },
    {
      name: 'len and filter together',
      source: 'len(filter(result, # > 0.5)) == 0',
      result: [0.1, 0.2],
      expected: true,
    },
    // nil and missing values.
    { name: 'default of nil', source: 'default(result, 0) < 5', result: null, expected: true },
    { name: 'default of a value', source: 'default(result, 0)', result: 7, expected: 7 },
    {
      name: 'default of an empty vector element',
      source: 'default(result[0], 0) <= 0.05',
      result: [],
      expected: true,
    },
    { name: '?? on a missing field', source: 'result.p99 ?? 0', result: {}, expected: 0 },
    { name: 'isNil of nil', source: 'isNil(result)', result: null, expected: true },
    { name: 'isNil of a value', source: 'isNil(result)', result: 0, expected: false },
    { name: 'isNil of a missing element', source: 'isNil(result[0])', result: [], expected: true },
    { name: 'nil equals nil', source: 'result == nil', result: null, expected: true },
    { name: 'a number is not nil', source: 'result != nil', result: 0, expected: true },
    // Numbers.
    { name: 'max of an array', source: 'max(result) < 1000', result: [3, 999], expected: true },
    { name: 'max of numbers', source: 'max(result[0], 2, 9)', result: [5], expected: 9 },
    { name: 'min of an array', source: 'min(result)', result: [3, -1, 2], expected: -1 },
    { name: 'sum', source: 'sum(result)', result: [1, 2, 3], expected: 6 },
    { name: 'mean', source: 'mean(result)', result: [1, 2, 3, 6], expected: 3 },
    { name: 'median, even count', source: 'median(result)', result: [4, 1, 3, 2], expected: 2.5 },
    { name: 'abs', source: 'abs(result) < 0.1', result: -0.05, expected: true },
    { name: 'ceil', source: 'ceil(result)', result: 1.2, expected: 2 },
    { name: 'floor', source: 'floor(result)', result: 1.8, expected: 1 },
    { name: 'round half away from zero', source: 'round(result)', result: -2.5, expected: -3 },
    { name: 'int truncates', source: 'int(result)', result: 2.9, expected: 2 },
    { name: 'int of a string', source: "int('42') == 42", result: 0, expected: true },
    { name: 'float of a string', source: 'float(result) > 0.5', result: '0.75', expected: true },
    { name: 'asFloat (Argo)', source: 'asFloat(result) >= 0.95', result: '0.96', expected: true },
    { name: 'asInt (Argo)', source: 'asInt(result) == 3', result: '3', expected: true },
    { name: 'isNaN', source: 'isNaN(result) || result >= 0.95', result: NaN, expected: true },
    { name: 'isInf', source: 'isInf(result)', result: Infinity, expected: true },
    { name: 'power', source: '2 ** 10', result: 0, expected: 1024 },
    { name: 'caret power, right-assoc', source: '2 ^ 3 ^ 2', result: 0, expected: 512 },
    { name: 'digit separators', source: 'result < 1_000_000', result: 5, expected: true },
    // Membership.
    { name: 'in an array literal', source: 'result in [200, 204]', result: 204, expected: true },
    { name: 'not in', source: 'result not in [500, 503]', result: 200, expected: true },
    { name: 'field in an object', source: "'ok' in result", result: { ok: true }, expected: true },
    // Strings.
    { name: 'string equality', source: "result == 'true'", result: 'true', expected: true },
    { name: 'string order', source: "result >= 'v1.10'", result: 'v1.9', expected: true },
    { name: 'contains', source: "result contains 'ok'", result: 'all ok', expected: true },
    { name: 'startsWith', source: "result startsWith 'v2'", result: 'v2.1', expected: true },
    { name: 'endsWith', source: "result endsWith '-rc'", result: 'v2-rc', expected: true },
    { name: 'lower', source: "lower(result) == 'healthy'", result: 'Healthy', expected: true },
    { name: 'upper', source: 'upper(result)', result: 'ok', expected: 'OK' },
    { name: 'trim', source: "trim(result) == 'x'", result: ' x\n', expected: true },
    { name: 'string of a number', source: 'string(result)', result: 0.5, expected: '0.5' },
    { name: 'raw string', source: 'result == `a\\b`', result: 'a\\b', expected: true },
    // Web-provider objects, ternaries, first/last.
    {
      name: 'web provider object',
      source: 'result.ok && result.successPercent >= 0.90',
      result: { ok: true, successPercent: 0.95 },
      expected: true,
    },
    {
      name: 'ternary',
      source: 'len(result) > 0 ? result[0] < 1 : false',
      result: [],
      expected: false,
    },
    {
      name: 'nested ternary',
      source: 'result > 1 ? 1 : result < 0 ? -1 : 0',
      result: -5,
      expected: -1,
    },
    { name: 'first', source: 'first(result)', result: [4, 5], expected: 4 },
    { name: 'last', source: 'last(result)', result: [4, 5], expected: 5 },
    { name: 'first of empty is nil', source: 'first(result) ?? 0', result: [], expected: 0 },
  ])('$name: $source', ({ source, result, expected }) => {
    expect(evaluate(parseExpression(source), { result })).toStrictEqual(expected);
  });
});

describe('errors name the position', () => {
  it.each<{ name: string; source: string; result: Value; message: RegExp }>([
    {
      name: 'max of an empty array',
      source: 'max(result) < 1',
      result: [],
      message: /max\(\) of an empty array has no value at column 1/,
    },
    {
      name: 'in on a number',
      source: 'result in 5',
      result: 1,
      message: /"in" needs an array .* at column 8/,
    },
    {
      name: 'ternary on a number',
      source: 'result ? 1 : 2',
      result: 1,
      message: /"\?" needs a boolean condition, got number 1 at column 8/,
    },
    {
      name: 'contains on numbers',
      source: 'result contains 1',
      result: 12,
      message: /"contains" needs two strings, got number 12 and number 1 at column 8/,
    },
    {
      name: 'filter predicate not boolean',
      source: 'filter(result, # + 1)',
      result: [1],
      message: /predicate of filter\(\) must give a boolean, got number 2 at column 18/,
    },
    {
      name: 'an index out of range outside default() still fails',
      source: 'result[0] < 1',
      result: [],
      message: /index 0 is out of range for an array of length 0 at column 7/,
    },
    {
      name: 'lower of a number',
      source: "lower(result) == 'a'",
      result: 1,
      message: /lower\(\) needs a string, got number 1 at column 1/,
    },
  ])('$name', ({ source, result, message }) => {
    expect(() => evaluateCondition(source, { result })).toThrow(message);
  });
});

describe('parse errors of the added syntax name the column', () => {
  it.each<{ name: string; source: string; column: number; message: RegExp }>([
    {
      name: 'matches is refused, not ignored',
      source: "result matches '^a'",
      column: 8,
      message: /"matches" at column 8: KULTA does not evaluate regular expressions/,
    },
    {
      name: 'ternary without else',
      source: 'result > 1 ? true',
      column: 18,
      message: /expected ":" after the "\?" at column 12/,
    },
    {
      name: 'not without in',
      source: 'result not 1',
      column: 12,
      message: /expected "in" after "not" at column 12/,
    },
    {
      name: 'too few arguments to max',
      source: 'max()',
      column: 1,
      message: /max\(\) at column 1 takes 1 or more argument\(s\), got 0/,
    },
    {
      name: '.field outside a predicate',
      source: '.value > 1',
      column: 1,
      message: /"\." at column 1 is only allowed inside a predicate/,
    },
    {
      name: 'digit separator at the end',
      source: '1_ > 0',
      column: 1,
      message: /malformed number "1_"/,
    },
    {
      name: '# outside a predicate',
      source: '# > 1',
      column: 1,
      message: /"#" at column 1 is only allowed inside a predicate/,
    },
  ])('$name: $source', ({ name, source, column, message }) => {
    let caught: unknown;
    try {
      parseExpression(source);
    } catch (error) {
      caught = error;
    }
    expect(caught, name).toBeInstanceOf(ExpressionError);
    expect((caught as ExpressionError).message).toMatch(message);
    expect((caught as ExpressionError).column).toBe(column);
  });
});

describe('parseCondition refuses names a metric never has', () => {
  it.each<{ source: string; message: RegExp }>([
    {
      source: 'results[0] < 1',
      message:
        /unknown name "results" at column 1 \(available: result\); the metric's value is `result`/,
    },
    { source: 'len(result) > 0 && value < 1', message: /unknown name "value" at column 20/ },
    { source: 'all(result, # < limit)', message: /unknown name "limit" at column 17/ },
    { source: 'foo(result)', message: /unknown function "foo" at column 1/ },
  ])('$source', ({ source, message }) => {
    expect(() => parseCondition(source)).toThrow(message);
  });

  it.each(['result[0] < 1', 'all(result, .value < 1)', "default(result, 0) < 5 && 'a' in ['a']"])(
    'accepts %s',
    (source) => {
      expect(() => parseCondition(source)).not.toThrow();
    },
  );
});
