// Offline validation against a CRD's structural OpenAPI v3 schema, as the apiserver does it with
// strict field validation (kubectl's default): types, int-or-string, enums, bounds, patterns,
// required fields, unknown fields, list uniqueness, and every x-kubernetes-validations CEL rule
// (see cel.ts); a rule that cannot be evaluated offline is counted as unchecked.
import { CelUnsupported, celValue, compileCel, type CelProgram } from './cel.ts';

export interface Problem {
  /** The field, e.g. spec.strategy.canary.steps[0].setWeight. */
  readonly path: string;
  readonly message: string;
}

/** An OpenAPI v3 schema node as CRDs write it. */
export type Schema = Readonly<Record<string, unknown>>;

interface Rule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
}

export interface SchemaResult {
  readonly problems: Problem[];
  /** Rules that could not be evaluated offline, with why. */
  readonly unchecked: string[];
}

/** How a failed rule without any message is reported (the apiserver shows its CEL; lint does not). */
export const unnamedRule = 'fails a rule of its CRD that has no message';

const compiledRules = new Map<string, CelProgram | CelUnsupported>();

function compiled(rule: string): CelProgram | CelUnsupported {
  let program = compiledRules.get(rule);
  if (!program) {
    try {
      program = compileCel(rule);
    } catch (error) {
      if (!(error instanceof CelUnsupported)) throw error;
      program = error;
    }
    compiledRules.set(rule, program);
  }
  return program;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function typeMatches(type: unknown, v: unknown): boolean {
  const actual = jsonType(v);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return type === undefined || type === actual;
}

class Walker {
  readonly problems: Problem[] = [];
  readonly unchecked: string[] = [];

  #problem(path: string, message: string): void {
    this.problems.push({ path: path === '' ? '(document)' : path, message });
  }

  node(value: unknown, schema: Schema, path: string): void {
    if (value === null) return; // the apiserver prunes nulls of non-nullable fields
    if (!this.#type(value, schema, path)) return;
    this.#scalar(value, schema, path);
    if (Array.isArray(value)) this.#array(value, schema, path);
    else if (isRecord(value)) this.#object(value, schema, path);
    this.#anyOf(value, schema, path);
    this.#rules(value, schema, path);
  }

  #type(value: unknown, schema: Schema, path: string): boolean {
    if (schema['x-kubernetes-int-or-string'] === true) {
      if (typeof value === 'string' || jsonType(value) === 'integer') return true;
      this.#problem(path, `must be a whole number or a string, not ${jsonType(value)}`);
      return false;
    }
    if (typeMatches(schema.type, value)) return true;
    this.#problem(path, `must be ${String(schema.type)}, not ${jsonType(value)}`);
    return false;
  }

  #scalar(value: unknown, schema: Schema, path: string): void {
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
      this.#problem(path, `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    }
    if (typeof value === 'number') this.#bounds(value, schema, path);
    if (typeof value === 'string') this.#string(value, schema, path);
  }

  #bounds(value: number, schema: Schema, path: string): void {
    const { minimum, maximum } = schema;
    if (
      typeof minimum === 'number' &&
      (schema.exclusiveMinimum === true ? value <= minimum : value < minimum)
    ) {
      this.#problem(
        path,
        `must be ${schema.exclusiveMinimum === true ? 'more than' : 'at least'} ${String(minimum)}`,
      );
    }
    if (
      typeof maximum === 'number' &&
      (schema.exclusiveMaximum === true ? value >= maximum : value > maximum)
    ) {
      this.#problem(
        path,
        `must be ${schema.exclusiveMaximum === true ? 'less than' : 'at most'} ${String(maximum)}`,
      );
    }
  }

  #string(value: string, schema: Schema, path: string): void {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      this.#problem(path, `must be at most ${String(schema.maxLength)} characters`);
    }
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      this.#problem(path, `must be at least ${String(schema.minLength)} characters`);
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      this.#problem(path, `must match ${schema.pattern}`);
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
      this.#problem(path, 'must be an RFC 3339 time like 2026-01-31T12:00:00Z');
    }
  }

  #array(value: readonly unknown[], schema: Schema, path: string): void {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      this.#problem(path, `must have at most ${String(schema.maxItems)} items`);
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      this.#problem(path, `must have at least ${String(schema.minItems)} items`);
    }
    this.#unique(value, schema, path);
    const items = schema.items;
    if (!isRecord(items)) return;
    value.forEach((v, i) => {
      this.node(v, items, `${path}[${String(i)}]`);
    });
  }

  #unique(value: readonly unknown[], schema: Schema, path: string): void {
    const type = schema['x-kubernetes-list-type'];
    const keys = schema['x-kubernetes-list-map-keys'];
    if (type !== 'set' && type !== 'map') return;
    const identity = (v: unknown): string =>
      type === 'map' && Array.isArray(keys) && isRecord(v)
        ? JSON.stringify(keys.map((k) => v[String(k)]))
        : JSON.stringify(v);
    const seen = value.map(identity);
    const twice = seen.findIndex((s, i) => seen.indexOf(s) !== i);
    if (twice >= 0) {
      const what =
        type === 'map' && Array.isArray(keys) ? `the same ${keys.join(', ')}` : 'the same value';
      this.#problem(
        `${path}[${String(twice)}]`,
        `has ${what} as an earlier item; each must be unique`,
      );
    }
  }

  #object(value: Readonly<Record<string, unknown>>, schema: Schema, path: string): void {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (value[String(name)] === undefined)
        this.#problem(childPath(path, String(name)), 'is required');
    }
    if (
      typeof schema.maxProperties === 'number' &&
      Object.keys(value).length > schema.maxProperties
    ) {
      this.#problem(path, `must have at most ${String(schema.maxProperties)} entries`);
    }
    const embedded = schema['x-kubernetes-embedded-resource'] === true;
    for (const [key, child] of Object.entries(value)) {
      const sub = properties[key];
      if (isRecord(sub)) this.node(child, sub, childPath(path, key));
      else this.#extra(key, child, schema, { path, embedded, known: Object.keys(properties) });
    }
  }

  #extra(
    key: string,
    child: unknown,
    schema: Schema,
    where: { path: string; embedded: boolean; known: readonly string[] },
  ): void {
    const additional = schema.additionalProperties;
    if (isRecord(additional)) {
      this.node(child, additional, childPath(where.path, key));
      return;
    }
    if (additional === true || schema['x-kubernetes-preserve-unknown-fields'] === true) return;
    if (where.embedded && ['apiVersion', 'kind', 'metadata'].includes(key)) return;
    const hint = where.known.length > 0 ? ` (known here: ${where.known.join(', ')})` : '';
    this.#problem(
      childPath(where.path, key),
      `unknown field: remove it or fix its spelling${hint}`,
    );
  }

  #anyOf(value: unknown, schema: Schema, path: string): void {
    // Structural schemas use anyOf only for value checks (e.g. int-or-string's shapes).
    if (!Array.isArray(schema.anyOf)) return;
    const passes = schema.anyOf.some((alt) => {
      if (!isRecord(alt)) return true;
      const probe = new Walker();
      probe.node(
        value,
        {
          ...alt,
          type: alt.type ?? schema.type,
          'x-kubernetes-int-or-string': schema['x-kubernetes-int-or-string'],
        },
        path,
      );
      return probe.problems.length === 0;
    });
    if (!passes) this.#problem(path, 'matches none of the allowed forms');
  }

  #rules(value: unknown, schema: Schema, path: string): void {
    const rules = schema['x-kubernetes-validations'];
    if (!Array.isArray(rules)) return;
    const self = celValue(value, schema);
    for (const raw of rules as Rule[]) {
      const program = compiled(raw.rule);
      if (program instanceof CelUnsupported) {
        this.unchecked.push(`${path}: ${raw.rule} (${program.message})`);
        continue;
      }
      // An evaluation error (no such key, an invalid regex) fails the rule, as in the apiserver.
      if (program(self) !== true) {
        const at = raw.fieldPath ? `${path}${raw.fieldPath}` : path;
        this.#problem(at, ruleMessage(raw, self));
      }
    }
  }
}

/**
 * What the apiserver says when `rule` fails: its messageExpression's value, else its message
 * (as the apiserver falls back when the expression errs or gives an empty string).
 */
function ruleMessage(rule: Rule, self: ReturnType<typeof celValue>): string {
  if (rule.messageExpression !== undefined) {
    const program = compiled(rule.messageExpression);
    const text = program instanceof CelUnsupported ? undefined : program(self);
    if (typeof text === 'string' && text.trim() !== '') return text;
  }
  return rule.message ?? unnamedRule;
}

/** Checks `value` (a whole object) against a CRD version's openAPIV3Schema. */
export function validateAgainstSchema(value: unknown, schema: Schema): SchemaResult {
  const walker = new Walker();
  const root = isRecord(value) ? { ...value } : value;
  // metadata is ObjectMeta, checked by the apiserver itself, not by the CRD's schema.
  if (isRecord(root)) delete root.metadata;
  walker.node(root, schema, '');
  return { problems: walker.problems, unchecked: walker.unchecked };
}
