// The values a condition computes with, how they are named in messages, and the error for a
// value that is not there (an index out of range, an absent field), which `??` and default() catch.
import type { ExpressionNode } from './expression-ast.ts';
import { ExpressionError } from './expression-tokens.ts';

/** A value a condition can see: what a metric provider returned, or what an operator made. */
export type Value = number | string | boolean | null | readonly Value[] | ValueRecord;

/** An object value (e.g. one series with its labels); only its own fields are visible. */
export interface ValueRecord {
  readonly [field: string]: Value;
}

/** A value that is not there: `default(x, d)`, `x ?? d` and `isNil(x)` treat it as nil. */
export class MissingValueError extends ExpressionError {
  constructor(message: string, column?: number) {
    super(message, column);
    this.name = 'MissingValueError';
  }
}

export function isArray(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

export function isRecord(value: Value): value is ValueRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function ownValue(record: Readonly<Record<string, Value>>, key: string): Value | undefined {
  // Own fields only: `constructor`, `__proto__` and friends from prototypes are never reachable.
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Formats a value for status messages: Prometheus spelling for special numbers. */
export function formatValue(value: Value): string {
  if (value === null) return 'nil';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return '+Inf';
    if (value === -Infinity) return '-Inf';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (isArray(value)) return `[${value.map(formatValue).join(',')}]`;
  const fields = Object.keys(value).map(
    (k) => `${JSON.stringify(k)}:${formatValue(ownValue(value, k) ?? null)}`,
  );
  return `{${fields.join(',')}}`;
}

export function typeName(value: Value): string {
  if (value === null) return 'nil';
  if (isArray(value)) return 'array';
  if (isRecord(value)) return 'object';
  return typeof value;
}

export function describeValue(value: Value): string {
  if (value === null) return 'nil';
  const text = formatValue(value);
  return `${typeName(value)} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

export function typeError(node: ExpressionNode, message: string): ExpressionError {
  return new ExpressionError(`${message} at column ${node.pos + 1}`, node.pos + 1);
}

export function missing(node: ExpressionNode, message: string): MissingValueError {
  return new MissingValueError(`${message} at column ${node.pos + 1}`, node.pos + 1);
}

/** `==` on scalars; arrays and objects are never equal to anything (use `in` or an index). */
export function sameScalar(left: Value, right: Value): boolean {
  if (typeof left === 'object' && left !== null) return false;
  if (typeof right === 'object' && right !== null) return false;
  return left === right;
}
