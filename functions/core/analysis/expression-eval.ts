// Evaluates parsed analysis conditions over plain data, with strict types and a step budget.
import {
  EXPRESSION_LIMITS,
  ExpressionError,
  parseExpression,
  type BinaryOperator,
  type ExpressionNode,
  type FunctionName,
} from './expression.ts';
import { parseSampleValue } from './sample-value.ts';

/** A value a condition can see: what a metric provider returned, or what an operator made. */
export type Value = number | string | boolean | readonly Value[] | ValueRecord;

/** An object value (e.g. one series with its labels); only its own fields are visible. */
export interface ValueRecord {
  readonly [field: string]: Value;
}

/** The names a condition may use, normally just `{ result }`. */
export type Environment = Readonly<Record<string, Value>>;

interface Context {
  readonly env: Environment;
  readonly element: Value | undefined;
  readonly budget: { steps: number };
}

/** Evaluates a parsed expression; throws ExpressionError with the column on type errors. */
export function evaluate(node: ExpressionNode, env: Environment): Value {
  return visit(node, { env, element: undefined, budget: { steps: 0 } });
}

/**
 * Parses and evaluates a success/failure condition, which must yield true or false.
 * Throws ExpressionError for syntax, limit and type errors.
 */
export function evaluateCondition(source: string, env: Environment): boolean {
  const value = evaluate(parseExpression(source), env);
  if (typeof value !== 'boolean') {
    throw new ExpressionError(
      `condition must evaluate to true or false, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Formats a value for status messages: Prometheus spelling for special numbers. */
export function formatValue(value: Value): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return '+Inf';
    if (value === -Infinity) return '-Inf';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (isArray(value)) return `[${value.map(formatValue).join(',')}]`;
  const fields = Object.keys(value).map(
    (k) => `${JSON.stringify(k)}:${formatValue(fieldOf(value, k))}`,
  );
  return `{${fields.join(',')}}`;
}

function isArray(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

function isRecord(value: Value): value is ValueRecord {
  return typeof value === 'object' && !Array.isArray(value);
}

function fieldOf(record: ValueRecord, field: string): Value {
  // Own fields only: `constructor`, `__proto__` and friends from prototypes are never reachable.
  const value = ownValue(record, field);
  if (value === undefined) throw new ExpressionError(`no field ${JSON.stringify(field)}`);
  return value;
}

function ownValue(record: Readonly<Record<string, Value>>, key: string): Value | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function typeName(value: Value): string {
  if (isArray(value)) return 'array';
  if (isRecord(value)) return 'object';
  return typeof value;
}

function describeValue(value: Value): string {
  const text = formatValue(value);
  return `${typeName(value)} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

function at(node: ExpressionNode): string {
  return `at column ${node.pos + 1}`;
}

function typeError(node: ExpressionNode, message: string): ExpressionError {
  return new ExpressionError(`${message} ${at(node)}`, node.pos + 1);
}

function visit(node: ExpressionNode, ctx: Context): Value {
  ctx.budget.steps += 1;
  if (ctx.budget.steps > EXPRESSION_LIMITS.maxSteps) {
    throw typeError(node, `evaluation took more than ${EXPRESSION_LIMITS.maxSteps} steps`);
  }
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return visitName(node, ctx.env);
    case 'element':
      if (ctx.element === undefined) throw typeError(node, '"#" used outside a predicate');
      return ctx.element;
    case 'unary':
      return visitUnary(node, visit(node.operand, ctx));
    case 'binary':
      return visitBinary(node, ctx);
    case 'index':
      return visitIndex(node, visit(node.target, ctx), visit(node.index, ctx));
    case 'call':
      return visitCall(node, ctx);
    case 'predicate':
      throw typeError(node, 'a predicate {…} can only be an argument of all(), any() or none()');
  }
}

function visitName(node: ExpressionNode & { kind: 'name' }, env: Environment): Value {
  const value = ownValue(env, node.name);
  if (value === undefined) {
    const known = Object.keys(env).join(', ') || 'none';
    throw typeError(node, `unknown name "${node.name}" (available: ${known})`);
  }
  return value;
}

function visitUnary(node: ExpressionNode & { kind: 'unary' }, operand: Value): Value {
  if (node.op === '!') {
    if (typeof operand !== 'boolean') {
      throw typeError(node, `"!" needs a boolean, got ${describeValue(operand)}`);
    }
    return !operand;
  }
  if (typeof operand !== 'number') {
    throw typeError(node, `unary "${node.op}" needs a number, got ${describeValue(operand)}`);
  }
  return node.op === '-' ? -operand : operand;
}

function visitBinary(node: ExpressionNode & { kind: 'binary' }, ctx: Context): Value {
  const left = visit(node.left, ctx);
  if (node.op === '&&' || node.op === '||') {
    if (typeof left !== 'boolean') {
      throw typeError(node, `"${node.op}" needs booleans, got ${describeValue(left)} on the left`);
    }
    if (node.op === '&&' ? !left : left) return left;
    const right = visit(node.right, ctx);
    if (typeof right !== 'boolean') {
      throw typeError(
        node,
        `"${node.op}" needs booleans, got ${describeValue(right)} on the right`,
      );
    }
    return right;
  }
  return applyOperator(node, node.op, left, visit(node.right, ctx));
}

type Comparison = '<' | '<=' | '>' | '>=';
type Arithmetic = '+' | '-' | '*' | '/' | '%';

const COMPARISONS: Readonly<
  Record<Comparison, (a: number | string, b: number | string) => boolean>
> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const ARITHMETIC: Readonly<Record<Arithmetic, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

function applyOperator(
  node: ExpressionNode,
  op: Exclude<BinaryOperator, '&&' | '||'>,
  left: Value,
  right: Value,
): Value {
  if (op === '==' || op === '!=') {
    const same = equals(node, left, right);
    return op === '==' ? same : !same;
  }
  if (isComparison(op)) return compare(node, op, left, right);
  if (op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (typeof left !== 'number' || typeof right !== 'number') {
    const wanted = op === '+' ? 'two numbers or two strings' : 'numbers';
    throw operandError(node, `"${op}" needs ${wanted}`, left, right);
  }
  return ARITHMETIC[op](left, right);
}

function isComparison(op: BinaryOperator): op is Comparison {
  return Object.hasOwn(COMPARISONS, op);
}

function compare(node: ExpressionNode, op: Comparison, left: Value, right: Value): boolean {
  if (typeof left === 'number' && typeof right === 'number') return COMPARISONS[op](left, right);
  if (typeof left === 'string' && typeof right === 'string') return COMPARISONS[op](left, right);
  throw operandError(node, `"${op}" needs two numbers or two strings`, left, right);
}

function operandError(
  node: ExpressionNode,
  problem: string,
  left: Value,
  right: Value,
): ExpressionError {
  return typeError(node, `${problem}, got ${describeValue(left)} and ${describeValue(right)}`);
}

function equals(node: ExpressionNode, left: Value, right: Value): boolean {
  if (typeof left === 'object' || typeof right === 'object') {
    throw typeError(
      node,
      `"==" and "!=" compare numbers, strings or booleans, got ${typeName(left)} and ${typeName(right)}`,
    );
  }
  return left === right;
}

function visitIndex(node: ExpressionNode, target: Value, index: Value): Value {
  if (isArray(target)) {
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      throw typeError(node, `an array index must be a whole number, got ${describeValue(index)}`);
    }
    const position = index < 0 ? target.length + index : index;
    const element = target[position];
    if (element === undefined) {
      throw typeError(
        node,
        `index ${index} is out of range for an array of length ${target.length}`,
      );
    }
    return element;
  }
  if (isRecord(target)) {
    if (typeof index !== 'string') {
      throw typeError(node, `an object field name must be a string, got ${describeValue(index)}`);
    }
    const value = ownValue(target, index);
    if (value === undefined) {
      throw typeError(node, `no field ${JSON.stringify(index)} in ${describeValue(target)}`);
    }
    return value;
  }
  throw typeError(node, `cannot index ${describeValue(target)}`);
}

function visitCall(node: ExpressionNode & { kind: 'call' }, ctx: Context): Value {
  const [first, second] = node.args;
  if (first === undefined) throw typeError(node, `${node.name}() needs an argument`);
  const subject = visit(first, ctx);
  if (node.name === 'all' || node.name === 'any' || node.name === 'none') {
    if (second?.kind !== 'predicate') throw typeError(node, `${node.name}() needs a predicate {…}`);
    return visitPredicate({ node, name: node.name, body: second.body }, subject, ctx);
  }
  return callFunction(node, node.name, subject);
}

interface PredicateCall {
  readonly node: ExpressionNode;
  readonly name: 'all' | 'any' | 'none';
  readonly body: ExpressionNode;
}

function visitPredicate(call: PredicateCall, subject: Value, ctx: Context): boolean {
  const { node, name, body } = call;
  if (!isArray(subject))
    throw typeError(node, `${name}() needs an array, got ${describeValue(subject)}`);
  for (const element of subject) {
    const verdict = visit(body, { ...ctx, element });
    if (typeof verdict !== 'boolean') {
      throw typeError(
        body,
        `the predicate of ${name}() must give a boolean, got ${describeValue(verdict)}`,
      );
    }
    if (name === 'all' && !verdict) return false;
    if (name !== 'all' && verdict) return name === 'any';
  }
  return name !== 'any';
}

function callFunction(
  node: ExpressionNode,
  name: Exclude<FunctionName, 'all' | 'any' | 'none'>,
  arg: Value,
): Value {
  switch (name) {
    case 'len':
      if (typeof arg === 'string' || isArray(arg)) return arg.length;
      if (isRecord(arg)) return Object.keys(arg).length;
      throw typeError(node, `len() needs an array, object or string, got ${describeValue(arg)}`);
    case 'isNaN':
      return Number.isNaN(numberArgument(node, name, arg));
    case 'isInf':
      return Math.abs(numberArgument(node, name, arg)) === Infinity;
    case 'abs':
      return Math.abs(numberArgument(node, name, arg));
    case 'asFloat':
      return toNumber(node, name, arg);
    case 'asInt':
      return Math.trunc(toNumber(node, name, arg));
  }
}

function numberArgument(node: ExpressionNode, name: string, arg: Value): number {
  if (typeof arg !== 'number')
    throw typeError(node, `${name}() needs a number, got ${describeValue(arg)}`);
  return arg;
}

function toNumber(node: ExpressionNode, name: string, arg: Value): number {
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'string') {
    const parsed = parseSampleValue(arg);
    if (parsed !== undefined) return parsed;
  }
  throw typeError(node, `${name}() cannot turn ${describeValue(arg)} into a number`);
}
