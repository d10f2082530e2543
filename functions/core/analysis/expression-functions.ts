// The functions a condition may call that take plain values (the predicates and default() are
// evaluated in expression-eval.ts, because they see unevaluated arguments).
import type { ExpressionNode, FunctionName, PredicateFunction } from './expression-ast.ts';
import { parseSampleValue } from './sample-value.ts';
import {
  describeValue,
  formatValue,
  isArray,
  isRecord,
  missing,
  typeError,
  type Value,
} from './expression-values.ts';

/** A function whose arguments are evaluated before the call. */
export type PlainFunction = Exclude<FunctionName, PredicateFunction | 'default' | 'isNil'>;

type Implementation = (node: ExpressionNode, args: readonly Value[]) => Value;

function first(args: readonly Value[]): Value {
  return args[0] ?? null;
}

function numberArgument(node: ExpressionNode, name: string, arg: Value): number {
  if (typeof arg !== 'number') {
    throw typeError(node, `${name}() needs a number, got ${describeValue(arg)}`);
  }
  return arg;
}

function toNumber(node: ExpressionNode, name: string, arg: Value): number {
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'string') {
    const parsed = parseSampleValue(arg.trim());
    if (parsed !== undefined) return parsed;
  }
  throw typeError(node, `${name}() cannot turn ${describeValue(arg)} into a number`);
}

function numbers(node: ExpressionNode, name: string, arg: Value): number[] {
  if (!isArray(arg)) throw typeError(node, `${name}() needs an array, got ${describeValue(arg)}`);
  return arg.map((v) => numberArgument(node, name, v));
}

function stringArgument(node: ExpressionNode, name: string, arg: Value): string {
  if (typeof arg !== 'string') {
    throw typeError(node, `${name}() needs a string, got ${describeValue(arg)}`);
  }
  return arg;
}

function arrayArgument(node: ExpressionNode, name: string, arg: Value): readonly Value[] {
  if (!isArray(arg)) throw typeError(node, `${name}() needs an array, got ${describeValue(arg)}`);
  return arg;
}

/** max/min of numbers, or of one array of numbers; an empty array has none (missing). */
function extreme(name: 'max' | 'min'): Implementation {
  return (node, args) => {
    const [only] = args;
    const values =
      args.length === 1 && only !== undefined && isArray(only)
        ? numbers(node, name, only)
        : args.map((v) => numberArgument(node, name, v));
    if (values.length === 0) throw missing(node, `${name}() of an empty array has no value`);
    return name === 'max' ? Math.max(...values) : Math.min(...values);
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? 0) + upper) / 2;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(n: number): number {
  return Math.sign(n) * Math.round(Math.abs(n));
}

function length(node: ExpressionNode, arg: Value): number {
  if (typeof arg === 'string' || isArray(arg)) return arg.length;
  if (isRecord(arg)) return Object.keys(arg).length;
  throw typeError(node, `len() needs an array, object or string, got ${describeValue(arg)}`);
}

function stringOf(arg: Value): string {
  if (typeof arg === 'string') return arg;
  return formatValue(arg);
}

const unaryNumber =
  (name: string, f: (n: number) => number | boolean): Implementation =>
  (node, args) =>
    f(numberArgument(node, name, first(args)));

const IMPLEMENTATIONS: Readonly<Record<PlainFunction, Implementation>> = {
  len: (node, args) => length(node, first(args)),
  first: (node, args) => arrayArgument(node, 'first', first(args))[0] ?? null,
  last: (node, args) => arrayArgument(node, 'last', first(args)).at(-1) ?? null,
  sum: (node, args) => sum(numbers(node, 'sum', first(args))),
  mean: (node, args) => {
    const values = numbers(node, 'mean', first(args));
    return values.length === 0 ? 0 : sum(values) / values.length;
  },
  median: (node, args) => median(numbers(node, 'median', first(args))),
  max: extreme('max'),
  min: extreme('min'),
  abs: unaryNumber('abs', Math.abs),
  ceil: unaryNumber('ceil', Math.ceil),
  floor: unaryNumber('floor', Math.floor),
  round: unaryNumber('round', roundHalfAway),
  isNaN: unaryNumber('isNaN', Number.isNaN),
  isInf: unaryNumber('isInf', (n) => Math.abs(n) === Infinity),
  int: (node, args) => Math.trunc(toNumber(node, 'int', first(args))),
  float: (node, args) => toNumber(node, 'float', first(args)),
  asInt: (node, args) => Math.trunc(toNumber(node, 'asInt', first(args))),
  asFloat: (node, args) => toNumber(node, 'asFloat', first(args)),
  string: (_node, args) => stringOf(first(args)),
  lower: (node, args) => stringArgument(node, 'lower', first(args)).toLowerCase(),
  upper: (node, args) => stringArgument(node, 'upper', first(args)).toUpperCase(),
  trim: (node, args) => stringArgument(node, 'trim', first(args)).trim(),
};

export function callPlainFunction(
  node: ExpressionNode,
  name: PlainFunction,
  args: readonly Value[],
): Value {
  return IMPLEMENTATIONS[name](node, args);
}
