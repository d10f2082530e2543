// The JSONPath a web metric selects its value with: the subset of Kubernetes' JSONPath (the one
// Argo Rollouts uses) that Argo's users write, parsed once and evaluated over a parsed JSON body.
//
// Accepted: an optional `{…}` wrapper, an optional `$`, then `.field`, `['field']` / `["field"]`,
// `[index]` (negative counts from the end), `[*]` and `.*`. `{$}` (or an empty path) is the whole
// body. Filters, slices, recursive descent and several expressions are refused with a message
// naming the part, never half-understood. A path that matches several values (a wildcard) yields
// all of them as a list; Argo keeps only the first, which hides every other value from the
// conditions.

/** One step of a path. */
export type PathSegment =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

export interface JsonPath {
  /** The path as written, for messages. */
  readonly source: string;
  readonly segments: readonly PathSegment[];
}

/** A path that cannot be parsed, or a body it does not fit; the message says where and why. */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_-]*/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;
const QUOTED = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/;
const WILDCARD = /^(?:\.\*|\[\s*\*\s*\])/;

/** The path without its `{}` wrapper and leading `$`. */
function body(source: string): string {
  let inner = source.trim();
  if (inner.startsWith('{')) {
    if (!inner.endsWith('}')) throw new JsonPathError(`${source}: a "{" without its closing "}"`);
    inner = inner.slice(1, -1).trim();
  }
  if (inner.includes('{') || inner.includes('}')) {
    throw new JsonPathError(
      `${source}: only one expression is supported (the value of one path is the result)`,
    );
  }
  if (inner.startsWith('$')) inner = inner.slice(1);
  return inner;
}

function unsupported(source: string, rest: string): JsonPathError {
  const what = rest.startsWith('..')
    ? 'recursive descent (..)'
    : rest.startsWith('[?')
      ? 'filters ([?(…)])'
      : /^\[[^\]]*:/.test(rest)
        ? 'slices ([a:b])'
        : rest.startsWith('[') && rest.includes(',')
          ? 'unions ([a,b])'
          : undefined;
  const near = JSON.stringify(rest.slice(0, 20));
  return new JsonPathError(
    what === undefined
      ? `${source}: cannot read the path at ${near}; use .field, ['field'], [index] or [*]`
      : `${source}: ${what} are not supported; select with .field, ['field'], [index] or [*]`,
  );
}

function nextSegment(rest: string, source: string): { segment: PathSegment; length: number } {
  const wildcard = WILDCARD.exec(rest);
  if (wildcard) return { segment: { kind: 'wildcard' }, length: wildcard[0].length };
  if (rest.startsWith('.') && !rest.startsWith('..')) {
    const field = FIELD.exec(rest.slice(1));
    if (field) return { segment: { kind: 'field', name: field[0] }, length: field[0].length + 1 };
  }
  const index = INDEX.exec(rest);
  if (index) {
    return { segment: { kind: 'index', index: Number(index[1]) }, length: index[0].length };
  }
  const quoted = QUOTED.exec(rest);
  if (quoted) {
    const name = (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1');
    return { segment: { kind: 'field', name }, length: quoted[0].length };
  }
  throw unsupported(source, rest);
}

/** Parses a path; throws JsonPathError naming the part it cannot read. */
export function parseJsonPath(source: string): JsonPath {
  const segments: PathSegment[] = [];
  let rest = body(source);
  // `{.a}` and `{a}` (no leading dot) both mean field a, as in Kubernetes' JSONPath.
  if (FIELD.test(rest)) rest = `.${rest}`;
  while (rest.length > 0) {
    const { segment, length } = nextSegment(rest, source);
    segments.push(segment);
    rest = rest.slice(length).trimStart();
  }
  return { source, segments };
}

function describe(segments: readonly PathSegment[]): string {
  return (
    '$' +
    segments
      .map((s) =>
        s.kind === 'field'
          ? FIELD.test(s.name) && FIELD.exec(s.name)?.[0] === s.name
            ? `.${s.name}`
            : `[${JSON.stringify(s.name)}]`
          : s.kind === 'index'
            ? `[${String(s.index)}]`
            : '[*]',
      )
      .join('')
  );
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${String(value.length)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fieldNames(value: object): string {
  const names = Object.keys(value).slice(0, 8);
  return names.length === 0 ? 'none' : names.join(', ');
}

function wildcardStep(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value === 'object' && value !== null) return Object.values(value);
  throw new JsonPathError(`${where} is ${kindOf(value)}, not a list or object for [*]`);
}

function indexStep(value: unknown, index: number, where: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new JsonPathError(`${where} is ${kindOf(value)}, not a list for [${String(index)}]`);
  }
  const i = index < 0 ? value.length + index : index;
  if (i < 0 || i >= value.length) {
    throw new JsonPathError(
      `${where} has ${String(value.length)} items; [${String(index)}] is out of range`,
    );
  }
  return [value[i]];
}

function fieldStep(value: unknown, name: string, where: string): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JsonPathError(`${where} is ${kindOf(value)}, which has no field "${name}"`);
  }
  if (!Object.hasOwn(value, name)) {
    throw new JsonPathError(`${where} has no field "${name}" (its fields: ${fieldNames(value)})`);
  }
  return [(value as Record<string, unknown>)[name]];
}

function step(value: unknown, segment: PathSegment, at: readonly PathSegment[]): unknown[] {
  const where = describe(at);
  switch (segment.kind) {
    case 'wildcard':
      return wildcardStep(value, where);
    case 'index':
      return indexStep(value, segment.index, where);
    case 'field':
      return fieldStep(value, segment.name, where);
  }
}

/**
 * The value the path selects from `document`: one value, or a list of every match when the path
 * has a wildcard. Throws JsonPathError naming the first place the document does not fit.
 */
export function selectJsonPath(path: JsonPath, document: unknown): unknown {
  let current: unknown[] = [document];
  const wildcard = path.segments.some((s) => s.kind === 'wildcard');
  path.segments.forEach((segment, i) => {
    const at = path.segments.slice(0, i);
    current = current.flatMap((value) => step(value, segment, at));
  });
  return wildcard ? current : current[0];
}
