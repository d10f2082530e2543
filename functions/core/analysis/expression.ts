// The analysis condition language: a recursive-descent parser to a syntax tree, never eval.
//
// Conditions are Argo Rollouts' `successCondition`/`failureCondition`, e.g. `result[0] < 0.05`,
// `len(result) > 0 && all(result, {# >= 0.99})`. Supported:
// - literals: numbers (`1`, `0.5`, `.5`, `1e-3`), strings in '…' or "…" (escapes \\ \" \' \n \t
//   \r), `true`, `false`;
// - names from the environment (normally only `result`), `x[i]` (negative i counts from the end),
//   `x["key"]` and `x.key` on objects (own fields only);
// - operators, loosest first: `||`/`or`, `&&`/`and`, `==` `!=`, `<` `<=` `>` `>=`, `+` `-`,
//   `*` `/` `%`, unary `!`/`not` `-` `+`; parentheses;
// - functions: len(x), isNaN(n), isInf(n), abs(n), asFloat(x), asInt(x), and the predicates
//   all(xs, {…}), any(xs, {…}), none(xs, {…}) where `#` is the element.
// Types are strict: `&&` wants booleans, `<` numbers or strings; nothing is truthy. Numbers are
// IEEE doubles as in Argo (Go float64): 1/0 is +Inf, comparisons with NaN are false.
// Not supported: ternaries, `in`, member functions, variables other than the environment's.
// Hard limits (EXPRESSION_LIMITS): 4096 characters, nesting depth 32, 512 nodes, 100,000
// evaluation steps; beyond them parsing or evaluation fails with an ExpressionError, so hostile
// input can neither overflow the stack nor spin.
import {
  EXPRESSION_LIMITS,
  ExpressionError,
  describeToken,
  tokenize,
  type SymbolText,
  type Token,
} from './expression-tokens.ts';

export { EXPRESSION_LIMITS, ExpressionError } from './expression-tokens.ts';

/** A binary operator after `and`/`or` were normalised to `&&`/`||`. */
export type BinaryOperator =
  '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** A node of the syntax tree; `pos` is the 0-based offset where it starts. */
export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: number | string | boolean; readonly pos: number }
  | { readonly kind: 'name'; readonly name: string; readonly pos: number }
  | { readonly kind: 'element'; readonly pos: number }
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

/** Functions a condition may call, with how many arguments they take. */
export const FUNCTIONS = {
  len: 1,
  isNaN: 1,
  isInf: 1,
  abs: 1,
  asFloat: 1,
  asInt: 1,
  all: 2,
  any: 2,
  none: 2,
} as const;

export type FunctionName = keyof typeof FUNCTIONS;
const PREDICATE_FUNCTIONS: ReadonlySet<string> = new Set(['all', 'any', 'none']);
const KEYWORDS: ReadonlySet<string> = new Set(['true', 'false', 'and', 'or', 'not']);

