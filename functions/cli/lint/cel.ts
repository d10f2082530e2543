// The CRDs' CEL (x-kubernetes-validations rules), compiled and run with @bufbuild/cel, whose
// matches() reads RE2 as the apiserver's cel-go does, on values typed from the schema as the
// apiserver types them: integer → int, number → double, int-or-string → int or string.
import { CelScalar, celEnv, parse, plan, type CelInput } from '@bufbuild/cel';

/** A rule this evaluator cannot run: the rule is then reported as unchecked. */
export class CelUnsupported extends Error {
  override readonly name = 'CelUnsupported';
}

/** A compiled expression: its value for `self`, or a CelError (no such key, bad regex...). */
export type CelProgram = (self: CelInput) => unknown;

/** An OpenAPI v3 schema node as CRDs write it. */
type Schema = Readonly<Record<string, unknown>>;

const env = celEnv({ variables: { self: CelScalar.DYN } });

// Operators the planner evaluates itself (short-circuits, ?:, indexing), not through env.funcs.
const plannedOperators = new Set([
  '_&&_',
  '_||_',
  '_?_:_',
  '_[_]',
  '_[?_]',
  '_?._',
  '@not_strictly_false',
  '__not_strictly_false__',
]);

/** The functions a parsed expression calls (macros are already expanded into comprehensions). */
function calledFunctions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(calledFunctions);
  if (typeof node !== 'object' || node === null) return [];
  const nested = Object.values(node).flatMap(calledFunctions);
  const call = node as { $typeName?: unknown; function?: unknown };
  return call.$typeName === 'cel.expr.Expr.Call' && typeof call.function === 'string'
    ? [call.function, ...nested]
    : nested;
}

/** Compiles an expression over `self`; throws CelUnsupported for what it cannot run. */
export function compileCel(expression: string): CelProgram {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    throw new CelUnsupported(`cannot read it: ${(error as Error).message}`, { cause: error });
  }
  const unknown = calledFunctions(parsed.expr).find(
    (fn) => !plannedOperators.has(fn) && env.funcs.find(fn) === undefined,
  );
  if (unknown !== undefined) {
    throw new CelUnsupported(`function ${unknown}() is not known to kulta lint`);
  }
  const program = plan(env, parsed);
  return (self) => program({ self });
}

function record(v: unknown): Schema | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Schema) : undefined;
}

function fieldSchema(schema: Schema | undefined, key: string): Schema | undefined {
  return record(record(schema?.properties)?.[key]) ?? record(schema?.additionalProperties);
}

/**
 * `value` (JSON) as the apiserver hands it to CEL under `schema`: a whole number is an int
 * unless the schema says number (double); objects are maps, typed field by field.
 */
export function celValue(value: unknown, schema: Schema | undefined): CelInput {
  if (typeof value === 'number') {
    return schema?.type === 'number' || !Number.isInteger(value) ? value : BigInt(value);
  }
  if (Array.isArray(value)) {
    const items = record(schema?.items);
    return value.map((v) => celValue(v, items));
  }
  const object = record(value);
  if (object) {
    return new Map(
      Object.entries(object).map(([k, v]) => [k, celValue(v, fieldSchema(schema, k))]),
    );
  }
  return value as CelInput;
}
