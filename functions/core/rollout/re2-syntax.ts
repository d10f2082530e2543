// Checks a regular expression against RE2's syntax as Go's regexp/syntax (Perl flags) reads it:
// the dialect of Envoy-based gateways, and of the apiserver's CEL, which refuses the same
// patterns when a Rollout is applied. It checks syntax: no lookaround, no backreferences,
// balanced groups and classes, repetitions of something, counts up to 1000 (also nested). Left to
// the apiserver: the names inside \p{…} (Go reads many spellings) and the size and depth limits,
// which patterns within the CRD's 1024 characters cannot reach. Stricter than Go where RE2 is:
// a capture name used twice.

/** Why RE2 refuses `pattern` (Go's wording), or undefined when it parses. */
export function re2SyntaxError(pattern: string): string | undefined {
  try {
    new Re2Checker(pattern).check();
    return undefined;
  } catch (error) {
    if (error instanceof Re2SyntaxError) return error.message;
    throw error;
  }
}

class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError';
}

const maxRepeat = 1000;
const posixClasses = new Set(
  'alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '),
);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);

/**
 * An open group. `last` is what a repetition would apply to: undefined right after `(` or `|`
 * (nothing to repeat), else the weight of the last item; an item's weight is the product of the
 * {n,m} counts around its innermost part, which Go caps at 1000 (`(a{100}){20}` is refused).
 */
interface Group {
  last: number | undefined;
  heaviest: number;
}

/** One pass over the pattern, tracking only what decides validity (Go's parser, simplified). */
class Re2Checker {
  readonly #s: string;
  #i = 0;
  readonly #groups: Group[] = [{ last: undefined, heaviest: 1 }];
  readonly #names = new Set<string>();
  /** Where the last token started, when it was a repetition (RE2 refuses `a**`, `a{2}+`). */
  #lastRepeat: number | undefined;

  constructor(pattern: string) {
    this.#s = pattern;
  }

