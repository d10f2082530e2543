// The condition language: what it accepts and computes, how it reports mistakes, and hostile input.
import { describe, expect, it } from 'vitest';
import {
  EXPRESSION_LIMITS,
  ExpressionError,
  parseExpression,
} from '../../../functions/core/analysis/expression.ts';
import {
  evaluate,
  evaluateCondition,
  formatValue,
  type Environment,
  type Value,
} from '../../../functions/core/analysis/expression-eval.ts';

const series = [
  { service: 'checkout', value: 0.2 },
  { service: 'payments', value: 0.7 },
];

describe('evaluating valid conditions', () => {
  it.each<{ name: string; source: string; result: Value; expected: Value }>([
    { name: 'Argo vector index', source: 'result[0] < 0.05', result: [0.01], expected: true },
    { name: 'scalar', source: 'result >= 0.95', result: 0.95, expected: true },
    { name: 'negative index', source: 'result[-1] == 3', result: [1, 2, 3], expected: true },
    {
      name: 'and/or/not words',
      source: 'not (result[0] > 1 or result[0] < 0) and true',
      result: [0.5],
      expected: true,
    },
    {
      name: 'symbol logic',
      source: '!(result[0] > 1 || result[0] < 0) && false',
      result: [0.5],
      expected: false,
    },
    { name: 'precedence * over +', source: '1 + 2 * 3 == 7', result: 0, expected: true },
    {
      name: 'precedence of comparison over &&',
      source: '1 < 2 && 3 > 2',
      result: 0,
      expected: true,
    },
    { name: 'left-assoc minus', source: '10 - 4 - 3', result: 0, expected: 3 },
    { name: 'modulo', source: '7 % 3', result: 0, expected: 1 },
    { name: 'division by zero is +Inf', source: 'isInf(1 / result)', result: 0, expected: true },
    { name: 'exponent literals', source: '1.5e3 + 2E-1 + .5', result: 0, expected: 1500.7 },
    { name: 'unary minus', source: '-result[0]', result: [2], expected: -2 },
    {
      name: 'NaN compares false',
      source: 'result[0] < 1 || result[0] >= 1',
      result: [NaN],
      expected: false,
    },
    {
      name: 'NaN is not equal to itself',
      source: 'result[0] != result[0]',
      result: [NaN],
      expected: true,
    },
    { name: 'isNaN', source: 'isNaN(result[0])', result: [NaN], expected: true },
    { name: 'isInf on -Inf', source: 'isInf(result[0])', result: [-Infinity], expected: true },
    { name: 'len of an empty vector', source: 'len(result) == 0', result: [], expected: true },
    { name: 'len of a string', source: "len('abc')", result: 0, expected: 3 },
    {
      name: 'all with predicate',
      source: 'all(result, {# < 5})',
      result: [1, 2, 3],
      expected: true,
    },
    { name: 'all is true on empty', source: 'all(result, {# < 5})', result: [], expected: true },
    { name: 'any', source: 'any(result, {# > 2})', result: [1, 2, 3], expected: true },
    { name: 'none', source: 'none(result, {# > 2})', result: [1, 2, 3], expected: false },
    {
      name: 'nested predicates',
      source: 'all(result, {any(#, {# == 2})})',
      result: [[1, 2], [2]],
      expected: true,
    },
    { name: 'object field', source: 'result[1].value > 0.5', result: series, expected: true },
    {
      name: 'object index by string',
      source: "result[0]['service'] == 'checkout'",
      result: series,
      expected: true,
    },
    {
      name: 'predicate over objects',
      source: 'all(result, {#.value < 1})',
      result: series,
      expected: true,
    },
    { name: 'string comparison', source: "'abc' < 'abd'", result: 0, expected: true },
    { name: 'string concatenation', source: "'a' + \"b\" == 'ab'", result: 0, expected: true },
    {
      name: 'escapes in strings',
      source: String.raw`len('a\'b\n') == 4`,
      result: 0,
      expected: true,
    },
    {
      name: 'asFloat of a Prometheus string',
      source: "asFloat('+Inf') > 1e308",
      result: 0,
      expected: true,
    },
    { name: 'asInt truncates', source: 'asInt(-2.7)', result: 0, expected: -2 },
    { name: 'abs', source: 'abs(-0.5)', result: 0, expected: 0.5 },
    { name: 'different types are unequal', source: "result == '1'", result: 1, expected: false },
  ])('$name: $source', ({ source, result, expected }) => {
    expect(evaluate(parseExpression(source), { result })).toStrictEqual(expected);
  });

  it('short-circuits: the right side of && is not evaluated when the left is false', () => {
    expect(evaluateCondition('len(result) > 0 && result[0] < 1', { result: [] })).toBe(false);
    expect(evaluateCondition('len(result) == 0 || result[0] < 1', { result: [] })).toBe(true);
  });

  it('formats values the way Prometheus spells them', () => {
    expect(formatValue([0.5, NaN, Infinity, -Infinity])).toBe('[0.5,NaN,+Inf,-Inf]');
    expect(formatValue({ a: 'x', b: true })).toBe('{"a":"x","b":true}');
  });
});