const LEVELS: readonly (readonly string[])[] = [
  ['||', 'or'],
  ['&&', 'and'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

/** Parses a condition into a syntax tree; throws ExpressionError naming the column. */
export function parseExpression(source: string): ExpressionNode {
  return new Parser(tokenize(source)).parseAll();
}

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

class Parser {
  private readonly tokens: readonly Token[];
  private index = 0;
  private depth = 0;
  private nodes = 0;
  private predicateDepth = 0;

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  parseAll(): ExpressionNode {
    if (this.peek().type === 'end') throw new ExpressionError('expression is empty', 1);
    const node = this.parseExpression();
    const rest = this.peek();
    if (rest.type !== 'end') this.fail('an operator or the end of the expression', rest);
    return node;
  }

  private peek(): Token {
    // The token list always ends with an `end` token, and `index` never passes it.
    return this.tokens[this.index] ?? { type: 'end', pos: 0 };
  }

  private advance(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index += 1;
    return token;
  }

  private isSymbol(value: SymbolText): boolean {
    const token = this.peek();
    return token.type === 'symbol' && token.value === value;
  }

  private expectSymbol(value: SymbolText, context: string): void {
    if (!this.isSymbol(value)) this.fail(`"${value}" ${context}`, this.peek());
    this.advance();
  }

  private fail(expected: string, found: Token): never {
    throw new ExpressionError(
      `expected ${expected} at column ${found.pos + 1}, found ${describeToken(found)}`,
      found.pos + 1,
    );
  }

  private node<T extends ExpressionNode>(node: T): T {
    this.nodes += 1;
    if (this.nodes > EXPRESSION_LIMITS.maxNodes) {
      throw new ExpressionError(
        `expression has more than ${EXPRESSION_LIMITS.maxNodes} parts (at column ${node.pos + 1})`,
        node.pos + 1,
      );
    }
    return node;
  }

  private nested<T>(pos: number, parse: () => T): T {
    this.depth += 1;
    try {
      if (this.depth > EXPRESSION_LIMITS.maxDepth) {
        throw new ExpressionError(
          `expression nests deeper than ${EXPRESSION_LIMITS.maxDepth} levels at column ${pos + 1}`,
          pos + 1,
        );
      }
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private parseExpression(): ExpressionNode {
    return this.nested(this.peek().pos, () => this.parseLevel(0));
  }

  /** One precedence level; every level is left-associative. */
  private parseLevel(level: number): ExpressionNode {
    const operators = LEVELS[level];
    if (operators === undefined) return this.parseUnary();
    let left = this.parseLevel(level + 1);
    for (;;) {
      const token = this.peek();
      const isOperator =
        (token.type === 'symbol' || token.type === 'name') && operators.includes(token.value);
      if (!isOperator) return left;
      this.advance();
      const right = this.parseLevel(level + 1);
      const op = normaliseOperator(token.value);
      left = this.node({ kind: 'binary', op, left, right, pos: token.pos });
    }
  }

  private parseUnary(): ExpressionNode {
    const token = this.peek();
    const op = unaryOperator(token);
    if (op === undefined) return this.parsePostfix();
    this.advance();
    const operand = this.nested(token.pos, () => this.parseUnary());
    return this.node({ kind: 'unary', op, operand, pos: token.pos });
  }

  private parsePostfix(): ExpressionNode {
    let target = this.parsePrimary();
    for (;;) {
      const token = this.peek();
      if (this.isSymbol('[')) {
        this.advance();
        const index = this.parseExpression();
        this.expectSymbol(']', `to close the "[" at column ${token.pos + 1}`);
        target = this.node({ kind: 'index', target, index, pos: token.pos });
      } else if (this.isSymbol('.')) {
        this.advance();
        const field = this.advance();
        if (field.type !== 'name') this.fail('a field name after "."', field);
        const index = this.node({ kind: 'literal', value: field.value, pos: field.pos });
        target = this.node({ kind: 'index', target, index, pos: token.pos });
      } else {
        return target;
      }
    }
  }

  private parsePrimary(): ExpressionNode {
    const token = this.advance();
    switch (token.type) {
      case 'number':
      case 'string':
        return this.node({ kind: 'literal', value: token.value, pos: token.pos });
      case 'name':
        return this.parseName(token.value, token.pos);
      case 'symbol':
        return this.parseSymbolPrimary(token.value, token);
      case 'end':
        return this.fail('a value', token);
    }
  }

  private parseSymbolPrimary(value: SymbolText, token: Token): ExpressionNode {
    if (value === '(') {
      const inner = this.parseExpression();
      this.expectSymbol(')', `to close the "(" at column ${token.pos + 1}`);
      return inner;
    }
    if (value === '#') {
      if (this.predicateDepth === 0) {
        throw new ExpressionError(
          `"#" at column ${token.pos + 1} is only allowed inside a predicate such as all(result, {# < 5})`,
          token.pos + 1,
        );
      }
      return this.node({ kind: 'element', pos: token.pos });
    }
    return this.fail('a value', token);
  }

  private parseName(name: string, pos: number): ExpressionNode {
    if (name === 'true' || name === 'false') {
      return this.node({ kind: 'literal', value: name === 'true', pos });
    }
    if (KEYWORDS.has(name)) this.fail('a value', { type: 'name', value: name, pos });
    if (!this.isSymbol('(')) return this.node({ kind: 'name', name, pos });
    if (!isFunctionName(name)) {
      throw new ExpressionError(
        `unknown function "${name}" at column ${pos + 1}; known functions: ${Object.keys(FUNCTIONS).join(', ')}`,
        pos + 1,
      );
    }
    this.advance();
    const args = this.nested(pos, () => this.parseArguments(name));
    if (args.length !== FUNCTIONS[name]) {
      throw new ExpressionError(
        `${name}() at column ${pos + 1} takes ${FUNCTIONS[name]} argument(s), got ${args.length}`,
        pos + 1,
      );
    }
    return this.node({ kind: 'call', name, args, pos });
  }

  private parseArguments(name: FunctionName): ExpressionNode[] {
    const args: ExpressionNode[] = [];
    if (this.isSymbol(')')) {
      this.advance();
      return args;
    }
    for (;;) {
      const predicateSlot = PREDICATE_FUNCTIONS.has(name) && args.length === 1;
      args.push(predicateSlot ? this.parsePredicate(name) : this.parseExpression());
      const token = this.advance();
      if (token.type === 'symbol' && token.value === ')') return args;
      if (token.type !== 'symbol' || token.value !== ',') {
        this.fail(`"," or ")" in the arguments of ${name}()`, token);
      }
    }
  }

  private parsePredicate(name: FunctionName): ExpressionNode {
    const open = this.peek();
    this.expectSymbol('{', `to start the predicate of ${name}(), e.g. ${name}(result, {# > 0})`);
    this.predicateDepth += 1;
    const body = this.parseExpression();
    this.predicateDepth -= 1;
    this.expectSymbol('}', `to close the "{" at column ${open.pos + 1}`);
    return this.node({ kind: 'predicate', body, pos: open.pos });
  }
}

function normaliseOperator(value: string): BinaryOperator {
  if (value === 'and') return '&&';
  if (value === 'or') return '||';
  return value as BinaryOperator;
}

function unaryOperator(token: Token): '!' | '-' | '+' | undefined {
  if (token.type === 'name' && token.value === 'not') return '!';
  if (token.type !== 'symbol') return undefined;
  if (token.value === '!' || token.value === '-' || token.value === '+') return token.value;
  return undefined;
}