  #fail(what: string, from: number): never {
    throw new Re2SyntaxError(`${what}: \`${this.#s.slice(from, this.#i)}\``);
  }

  check(): void {
    while (this.#i < this.#s.length) {
      const from = this.#i;
      this.#lastRepeat = this.#token() ? from : undefined;
    }
    if (this.#groups.length !== 1) {
      throw new Re2SyntaxError(`missing closing ): \`${this.#s}\``);
    }
  }

  /** Reads one token; true when it was a repetition operator. */
  #token(): boolean {
    const c = this.#s.charAt(this.#i);
    switch (c) {
      case '(':
        this.#openGroup();
        return false;
      case ')':
        this.#closeGroup();
        return false;
      case '|':
        this.#i += 1;
        this.#group().last = undefined;
        return false;
      case '*':
      case '+':
      case '?':
        this.#repeat(this.#i, this.#i + 1, 1);
        return true;
      case '{':
        return this.#braces();
      case '[':
        this.#class();
        this.#atom();
        return false;
      case '\\':
        this.#escapeToken();
        return false;
      default:
        this.#i += 1;
        this.#atom();
        return false;
    }
  }

  #group(): Group {
    const group = this.#groups.at(-1);
    if (!group) throw new Error('the outermost group is never closed');
    return group;
  }

  /** Something that can be repeated ended, of the given weight. */
  #atom(weight = 1): void {
    const group = this.#group();
    group.last = weight;
    group.heaviest = Math.max(group.heaviest, weight);
  }

  /** A repetition operator from `from` to `end`, multiplying the item's weight by `factor`. */
  #repeat(from: number, end: number, factor: number): void {
    this.#i = end;
    if (this.#s.charAt(this.#i) === '?') this.#i += 1; // non-greedy
    if (this.#lastRepeat !== undefined) {
      this.#fail('invalid nested repetition operator', this.#lastRepeat);
    }
    const last = this.#group().last;
    if (last === undefined) this.#fail('missing argument to repetition operator', from);
    if (last * factor > maxRepeat) this.#fail('invalid repeat count', from);
    this.#atom(last * factor);
  }

  /** `{n}`, `{n,}`, `{n,m}`; anything else is a literal `{`. */
  #braces(): boolean {
    const from = this.#i;
    const counts = repeatCounts(this.#s.slice(from));
    if (!counts) {
      this.#i += 1;
      this.#atom();
      return false;
    }
    this.#i = from + counts.length;
    const { lo, hi } = counts;
    if (lo > maxRepeat || hi > maxRepeat || (hi >= 0 && lo > hi)) {
      this.#fail('invalid repeat count', from);
    }
    // Go weighs {n,m} by m ({n,} by n); {0} and {0,0} match nothing, so their inside is free.
    const factor = hi === 0 ? 0 : Math.max(1, hi > 0 ? hi : lo);
    this.#repeat(from, this.#i, factor);
    if (factor === 0) this.#group().last = 1;
    return true;
  }

  #openGroup(): void {
    const from = this.#i;
    this.#i += 1;
    if (this.#s.charAt(this.#i) === '?') this.#groupFlags(from);
    else this.#push();
  }

  #push(): void {
    this.#groups.push({ last: undefined, heaviest: 1 });
  }

  /** After `(?`: a named group, or flags `imsU` (optionally negated) then `)` or `:`. */
  #groupFlags(from: number): void {
    const rest = this.#s.slice(this.#i + 1);
    const named = /^P?<([^>]*)>/.exec(rest);
    if (named || rest.startsWith('P<') || rest.startsWith('<')) {
      this.#namedGroup(from, named);
      return;
    }
    // Flags, a negation only once and followed by a flag, then ) or : (a group).
    const flags = /^\?[imsU]*(?:-[imsU]+)?([):])/.exec(this.#s.slice(this.#i));
    if (!flags) {
      this.#i += (/^\?[imsU-]*.?/.exec(this.#s.slice(this.#i))?.[0] ?? '').length;
      this.#fail('invalid or unsupported Perl syntax', from);
    }
    this.#i += flags[0].length;
    if (flags[1] === ':') this.#push();
  }

  #namedGroup(from: number, named: RegExpExecArray | null): void {
    if (!named) {
      this.#i = this.#s.length;
      this.#fail('invalid named capture', from);
    }
    this.#i += 1 + named[0].length;
    const name = named[1] ?? '';
    if (!/^[A-Za-z0-9_]+$/.test(name)) this.#fail('invalid named capture', from);
    if (this.#names.has(name)) this.#fail('duplicate capture group name', from);
    this.#names.add(name);
    this.#push();
  }

  #closeGroup(): void {
    this.#i += 1;
    if (this.#groups.length === 1) this.#fail('unexpected )', 0);
    const inner = this.#groups.pop();
    this.#atom(inner?.heaviest);
  }

  /** `\` outside a class: an assertion, \Q…\E, a class (\d, \pL) or one escaped character. */
  #escapeToken(): void {
    const next = this.#s.charAt(this.#i + 1);
    if ('AbBz'.includes(next) && next !== '') {
      this.#i += 2;
      this.#atom();
      return;
    }
    if (next === 'C') {
      this.#i += 2;
      this.#fail('invalid escape sequence', this.#i - 2);
    }
    if (next === 'Q') {
      const end = this.#s.indexOf('\\E', this.#i + 2);
      const literal = end < 0 ? this.#s.slice(this.#i + 2) : this.#s.slice(this.#i + 2, end);
      this.#i = end < 0 ? this.#s.length : end + 2;
      if (literal !== '') this.#atom();
      return;
    }
    this.#classEscape();
    this.#atom();
  }

  /** An escape that stands for one character or a class (\d, \pL, \x41, \n, \.). */
  #classEscape(): void {
    const from = this.#i;
    const next = this.#s.charAt(this.#i + 1);
    if (next === 'p' || next === 'P') {
      this.#unicodeClass(from);
      return;
    }
    if ('dDsSwW'.includes(next) && next !== '') {
      this.#i += 2;
      return;
    }
    this.#escape(from);
  }

  #unicodeClass(from: number): void {
    this.#i += 2;
    let name: string;
    if (this.#s.charAt(this.#i) === '{') {
      const end = this.#s.indexOf('}', this.#i);
      if (end < 0) {
        this.#i = this.#s.length;
        this.#fail('invalid character class range', from);
      }
      name = this.#s.slice(this.#i + 1, end);
      this.#i = end + 1;
    } else {
      name = this.#s.charAt(this.#i);
      this.#i += name.length;
    }
    if (name.startsWith('^')) name = name.slice(1);
    // Go knows names of letters and underscores, in many spellings (left to the apiserver).
    if (!/^[A-Za-z][A-Za-z_ -]*$/.test(name)) this.#fail('invalid character class range', from);
  }

  /** One escaped character: octal, \x41, \x{263a}, \a\f\n\r\t\v, or punctuation. */
  #escape(from: number): void {
    const s = this.#s;
    this.#i += 1;
    const c = s.charAt(this.#i);
    if (c === '') throw new Re2SyntaxError('trailing backslash at end of expression: ``');
    this.#i += c.length;
    if (c === '0' || ('1' <= c && c <= '7' && isOctal(s[this.#i]))) {
      for (let n = 0; n < 2 && isOctal(s[this.#i]); n += 1) this.#i += 1;
      return;
    }
    if (c === 'x') {
      this.#hexEscape(from);
      return;
    }
    if ('afnrtv'.includes(c)) return;
    if (c.charCodeAt(0) < 0x80 && !isAlnum(c)) return;
    this.#fail('invalid escape sequence', from);
  }

  #hexEscape(from: number): void {
    const s = this.#s;
    if (s.charAt(this.#i) === '{') {
      const m = /^\{([0-9A-Fa-f]+)\}/.exec(s.slice(this.#i));
      const digits = m?.[1] ?? '';
      if (!m || parseInt(digits, 16) > 0x10ffff) {
        this.#i = Math.min(s.length, this.#i + (m?.[0].length ?? 1));
        this.#fail('invalid escape sequence', from);
      }
      this.#i += m[0].length;
      return;
    }
    const ok = isHex(s[this.#i]) && isHex(s[this.#i + 1]);
    this.#i = Math.min(s.length, this.#i + 2);
    if (!ok) this.#fail('invalid escape sequence', from);
  }

  /** `[...]`: ranges in order, known [:posix:] and \p classes, closed by `]`. */
  #class(): void {
    const s = this.#s;
    const from = this.#i;
    this.#i += 1;
    if (s.charAt(this.#i) === '^') this.#i += 1;
    // A `]` right at the start is a character of the class.
    do this.#classItem(from);
    while (s.charAt(this.#i) !== ']');
    this.#i += 1;
  }

  /** One item of a class: [:alpha:], \pL, \d, a character, or a range a-z. */
  #classItem(classFrom: number): void {
    const s = this.#s;
    if (this.#i >= s.length) this.#fail('missing closing ]', classFrom);
    if (this.#posixClass()) return;
    const next = s.charAt(this.#i + 1);
    if (s.charAt(this.#i) === '\\' && next !== '' && 'pPdDsSwW'.includes(next)) {
      this.#classEscape();
      return;
    }
    const rangeFrom = this.#i;
    const lo = this.#classChar(classFrom);
    if (s.charAt(this.#i) === '-' && this.#i + 1 < s.length && s.charAt(this.#i + 1) !== ']') {
      this.#i += 1;
      const hi = this.#classChar(classFrom);
      if (hi < lo) this.#fail('invalid character class range', rangeFrom);
    }
  }

  #posixClass(): boolean {
    const s = this.#s;
    if (!s.startsWith('[:', this.#i)) return false;
    const end = s.indexOf(':]', this.#i + 2);
    if (end < 0) return false;
    const from = this.#i;
    const name = s.slice(this.#i + 2, end);
    this.#i = end + 2;
    if (!posixClasses.has(name.startsWith('^') ? name.slice(1) : name)) {
      this.#fail('invalid character class range', from);
    }
    return true;
  }

  /** One character of a class, as a code point (escapes decoded). */
  #classChar(classFrom: number): number {
    const s = this.#s;
    const start = this.#i;
    if (start >= s.length) this.#fail('missing closing ]', classFrom);
    if (s.charAt(start) !== '\\') {
      const cp = s.codePointAt(start) ?? 0;
      this.#i += cp > 0xffff ? 2 : 1;
      return cp;
    }
    this.#escape(start);
    return escapedCodePoint(s.slice(start, this.#i));
  }
}

/**
 * The counts of `{n}`, `{n,}` (hi -1) or `{n,m}` at the start of `text`, or undefined when it is
 * none (then `{` is a literal; Go reads a count with a leading zero as none).
 */
function repeatCounts(text: string): { length: number; lo: number; hi: number } | undefined {
  const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(text);
  const [whole, min, comma, max] = m ?? [];
  const leadingZero = (digits: string | undefined) =>
    digits !== undefined && /^0[0-9]/.test(digits);
  if (!whole || !min || leadingZero(min) || leadingZero(max)) return undefined;
  const lo = Number(min);
  const hi = comma === undefined ? lo : max ? Number(max) : -1;
  return { length: whole.length, lo, hi };
}

const controlEscapes: Readonly<Record<string, number>> = {
  a: 7,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
};

/** The code point of a valid escape (`\x41`, `\x{263a}`, `\101`, `\n`, `\.`). */
function escapedCodePoint(escape: string): number {
  const body = escape.slice(1);
  if (body.startsWith('x{')) return parseInt(body.slice(2, -1), 16);
  if (body.startsWith('x')) return parseInt(body.slice(1), 16);
  if (isDigit(body.charAt(0))) return parseInt(body, 8);
  return controlEscapes[body] ?? body.codePointAt(0) ?? 0;
}
