// Reading JSON from the API without trusting its shape: each reader returns a typed value or a
// fallback, and the parsers report what was wrong with the field's path.
import type { JsonObject, PodMetadata } from './types.ts';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function int(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) ? value : fallback;
}

/** A whole number, or undefined when absent (a default that means "no limit"). */
export function optionalInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function podMetadata(value: unknown): PodMetadata {
  const o = obj(value);
  return { labels: stringMap(o.labels), annotations: stringMap(o.annotations) };
}

/** An int-or-string field such as maxSurge: a number, a string like "25%", or the fallback. */
export function intOrPercent(value: unknown, fallback: string): number | string {
  return typeof value === 'number' ? value : (str(value) ?? fallback);
}
