// A parser for the part of CEL that CRD validation rules use (literals, field selection, has(),
// indexing, ! - * / % + comparisons in && || ?:, lists and maps, function and method calls, and
// the macros all/exists/exists_one/filter/map), so `kulta lint` can check the CRDs' rules
// offline. Anything else is a CelUnsupported error: the rule is then reported as unchecked.

export type CelNode =
  | { readonly t: 'lit'; readonly v: CelLiteral }
  | { readonly t: 'id'; readonly name: string }
  | { readonly t: 'sel'; readonly obj: CelNode; readonly field: string }
  | { readonly t: 'idx'; readonly obj: CelNode; readonly index: CelNode }
  | {
      readonly t: 'call';
      readonly fn: string;
      readonly target: CelNode | undefined;
      readonly args: readonly CelNode[];
    }
  | {
      readonly t: 'macro';
      readonly fn: string;
      readonly target: CelNode;
      readonly v: string;
      readonly body: CelNode;
    }
  | { readonly t: 'has'; readonly obj: CelNode; readonly field: string }
  | { readonly t: 'un'; readonly op: string; readonly x: CelNode }
  | { readonly t: 'bin'; readonly op: string; readonly l: CelNode; readonly r: CelNode }
  | { readonly t: 'cond'; readonly c: CelNode; readonly a: CelNode; readonly b: CelNode }
  | { readonly t: 'list'; readonly items: readonly CelNode[] }
  | { readonly t: 'map'; readonly entries: readonly (readonly [CelNode, CelNode])[] };

export type CelLiteral = null | boolean | number | string;

/** The rule uses CEL this evaluator does not know. */
export class CelUnsupported extends Error {
  override readonly name = 'CelUnsupported';
}

interface Token {
  readonly kind: 'num' | 'str' | 'id' | 'op';
  readonly text: string;
  readonly value?: CelLiteral;
}

const TOKEN =
  /\s*(?:(\d+\.\d+|\d+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()[\]{}]))/y;

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new CelUnsupported(`cannot read the rule at "${source.slice(at, at + 12)}"`);
    const [, num, str, id, op] = m;
    if (num !== undefined) tokens.push({ kind: 'num', text: num, value: Number(num) });
    else if (str !== undefined) tokens.push({ kind: 'str', text: str, value: unquote(str) });
    else if (id !== undefined) tokens.push({ kind: 'id', text: id });
    else tokens.push({ kind: 'op', text: op ?? '' });
  }
  return tokens;
}

const macros = new Set(['all', 'exists', 'exists_one', 'filter', 'map']);
const relations = new Set(['==', '!=', '<', '<=', '>', '>=', 'in']);

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#at];
  }

  #eat(text: string): boolean {
    if (this.#peek()?.text !== text) return false;
    this.#at += 1;
    return true;
  }

  #expect(text: string): void {
    if (!this.#eat(text))
      throw new CelUnsupported(`expected "${text}" at "${this.#peek()?.text ?? 'end'}"`);
  }

  parseAll(): CelNode {
    const node = this.expr();
    if (this.#peek()) throw new CelUnsupported(`unexpected "${this.#peek()?.text ?? ''}"`);
    return node;
  }

  expr(): CelNode {
    const c = this.#binary(0);
    if (!this.#eat('?')) return c;
    const a = this.expr();
    this.#expect(':');
    return { t: 'cond', c, a, b: this.expr() };
  }

  // Precedence levels, lowest first: ||, &&, relations, + -, * / %.
  #binary(level: number): CelNode {
    if (level > 4) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const op = this.#peek()?.text ?? '';
      const matches = [['||'], ['&&'], [...relations], ['+', '-'], ['*', '/', '%']][
        level
      ]?.includes(op);
      if (!matches) return left;
      this.#at += 1;
      left = { t: 'bin', op, l: left, r: this.#binary(level + 1) };
    }
  }

  #unary(): CelNode {
    const op = this.#peek()?.text;
    if (op === '!' || op === '-') {
      this.#at += 1;
      return { t: 'un', op, x: this.#unary() };
    }
    return this.#member(this.#primary());
  }

  #args(close: string): CelNode[] {
    const args: CelNode[] = [];
    while (!this.#eat(close)) {
      if (args.length > 0) this.#expect(',');
      args.push(this.expr());
    }
    return args;
  }

  #member(start: CelNode): CelNode {
    let node = start;
    for (;;) {
      if (this.#eat('[')) {
        node = { t: 'idx', obj: node, index: this.expr() };
        this.#expect(']');
      } else if (this.#eat('.')) {
        node = this.#selectOrCall(node);
      } else {
        return node;
      }
    }
  }

  #selectOrCall(target: CelNode): CelNode {
    const name = this.#peek();
    if (name?.kind !== 'id') throw new CelUnsupported('expected a field name after "."');
    this.#at += 1;
    if (!this.#eat('(')) return { t: 'sel', obj: target, field: name.text };
    const args = this.#args(')');
    if (macros.has(name.text)) {
      const [v, body] = args;
      if (args.length !== 2 || v?.t !== 'id' || !body)
        throw new CelUnsupported(`${name.text}() takes (variable, expression)`);
      return { t: 'macro', fn: name.text, target, v: v.name, body };
    }
    return { t: 'call', fn: name.text, target, args };
  }

  #primary(): CelNode {
    const token = this.#peek();
    if (!token) throw new CelUnsupported('the rule ends too early');
    this.#at += 1;
    if (token.kind === 'num' || token.kind === 'str') return { t: 'lit', v: token.value ?? null };
    if (token.kind === 'id') return this.#identifier(token.text);
    if (token.text === '(') {
      const inner = this.expr();
      this.#expect(')');
      return inner;
    }
    if (token.text === '[') return { t: 'list', items: this.#args(']') };
    if (token.text === '{') return this.#mapLiteral();
    throw new CelUnsupported(`unexpected "${token.text}"`);
  }

  #identifier(name: string): CelNode {
    if (name === 'true' || name === 'false') return { t: 'lit', v: name === 'true' };
    if (name === 'null') return { t: 'lit', v: null };
    if (!this.#eat('(')) return { t: 'id', name };
    const args = this.#args(')');
    if (name === 'has') {
      const [arg] = args;
      if (args.length !== 1 || arg?.t !== 'sel')
        throw new CelUnsupported('has() takes one field selection');
      return { t: 'has', obj: arg.obj, field: arg.field };
    }
    return { t: 'call', fn: name, target: undefined, args };
  }

  #mapLiteral(): CelNode {
    const entries: [CelNode, CelNode][] = [];
    while (!this.#eat('}')) {
      if (entries.length > 0) this.#expect(',');
      const key = this.expr();
      this.#expect(':');
      entries.push([key, this.expr()]);
    }
    return { t: 'map', entries };
  }
}

/** Parses a rule; throws CelUnsupported for what this subset does not read. */
export function parseCel(source: string): CelNode {
  return new Parser(tokenize(source)).parseAll();
}
