// Recursive-descent parser of analysis conditions (expr-lang's grammar, the part conditions use).
import {
  isFunctionName,
  signatureOf,
  FUNCTIONS,
  type BinaryOperator,
  type ExpressionNode,
  type FunctionName,
} from './expression-ast.ts';
import {
  EXPRESSION_LIMITS,
  ExpressionError,
  describeToken,
  tokenize,
  type SymbolText,
  type Token,
} from './expression-tokens.ts';

const KEYWORDS: ReadonlySet<string> = new Set([
  'true',
  'false',
  'nil',
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
]);

/** Binary levels, loosest first; `**` and `??` bind tighter than unary operators (below). */
const LEVELS: readonly (readonly string[])[] = [
  ['||', 'or'],
  ['&&', 'and'],
  ['==', '!='],
  ['<', '<=', '>', '>=', 'in', 'not', 'contains', 'startsWith', 'endsWith', 'matches'],
  ['+', '-'],
  ['*', '/', '%'],
];

/** Parses a condition into a syntax tree; throws ExpressionError naming the column. */
export function parseExpression(source: string): ExpressionNode {
  return new Parser(tokenize(source)).parseAll();
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

  private peek(offset = 0): Token {
    // The token list always ends with an `end` token, and `index` never passes it.
    return (
      this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] ?? { type: 'end', pos: 0 }
    );
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
    return this.nested(this.peek().pos, () => this.parseConditional());
  }

  /** `test ? then : otherwise`, right-associative, the loosest of all. */
  private parseConditional(): ExpressionNode {
    const test = this.parseLevel(0);
    const token = this.peek();
    if (!this.isSymbol('?')) return test;
    this.advance();
    const then = this.parseExpression();
    this.expectSymbol(':', `after the "?" at column ${token.pos + 1} (cond ? a : b)`);
    const otherwise = this.parseExpression();
    return this.node({ kind: 'conditional', test, then, otherwise, pos: token.pos });
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
      const op = this.binaryOperator(token);
      const right = this.parseLevel(level + 1);
      left = this.node({ kind: 'binary', op, left, right, pos: token.pos });
    }
  }

  /** Consumes an operator (two tokens for `not in`) and names it. */
  private binaryOperator(token: Token & { value: string }): BinaryOperator {
    this.advance();
    if (token.value === 'matches') {
      throw new ExpressionError(
        `"matches" at column ${token.pos + 1}: KULTA does not evaluate regular expressions on metric values; use startsWith, endsWith, contains or ==`,
        token.pos + 1,
      );
    }
    if (token.value !== 'not') return normaliseOperator(token.value);
    const next = this.advance();
    if (next.type !== 'name' || next.value !== 'in') this.fail('"in" after "not"', next);
    return 'not in';
  }

  private parseUnary(): ExpressionNode {
    const token = this.peek();
    const op = unaryOperator(token);
    if (op === undefined) return this.parsePower();
    this.advance();
    const operand = this.nested(token.pos, () => this.parseUnary());
    return this.node({ kind: 'unary', op, operand, pos: token.pos });
  }

  /** `a ** b` (also `a ^ b`), right-associative; the exponent may carry a sign. */
  private parsePower(): ExpressionNode {
    const base = this.parseCoalesce();
    const token = this.peek();
    if (!this.isSymbol('**') && !this.isSymbol('^')) return base;
    this.advance();
    const exponent = this.nested(token.pos, () => this.parseUnary());
    return this.node({ kind: 'binary', op: '**', left: base, right: exponent, pos: token.pos });
  }

  /** `a ?? b`: b when a is nil or missing (an index out of range, an absent field). */
  private parseCoalesce(): ExpressionNode {
    let left = this.parsePostfix();
    while (this.isSymbol('??')) {
      const token = this.advance();
      const right = this.parsePostfix();
      left = this.node({ kind: 'binary', op: '??', left, right, pos: token.pos });
    }
    return left;
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
        target = this.field(target, token.pos);
      } else {
        return target;
      }
    }
  }

  private field(target: ExpressionNode, pos: number): ExpressionNode {
    const field = this.advance();
    if (field.type !== 'name') this.fail('a field name after "."', field);
    const index = this.node({ kind: 'literal', value: field.value, pos: field.pos });
    return this.node({ kind: 'index', target, index, pos });
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
    if (value === '[') return this.parseArray(token.pos);
    if (value === '#' || value === '.') {
      if (this.predicateDepth === 0) {
        throw new ExpressionError(
          `"${value}" at column ${token.pos + 1} is only allowed inside a predicate such as all(result, # < 5)`,
          token.pos + 1,
        );
      }
      const element = this.node({ kind: 'element', pos: token.pos });
      // `.field` in a predicate is `#.field`, as in expr-lang.
      return value === '#' ? element : this.field(element, token.pos);
    }
    return this.fail('a value', token);
  }

  private parseArray(pos: number): ExpressionNode {
    const items = this.nested(pos, () => this.parseList(']', 'the array'));
    return this.node({ kind: 'array', items, pos });
  }

  /** Comma-separated expressions up to `close` (a trailing comma is allowed). */
  private parseList(
    close: ')' | ']',
    what: string,
    slot?: (i: number) => boolean,
  ): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    for (;;) {
      if (this.isSymbol(close)) {
        this.advance();
        return items;
      }
      items.push(slot?.(items.length) === true ? this.parsePredicate() : this.parseExpression());
      const token = this.peek();
      if (token.type === 'symbol' && token.value === ',') this.advance();
      else if (!this.isSymbol(close)) this.fail(`"," or "${close}" in ${what}`, token);
    }
  }

  private parseName(name: string, pos: number): ExpressionNode {
    if (name === 'true' || name === 'false') {
      return this.node({ kind: 'literal', value: name === 'true', pos });
    }
    if (name === 'nil') return this.node({ kind: 'literal', value: null, pos });
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
    const { min, max } = signatureOf(name);
    if (args.length < min || args.length > max) {
      const wanted = min === max ? String(min) : `${min} or more`;
      throw new ExpressionError(
        `${name}() at column ${pos + 1} takes ${wanted} argument(s), got ${args.length}`,
        pos + 1,
      );
    }
    return this.node({ kind: 'call', name, args, pos });
  }

  private parseArguments(name: FunctionName): ExpressionNode[] {
    const predicate = signatureOf(name).predicate === true;
    return this.parseList(')', `the arguments of ${name}()`, (i) => predicate && i === 1);
  }

  /** A predicate: `{ body }` or a bare body, where `#` (or `.field`) is the element. */
  private parsePredicate(): ExpressionNode {
    const open = this.peek();
    const braced = this.isSymbol('{');
    if (braced) this.advance();
    this.predicateDepth += 1;
    const body = this.parseExpression();
    this.predicateDepth -= 1;
    if (braced) this.expectSymbol('}', `to close the "{" at column ${open.pos + 1}`);
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
