// Substitutes {{args.name}} in PromQL queries so that no argument value can change the query's shape.
//
// Arguments are meant for label values and other string literals: write them inside quotes,
// `http_requests_total{service="{{args.service}}"}`. The template is scanned like PromQL's lexer
// does, so each placeholder's context is known:
// - inside "…" or '…': the value is escaped (backslash, the quote, newlines, control characters),
//   so it stays one string literal whatever it contains;
// - inside `…` (a raw string, which has no escapes): values with a backtick are refused;
// - outside quotes (or in a # comment): strict mode, only [A-Za-z0-9_:.-] is accepted, e.g. a
//   metric name or a range like 5m, so nothing can open a new selector or expression.
// In a regex matcher (=~ "{{args.x}}") the escaped value is still a regex: `.*` matches anything.
// Use `escapeRegex: true` to quote regex metacharacters as well.

/** An argument that is missing, or whose value cannot be placed safely. */
export class ArgumentError extends Error {
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(message);
    this.name = 'ArgumentError';
    this.argument = argument;
  }
}

export interface SubstituteOptions {
  /** Quote regex metacharacters in quoted values too (for =~ and !~ matchers). */
  readonly escapeRegex?: boolean;
}

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/y;
const STRICT_VALUE = /^[A-Za-z0-9_:.-]+$/;
const REGEX_META = /[\\^$.|?*+()[\]{}]/g;
const HAS_REGEX_META = /[\\^$.|?*+()[\]{}]/;

type Context = 'code' | '"' | "'" | '`' | 'comment';

/** Replaces every {{args.name}} in `template`; throws ArgumentError naming the argument. */
export function substituteArgs(
  template: string,
  args: Readonly<Record<string, string | undefined>>,
  options: SubstituteOptions = {},
): string {
  let out = '';
  let context = 'code' as Context;
  let i = 0;
  while (i < template.length) {
    PLACEHOLDER.lastIndex = i;
    const placeholder = PLACEHOLDER.exec(template);
    if (placeholder) {
      const name = placeholder[1] ?? '';
      out += placeArg(name, lookup(args, name), context, options);
      i += placeholder[0].length;
      continue;
    }
    const ch = template.charAt(i);
    const escaped: boolean = (context === '"' || context === "'") && ch === '\\';
    const step = escaped ? template.slice(i, i + 2) : ch;
    context = escaped ? context : nextContext(context, ch);
    out += step;
    i += step.length;
  }
  return out;
}

/** The names of the arguments a template uses, in order of first use. */
export function argumentsUsed(template: string): string[] {
  const names = [...template.matchAll(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g)].map(
    (m) => m[1] ?? '',
  );
  return [...new Set(names)];
}

/** Escapes `value` for a PromQL string literal opened with `quote`. */
export function escapePromQLString(value: string, quote: '"' | "'" = '"'): string {
  let out = '';
  for (const ch of value) out += escapeChar(ch, quote);
  return out;
}

function escapeChar(ch: string, quote: string): string {
  if (ch === '\\' || ch === quote) return `\\${ch}`;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return ch;
}

function lookup(args: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = Object.hasOwn(args, name) ? args[name] : undefined;
  if (value === undefined) {
    throw new ArgumentError(
      name,
      `the query uses {{args.${name}}} but no value was given for argument "${name}"`,
    );
  }
  return value;
}

function placeArg(
  name: string,
  value: string,
  context: Context,
  options: SubstituteOptions,
): string {
  switch (context) {
    case '"':
    case "'": {
      const literal = options.escapeRegex === true ? value.replace(REGEX_META, '\\$&') : value;
      return escapePromQLString(literal, context);
    }
    case '`':
      if (value.includes('`') || (options.escapeRegex === true && HAS_REGEX_META.test(value))) {
        throw new ArgumentError(
          name,
          `argument "${name}" cannot be placed in a raw string: it contains a backtick${options.escapeRegex === true ? ' or a regex metacharacter' : ''}`,
        );
      }
      return value;
    case 'code':
    case 'comment':
      if (!STRICT_VALUE.test(value)) {
        throw new ArgumentError(
          name,
          `argument "${name}" is used outside quotes, where only letters, digits and _ : . - are allowed; got ${JSON.stringify(value)} (put {{args.${name}}} inside "…" for label values)`,
        );
      }
      return value;
  }
}

function nextContext(context: Context, ch: string): Context {
  switch (context) {
    case 'code':
      if (ch === '"' || ch === "'" || ch === '`') return ch;
      return ch === '#' ? 'comment' : 'code';
    case 'comment':
      return ch === '\n' ? 'code' : 'comment';
    case '"':
    case "'":
    case '`':
      return ch === context ? 'code' : context;
  }
}
