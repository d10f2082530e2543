// Tokenizer for the analysis condition language: source text → positioned tokens, with hard limits.

/** Hard limits that keep hostile conditions cheap: they fail with a clear error instead. */
export const EXPRESSION_LIMITS = {
  /** Longest accepted condition, in characters. */
  maxLength: 4096,
  /** Deepest nesting of parentheses, brackets, calls, predicates and unary operators. */
  maxDepth: 32,
  /** Most syntax-tree nodes one condition may have. */
  maxNodes: 512,
  /** Most evaluation steps (node visits, predicate calls included) one evaluation may take. */
  maxSteps: 100_000,
} as const;

/** A condition that cannot be parsed or evaluated; `column` is 1-based when known. */
export class ExpressionError extends Error {
  readonly column: number | undefined;

  constructor(message: string, column?: number) {
    super(message);
    this.name = 'ExpressionError';
    this.column = column;
  }
}

const SYMBOLS = [
  '??',
  '**',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '^',
  '/',
  '%',
  '!',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  '#',
  '?',
  ':',
] as const;

/** An operator or punctuation mark. */
export type SymbolText = (typeof SYMBOLS)[number];

/** One token; `pos` is the 0-based offset of its first character. */
export type Token =
  | { readonly type: 'number'; readonly value: number; readonly pos: number }
  | { readonly type: 'string'; readonly value: string; readonly pos: number }
  | { readonly type: 'name'; readonly value: string; readonly pos: number }
  | { readonly type: 'symbol'; readonly value: SymbolText; readonly pos: number }
  | { readonly type: 'end'; readonly pos: number };

const NUMBER = /(?:\d[\d_]*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NAME_CHAR = /[A-Za-z0-9_]/;
const WHITESPACE = /\s/;
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'],
  ['"', '"'],
  ["'", "'"],
  ['n', '\n'],
  ['t', '\t'],
  ['r', '\r'],
]);

/** Splits `source` into tokens ending with an `end` token; throws ExpressionError. */
export function tokenize(source: string): Token[] {
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    throw new ExpressionError(
      `expression is ${source.length} characters long; the limit is ${EXPRESSION_LIMITS.maxLength}`,
    );
  }
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const ch = source.charAt(pos);
    if (WHITESPACE.test(ch)) {
      pos += 1;
      continue;
    }
    const token = readToken(source, pos);
    tokens.push(token.token);
    pos = token.next;
  }
  tokens.push({ type: 'end', pos: source.length });
  return tokens;
}

function readToken(source: string, pos: number): { token: Token; next: number } {
  const ch = source.charAt(pos);
  if (/\d/.test(ch) || (ch === '.' && /\d/.test(source.charAt(pos + 1)))) {
    return readNumber(source, pos);
  }
  if (ch === '"' || ch === "'") return readString(source, pos);
  if (ch === '`') return readRawString(source, pos);
  NAME.lastIndex = pos;
  const name = NAME.exec(source);
  if (name) {
    return { token: { type: 'name', value: name[0], pos }, next: pos + name[0].length };
  }
  const symbol = SYMBOLS.find((s) => source.startsWith(s, pos));
  if (symbol === undefined) {
    throw new ExpressionError(`unexpected character "${ch}" at column ${pos + 1}`, pos + 1);
  }
  return { token: { type: 'symbol', value: symbol, pos }, next: pos + symbol.length };
}

function readNumber(source: string, pos: number): { token: Token; next: number } {
  NUMBER.lastIndex = pos;
  const text = NUMBER.exec(source)?.[0] ?? '';
  const next = pos + text.length;
  if (NAME_CHAR.test(source.charAt(next))) {
    throw new ExpressionError(
      `malformed number "${source.slice(pos, next + 1)}" at column ${pos + 1}`,
      pos + 1,
    );
  }
  if (/_(?!\d)/.test(text)) {
    throw new ExpressionError(
      `malformed number "${text}" at column ${pos + 1}: "_" only goes between digits`,
      pos + 1,
    );
  }
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(value)) {
    throw new ExpressionError(
      `number ${text.length > 20 ? `${text.slice(0, 20)}…` : text} at column ${pos + 1} is out of range`,
      pos + 1,
    );
  }
  return { token: { type: 'number', value, pos }, next };
}

function readString(source: string, pos: number): { token: Token; next: number } {
  const quote = source.charAt(pos);
  let value = '';
  let i = pos + 1;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === quote) return { token: { type: 'string', value, pos }, next: i + 1 };
    if (ch === '\\') {
      const escaped = ESCAPES.get(source.charAt(i + 1));
      if (escaped === undefined) {
        throw new ExpressionError(
          `unknown escape "\\${source.charAt(i + 1)}" at column ${i + 1}; use \\\\, \\", \\', \\n, \\t or \\r`,
          i + 1,
        );
      }
      value += escaped;
      i += 2;
      continue;
    }
    value += ch;
    i += 1;
  }
  throw new ExpressionError(
    `unterminated string starting at column ${pos + 1}: expected a closing ${quote}`,
    pos + 1,
  );
}

/** A `…` string: no escapes, as in expr-lang. */
function readRawString(source: string, pos: number): { token: Token; next: number } {
  const end = source.indexOf('`', pos + 1);
  if (end < 0) {
    throw new ExpressionError(
      `unterminated string starting at column ${pos + 1}: expected a closing \``,
      pos + 1,
    );
  }
  return { token: { type: 'string', value: source.slice(pos + 1, end), pos }, next: end + 1 };
}

/** How a token is named in error messages. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    case 'name':
    case 'symbol':
      return `"${token.value}"`;
  }
}
