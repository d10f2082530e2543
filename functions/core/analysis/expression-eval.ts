// Evaluates parsed analysis conditions over plain data, with strict types and a step budget.
import type {
  BinaryOperator,
  ExpressionNode,
  FunctionName,
  PredicateFunction,
} from './expression-ast.ts';
import { callPlainFunction, type PlainFunction } from './expression-functions.ts';
import { parseExpression } from './expression-parse.ts';
import { EXPRESSION_LIMITS, ExpressionError } from './expression-tokens.ts';
import {
  MissingValueError,
  describeValue,
  isArray,
  isRecord,
  missing,
  ownValue,
  sameScalar,
  typeError,
  typeName,
  type Value,
} from './expression-values.ts';

export { formatValue, type Value, type ValueRecord } from './expression-values.ts';

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

function spend(node: ExpressionNode, ctx: Context): void {
  ctx.budget.steps += 1;
  if (ctx.budget.steps > EXPRESSION_LIMITS.maxSteps) {
    throw typeError(node, `evaluation took more than ${EXPRESSION_LIMITS.maxSteps} steps`);
  }
}

function visit(node: ExpressionNode, ctx: Context): Value {
  spend(node, ctx);
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return visitName(node, ctx.env);
    case 'element':
      return visitElement(node, ctx);
    case 'array':
      return node.items.map((item) => visit(item, ctx));
    case 'unary':
      return visitUnary(node, visit(node.operand, ctx));
    case 'binary':
      return visitBinary(node, ctx);
    case 'conditional':
      return visitConditional(node, ctx);
    case 'index':
      return visitIndex(node, visit(node.target, ctx), visit(node.index, ctx));
    case 'call':
      return visitCall(node, ctx);
    case 'predicate':
      throw typeError(node, 'a predicate can only be an argument of all(), any(), filter() …');
  }
}

function visitElement(node: ExpressionNode, ctx: Context): Value {
  if (ctx.element === undefined) throw typeError(node, '"#" used outside a predicate');
  return ctx.element;
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

function visitConditional(node: ExpressionNode & { kind: 'conditional' }, ctx: Context): Value {
  const test = visit(node.test, ctx);
  if (typeof test !== 'boolean') {
    throw typeError(node, `"?" needs a boolean condition, got ${describeValue(test)}`);
  }
  return visit(test ? node.then : node.otherwise, ctx);
}

/** The value of `node`, or undefined when it is nil or missing (for `??`, default, isNil). */
function present(node: ExpressionNode, ctx: Context): Value | undefined {
  try {
    const value = visit(node, ctx);
    return value ?? undefined;
  } catch (error) {
    if (error instanceof MissingValueError) return undefined;
    throw error;
  }
}

function boolean(node: ExpressionNode, side: string, value: Value): boolean {
  if (typeof value !== 'boolean') {
    throw typeError(
      node,
      `"${node.kind === 'binary' ? node.op : ''}" needs booleans, got ${describeValue(value)} on the ${side}`,
    );
  }
  return value;
}

function visitBinary(node: ExpressionNode & { kind: 'binary' }, ctx: Context): Value {
  if (node.op === '??') return present(node.left, ctx) ?? visit(node.right, ctx);
  const left = visit(node.left, ctx);
  if (node.op === '&&' || node.op === '||') {
    const l = boolean(node, 'left', left);
    if (node.op === '&&' ? !l : l) return l;
    return boolean(node, 'right', visit(node.right, ctx));
  }
  return applyOperator(node, node.op, left, visit(node.right, ctx));
}

type Comparison = '<' | '<=' | '>' | '>=';
type Arithmetic = '+' | '-' | '*' | '/' | '%' | '**';
type StringTest = 'contains' | 'startsWith' | 'endsWith';

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
  '**': (a, b) => a ** b,
};

const STRING_TESTS: Readonly<Record<StringTest, (a: string, b: string) => boolean>> = {
  contains: (a, b) => a.includes(b),
  startsWith: (a, b) => a.startsWith(b),
  endsWith: (a, b) => a.endsWith(b),
};

function applyOperator(
  node: ExpressionNode,
  op: Exclude<BinaryOperator, '&&' | '||' | '??'>,
  left: Value,
  right: Value,
): Value {
  if (op === '==' || op === '!=') {
    const same = equals(node, left, right);
    return op === '==' ? same : !same;
  }
  if (op === 'in' || op === 'not in') return membership(node, left, right) === (op === 'in');
  if (Object.hasOwn(COMPARISONS, op)) return compare(node, op as Comparison, left, right);
  if (Object.hasOwn(STRING_TESTS, op)) return stringTest(node, op as StringTest, left, right);
  return arithmetic(node, op as Arithmetic, left, right);
}