describe('parse errors name the column and what was expected', () => {
  it.each<{ name: string; source: string; column: number; message: RegExp }>([
    { name: 'empty', source: '   ', column: 1, message: /expression is empty/ },
    {
      name: 'unclosed paren',
      source: '(result[0] < 1',
      column: 15,
      message: /expected "\)" to close the "\(" at column 1 at column 15, found the end/,
    },
    {
      name: 'unclosed bracket',
      source: 'result[0 < 1',
      column: 13,
      message: /expected "]" to close the "\[" at column 7/,
    },
    {
      name: 'dangling operator',
      source: 'result[0] <',
      column: 12,
      message: /expected a value at column 12, found the end of the expression/,
    },
    {
      name: 'two values in a row',
      source: 'result[0] 5',
      column: 11,
      message: /expected an operator or the end of the expression at column 11, found number 5/,
    },
    {
      name: 'single =',
      source: 'result = 1',
      column: 8,
      message: /unexpected character "=" at column 8/,
    },
    {
      name: 'single &',
      source: 'true & false',
      column: 6,
      message: /unexpected character "&" at column 6/,
    },
    {
      name: 'unknown character',
      source: 'result[0] @ 2',
      column: 11,
      message: /unexpected character "@"/,
    },
    {
      name: 'unterminated string',
      source: "result == 'abc",
      column: 11,
      message: /unterminated string starting at column 11: expected a closing '/,
    },
    {
      name: 'unknown escape',
      source: String.raw`'\x41'`,
      column: 2,
      message: /unknown escape "\\x" at column 2/,
    },
    { name: 'malformed number', source: '12abc', column: 1, message: /malformed number "12a"/ },
    {
      name: 'number out of range',
      source: '1e999 > 0',
      column: 1,
      message: /number 1e999 at column 1 is out of range/,
    },
    {
      name: 'unknown function',
      source: 'eval("1")',
      column: 1,
      message: /unknown function "eval" at column 1; known functions: all, any, none/,
    },
    {
      name: 'constructor as a function',
      source: 'constructor(1)',
      column: 1,
      message: /unknown function "constructor"/,
    },
    {
      name: 'wrong arity',
      source: 'len(result, 1)',
      column: 1,
      message: /len\(\) at column 1 takes 1 argument\(s\), got 2/,
    },
    {
      name: 'unclosed predicate brace',
      source: 'all(result, {# < 5)',
      column: 19,
      message: /expected "}" to close the "\{" at column 13 at column 19/,
    },
    {
      name: 'keyword as a value',
      source: 'and == 1',
      column: 1,
      message: /expected a value at column 1, found "and"/,
    },
    {
      name: 'field name missing',
      source: "result.'a'",
      column: 8,
      message: /expected a field name after "\." at column 8/,
    },
    {
      name: 'missing argument separator',
      source: 'abs(1 2)',
      column: 7,
      message: /expected "," or "\)" in the arguments of abs\(\) at column 7/,
    },
  ])('$name: $source', ({ source, column, message }) => {
    const error = captureError(() => parseExpression(source));
    expect(error.message).toMatch(message);
    expect(error.column).toBe(column);
  });
});

