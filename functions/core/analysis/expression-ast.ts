// The syntax tree of analysis conditions and the table of functions a condition may call.

/** A binary operator after `and`/`or` were normalised to `&&`/`||`. */
export type BinaryOperator =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'not in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '??';

/** A node of the syntax tree; `pos` is the 0-based offset where it starts. */
export type ExpressionNode =
  | {
      readonly kind: 'literal';
      readonly value: number | string | boolean | null;
      readonly pos: number;
    }
  | { readonly kind: 'name'; readonly name: string; readonly pos: number }
  | { readonly kind: 'element'; readonly pos: number }
  | { readonly kind: 'array'; readonly items: readonly ExpressionNode[]; readonly pos: number }
  | {
      readonly kind: 'unary';
      readonly op: '!' | '-' | '+';
      readonly operand: ExpressionNode;
      readonly pos: number;
    }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly pos: number;
    }
  | {
      readonly kind: 'conditional';
      readonly test: ExpressionNode;
      readonly then: ExpressionNode;
      readonly otherwise: ExpressionNode;
      readonly pos: number;
    }
  | {
      readonly kind: 'index';
      readonly target: ExpressionNode;
      readonly index: ExpressionNode;
      readonly pos: number;
    }
  | {
      readonly kind: 'call';
      readonly name: FunctionName;
      readonly args: readonly ExpressionNode[];
      readonly pos: number;
    }
  | { readonly kind: 'predicate'; readonly body: ExpressionNode; readonly pos: number };

/** How a function is called: its argument counts, and whether the second is a predicate. */
interface Signature {
  readonly min: number;
  readonly max: number;
  readonly predicate?: true;
}

const one: Signature = { min: 1, max: 1 };
const withPredicate: Signature = { min: 2, max: 2, predicate: true };
const variadic: Signature = { min: 1, max: 64 };

/**
 * Functions a condition may call: expr-lang's builtins that make sense on metric values, and
 * the ones Argo Rollouts adds (isNaN, isInf, isNil, default, asInt, asFloat).
 */
export const FUNCTIONS = {
  all: withPredicate,
  any: withPredicate,
  none: withPredicate,
  one: withPredicate,
  filter: withPredicate,
  map: withPredicate,
  count: withPredicate,
  find: withPredicate,
  len: one,
  first: one,
  last: one,
  sum: one,
  mean: one,
  median: one,
  max: variadic,
  min: variadic,
  abs: one,
  ceil: one,
  floor: one,
  round: one,
  int: one,
  float: one,
  string: one,
  lower: one,
  upper: one,
  trim: one,
  isNaN: one,
  isInf: one,
  isNil: one,
  default: { min: 2, max: 2 },
  asInt: one,
  asFloat: one,
} as const satisfies Readonly<Record<string, Signature>>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The functions whose second argument is a predicate over the elements of the first. */
export type PredicateFunction =
  'all' | 'any' | 'none' | 'one' | 'filter' | 'map' | 'count' | 'find';

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

export function signatureOf(name: FunctionName): Signature {
  return FUNCTIONS[name];
}

/** The direct children of a node. */
function childrenOf(node: ExpressionNode): readonly ExpressionNode[] {
  switch (node.kind) {
    case 'literal':
    case 'name':
    case 'element':
      return [];
    case 'array':
      return node.items;
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'conditional':
      return [node.test, node.then, node.otherwise];
    case 'index':
      return [node.target, node.index];
    case 'call':
      return node.args;
    case 'predicate':
      return [node.body];
  }
}

/** Every node of a tree, depth first (for static checks). */
export function* nodesOf(node: ExpressionNode): Generator<ExpressionNode> {
  yield node;
  for (const child of childrenOf(node)) yield* nodesOf(child);
}