function arithmetic(node: ExpressionNode, op: Arithmetic, left: Value, right: Value): Value {
  if (op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (typeof left !== 'number' || typeof right !== 'number') {
    const wanted = op === '+' ? 'two numbers or two strings' : 'numbers';
    throw operandError(node, `"${op}" needs ${wanted}`, left, right);
  }
  return ARITHMETIC[op](left, right);
}

function compare(node: ExpressionNode, op: Comparison, left: Value, right: Value): boolean {
  if (typeof left === 'number' && typeof right === 'number') return COMPARISONS[op](left, right);
  if (typeof left === 'string' && typeof right === 'string') return COMPARISONS[op](left, right);
  throw operandError(node, `"${op}" needs two numbers or two strings`, left, right);
}

function stringTest(node: ExpressionNode, op: StringTest, left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string') return STRING_TESTS[op](left, right);
  throw operandError(node, `"${op}" needs two strings`, left, right);
}

function membership(node: ExpressionNode, needle: Value, haystack: Value): boolean {
  if (isArray(haystack)) return haystack.some((item) => sameScalar(needle, item));
  if (isRecord(haystack) && typeof needle === 'string') return Object.hasOwn(haystack, needle);
  throw operandError(node, '"in" needs an array (or a field name and an object)', needle, haystack);
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
  const composite = (v: Value) => typeof v === 'object' && v !== null;
  if (composite(left) || composite(right)) {
    throw typeError(
      node,
      `"==" and "!=" compare numbers, strings, booleans or nil, got ${typeName(left)} and ${typeName(right)}`,
    );
  }
  return left === right;
}

function visitIndex(node: ExpressionNode, target: Value, index: Value): Value {
  if (isArray(target)) {
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      throw typeError(node, `an array index must be a whole number, got ${describeValue(index)}`);
    }
    const element = target[index < 0 ? target.length + index : index];
    if (element === undefined) {
      throw missing(node, `index ${index} is out of range for an array of length ${target.length}`);
    }
    return element;
  }
  if (isRecord(target)) {
    if (typeof index !== 'string') {
      throw typeError(node, `an object field name must be a string, got ${describeValue(index)}`);
    }
    const value = ownValue(target, index);
    if (value === undefined) {
      throw missing(node, `no field ${JSON.stringify(index)} in ${describeValue(target)}`);
    }
    return value;
  }
  throw typeError(node, `cannot index ${describeValue(target)}`);
}

const PREDICATES: ReadonlySet<FunctionName> = new Set<PredicateFunction>([
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'find',
]);

function isPredicateFunction(name: FunctionName): name is PredicateFunction {
  return PREDICATES.has(name);
}

function visitCall(node: ExpressionNode & { kind: 'call' }, ctx: Context): Value {
  const [first, second] = node.args;
  if (first === undefined) throw typeError(node, `${node.name}() needs an argument`);
  if (node.name === 'default') {
    if (second === undefined) throw typeError(node, 'default() needs a value and a default');
    return present(first, ctx) ?? visit(second, ctx);
  }
  if (node.name === 'isNil') return present(first, ctx) === undefined;
  if (isPredicateFunction(node.name)) {
    if (second?.kind !== 'predicate') throw typeError(node, `${node.name}() needs a predicate`);
    return visitPredicate({ node, name: node.name, body: second.body }, visit(first, ctx), ctx);
  }
  const name: PlainFunction = node.name;
  return callPlainFunction(
    node,
    name,
    node.args.map((arg) => visit(arg, ctx)),
  );
}

interface PredicateCall {
  readonly node: ExpressionNode;
  readonly name: PredicateFunction;
  readonly body: ExpressionNode;
}

function visitPredicate(call: PredicateCall, subject: Value, ctx: Context): Value {
  const { node, name, body } = call;
  if (!isArray(subject)) {
    throw typeError(node, `${name}() needs an array, got ${describeValue(subject)}`);
  }
  if (name === 'map') return subject.map((element) => visit(body, { ...ctx, element }));
  const test = (element: Value): boolean => {
    const verdict = visit(body, { ...ctx, element });
    if (typeof verdict !== 'boolean') {
      throw typeError(
        body,
        `the predicate of ${name}() must give a boolean, got ${describeValue(verdict)}`,
      );
    }
    return verdict;
  };
  return applyPredicate(name, subject, test);
}

function applyPredicate(
  name: Exclude<PredicateFunction, 'map'>,
  subject: readonly Value[],
  test: (element: Value) => boolean,
): Value {
  switch (name) {
    case 'all':
      return subject.every(test);
    case 'any':
      return subject.some(test);
    case 'none':
      return !subject.some(test);
    case 'one':
      return subject.filter(test).length === 1;
    case 'filter':
      return subject.filter(test);
    case 'count':
      return subject.filter(test).length;
    case 'find':
      return subject.find(test) ?? null;
  }
}
