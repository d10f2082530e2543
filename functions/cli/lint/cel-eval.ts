// Evaluates a parsed CEL rule against a JSON value (`self`), with CEL's meaning for what CRD
// rules use: errors absorbed by a decided && / ||, ints and doubles compared as numbers, type()
// of JSON values, and string functions with RE2-compatible regular expressions.
import { CelUnsupported, type CelNode } from './cel-parse.ts';

type Value = unknown;

/** A runtime error in CEL (no such key, wrong type): the rule fails, as in the apiserver. */
export class CelError extends Error {
  override readonly name = 'CelError';
}

class TypeName {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

const typeNames = new Set([
  'int',
  'uint',
  'double',
  'string',
  'bool',
  'list',
  'map',
  'null_type',
  'bytes',
]);

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TypeName);
}

function typeOf(v: Value): string {
  if (v === null) return 'null_type';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'list' : 'map';
}

function equal(a: Value, b: Value): boolean {
  if (a instanceof TypeName || b instanceof TypeName) {
    return a instanceof TypeName && b instanceof TypeName && a.name === b.name;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function number(v: Value, what: string): number {
  if (typeof v !== 'number') throw new CelError(`${what} needs a number`);
  return v;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  const x = number(a, op);
  const y = number(b, op);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function contains(container: Value, item: Value): boolean {
  if (Array.isArray(container)) return container.some((c) => equal(c, item));
  if (isMap(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  throw new CelError('"in" needs a list or a map');
}

function concat(a: Value, b: Value): Value {
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
  return undefined;
}

function arithmetic(op: string, a: Value, b: Value): Value {
  const joined = op === '+' ? concat(a, b) : undefined;
  if (joined !== undefined) return joined;
  const x = number(a, op);
  const y = number(b, op);
  if ((op === '/' || op === '%') && y === 0) throw new CelError('division by zero');
  const integers = Number.isInteger(x) && Number.isInteger(y);
  const results: Record<string, number> = {
    '+': x + y,
    '-': x - y,
    '*': x * y,
    '/': integers ? Math.trunc(x / y) : x / y,
    '%': x % y,
  };
  const result = results[op];
  if (result === undefined) throw new CelUnsupported(`operator ${op}`);
  return result;
}

function binary(op: string, a: Value, b: Value): Value {
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  if (op === 'in') return contains(b, a);
  if (op === '<' || op === '<=' || op === '>' || op === '>=') return compare(op, a, b);
  return arithmetic(op, a, b);
}

function size(v: Value): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CelError('size() needs a string, list or map');
}

function toInt(v: Value): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new CelError('int() cannot convert this value');
  return Math.trunc(n);
}

function text(v: Value, fn: string): string {
  if (typeof v !== 'string') throw new CelError(`${fn}() needs a string`);
  return v;
}

/** The functions `call` knows. */
export const celFunctions: ReadonlySet<string> = new Set([
  'size',
  'type',
  'int',
  'double',
  'string',
  'matches',
  'startsWith',
  'endsWith',
  'contains',
]);

/** Functions called as f(x) or x.f(y). */
function call(fn: string, target: Value, args: readonly Value[]): Value {
  const [first] = args;
  switch (fn) {
    case 'size':
      return size(target ?? first);
    case 'type':
      return new TypeName(typeOf(first));
    case 'int':
      return toInt(first);
    case 'double':
      return number(first, 'double()');
    case 'string':
      return typeof first === 'string' ? first : JSON.stringify(first);
    case 'matches':
      return new RegExp(text(first, fn), 'u').test(text(target, fn));
    case 'startsWith':
      return text(target, fn).startsWith(text(first, fn));
    case 'endsWith':
      return text(target, fn).endsWith(text(first, fn));
    case 'contains':
      return text(target, fn).includes(text(first, fn));
    default:
      throw new CelUnsupported(`function ${fn}() is not known to kulta lint`);
  }
}

type Scope = ReadonlyMap<string, Value>;

function select(obj: Value, field: string): Value {
  if (!isMap(obj) || !Object.hasOwn(obj, field)) throw new CelError(`no such key: ${field}`);
  return obj[field];
}

function logical(node: Extract<CelNode, { t: 'bin' }>, scope: Scope): boolean {
  const decisive = node.op === '||';
  let error: unknown;
  for (const side of [node.l, node.r]) {
    try {
      const v = evaluate(side, scope);
      if (typeof v !== 'boolean') throw new CelError(`${node.op} needs booleans`);
      if (v === decisive) return decisive;
    } catch (e) {
      if (e instanceof CelUnsupported) throw e;
      error = e;
    }
  }
  if (error !== undefined) throw error instanceof Error ? error : new CelError('the rule failed');
  return !decisive;
}

function macro(node: Extract<CelNode, { t: 'macro' }>, scope: Scope): Value {
  const target = evaluate(node.target, scope);
  const items: Value[] = Array.isArray(target) ? target : isMap(target) ? Object.keys(target) : [];
  if (!Array.isArray(target) && !isMap(target))
    throw new CelError(`${node.fn}() needs a list or a map`);
  const results = items.map((item) => evaluate(node.body, new Map([...scope, [node.v, item]])));
  switch (node.fn) {
    case 'all':
      return results.every((r) => r === true);
    case 'exists':
      return results.some((r) => r === true);
    case 'exists_one':
      return results.filter((r) => r === true).length === 1;
    case 'filter':
      return items.filter((_item, i) => results[i] === true);
    default:
      return results;
  }
}

function identifier(name: string, scope: Scope): Value {
  if (scope.has(name)) return scope.get(name);
  if (typeNames.has(name)) return new TypeName(name);
  throw new CelUnsupported(`unknown name ${name}`);
}

function index(node: Extract<CelNode, { t: 'idx' }>, scope: Scope): Value {
  const obj = evaluate(node.obj, scope);
  const key = evaluate(node.index, scope);
  if (Array.isArray(obj) && typeof key === 'number') {
    if (key < 0 || key >= obj.length) throw new CelError('index out of range');
    return obj[key] as Value;
  }
  return select(obj, String(key));
}

function has(node: Extract<CelNode, { t: 'has' }>, scope: Scope): boolean {
  const obj = evaluate(node.obj, scope);
  return isMap(obj) && Object.hasOwn(obj, node.field);
}

function unary(node: Extract<CelNode, { t: 'un' }>, scope: Scope): Value {
  const v = evaluate(node.x, scope);
  if (node.op === '-') return -number(v, '-');
  if (typeof v !== 'boolean') throw new CelError('! needs a boolean');
  return !v;
}

function composite(node: Extract<CelNode, { t: 'list' | 'map' | 'cond' }>, scope: Scope): Value {
  if (node.t === 'list') return node.items.map((i) => evaluate(i, scope));
  if (node.t === 'map') {
    return Object.fromEntries(
      node.entries.map(([k, v]) => [String(evaluate(k, scope)), evaluate(v, scope)]),
    );
  }
  return evaluate(node.c, scope) === true ? evaluate(node.a, scope) : evaluate(node.b, scope);
}

type Handlers = {
  readonly [K in CelNode['t']]: (node: Extract<CelNode, { t: K }>, scope: Scope) => Value;
};

const handlers: Handlers = {
  lit: (node) => node.v,
  id: (node, scope) => identifier(node.name, scope),
  sel: (node, scope) => select(evaluate(node.obj, scope), node.field),
  idx: index,
  has,
  call: (node, scope) =>
    call(
      node.fn,
      node.target && evaluate(node.target, scope),
      node.args.map((a) => evaluate(a, scope)),
    ),
  macro,
  un: unary,
  bin: (node, scope) =>
    node.op === '&&' || node.op === '||'
      ? logical(node, scope)
      : binary(node.op, evaluate(node.l, scope), evaluate(node.r, scope)),
  list: composite,
  map: composite,
  cond: composite,
};

export function evaluate(node: CelNode, scope: Scope): Value {
  const handler = handlers[node.t] as (node: CelNode, scope: Scope) => Value;
  return handler(node, scope);
}