describe('evaluation errors are clear, never JavaScript coercions', () => {
  it.each<{ name: string; source: string; env: Environment; message: RegExp }>([
    {
      name: 'index out of range (no data)',
      source: 'result[0] < 1',
      env: { result: [] },
      message: /index 0 is out of range for an array of length 0 at column 7/,
    },
    {
      name: 'fractional index',
      source: 'result[0.5]',
      env: { result: [1] },
      message: /whole number/,
    },
    {
      name: 'indexing a number',
      source: 'result[0]',
      env: { result: 1 },
      message: /cannot index number 1/,
    },
    {
      name: 'no truthiness',
      source: 'result && true',
      env: { result: 1 },
      message: /"&&" needs booleans, got number 1 on the left/,
    },
    {
      name: 'no string arithmetic',
      source: "result - '1'",
      env: { result: 1 },
      message: /"-" needs numbers, got number 1 and string "1"/,
    },
    {
      name: 'no mixed comparison',
      source: "result < '2'",
      env: { result: 1 },
      message: /"<" needs two numbers or two strings/,
    },
    {
      name: 'arrays are not comparable',
      source: 'result == result',
      env: { result: [1] },
      message: /compare numbers, strings, booleans or nil, got array and array/,
    },
    {
      name: 'unknown name',
      source: 'process',
      env: { result: 1 },
      message: /unknown name "process" \(available: result\)/,
    },
    {
      name: 'missing field',
      source: 'result.missing',
      env: { result: {} },
      message: /no field "missing"/,
    },
    {
      name: 'condition must be boolean',
      source: 'result[0]',
      env: { result: [0.5] },
      message: /condition must evaluate to true or false, got number 0.5/,
    },
    {
      name: 'predicate must be boolean',
      source: 'all(result, {#})',
      env: { result: [1] },
      message: /predicate of all\(\) must give a boolean/,
    },
    {
      name: 'isNaN of a string',
      source: "isNaN('NaN')",
      env: {},
      message: /isNaN\(\) needs a number/,
    },
  ])('$name', ({ source, env, message }) => {
    expect(() => evaluateCondition(source, env)).toThrow(message);
  });
});

describe('hostile input fails fast with a clear error', () => {
  it.each<{ name: string; source: string; message: RegExp }>([
    {
      name: '10k nested parentheses',
      source: `${'('.repeat(10_000)}1${')'.repeat(10_000)}`,
      message: /characters long; the limit is 4096/,
    },
    {
      name: 'deep but short parentheses',
      source: `${'('.repeat(100)}1${')'.repeat(100)}`,
      message: /nests deeper than 32 levels at column 33/,
    },
    {
      name: 'deep unary chain',
      source: `${'!'.repeat(200)}true`,
      message: /nests deeper than 32 levels/,
    },
    {
      name: 'deep index chain',
      source: `result${'[0'.repeat(60)}${']'.repeat(60)}`,
      message: /nests deeper than 32 levels/,
    },
    {
      name: 'very long input',
      source: `result[0] < ${'9'.repeat(5000)}`,
      message: /the limit is 4096/,
    },
    {
      name: 'too many nodes',
      source: Array.from({ length: 400 }, () => '1').join(' + '),
      message: /more than 512 parts/,
    },
    { name: 'huge number literal', source: `${'9'.repeat(400)} > 1`, message: /out of range/ },
  ])('$name', ({ source, message }) => {
    expect(() => evaluateCondition(source, { result: [1] })).toThrow(message);
  });

  it.each<{ name: string; source: string }>([
    { name: 'constructor name', source: 'constructor' },
    { name: '__proto__ name', source: '__proto__' },
    { name: 'process global', source: 'process.exit' },
    { name: 'globalThis', source: 'globalThis' },
    { name: 'constructor field of an object', source: 'result[0].constructor' },
    { name: '__proto__ field of an object', source: "result[0]['__proto__']" },
    { name: 'toString field', source: 'result[0].toString' },
    { name: 'constructor via a string', source: "'a'.constructor" },
    { name: 'length of an array is not a field', source: 'result.length' },
  ])('cannot reach JavaScript internals: $name', ({ source }) => {
    expect(() => evaluate(parseExpression(source), { result: [{ a: 1 }] })).toThrow(
      ExpressionError,
    );
  });

  it('sees an own "__proto__" field from JSON as plain data, not the prototype', () => {
    const result = JSON.parse('[{"__proto__": 5}]') as Value;
    expect(evaluateCondition("result[0]['__proto__'] == 5", { result })).toBe(true);
  });

  it('bounds evaluation steps over large data', () => {
    const big = Array.from({ length: 30_000 }, () => Array.from({ length: 10 }, () => 1));
    const source = 'all(result, {all(#, {# + 0 == 1})})';
    expect(() => evaluateCondition(source, { result: big })).toThrow(
      new RegExp(`more than ${EXPRESSION_LIMITS.maxSteps} steps`),
    );
  });
});

function captureError(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}
