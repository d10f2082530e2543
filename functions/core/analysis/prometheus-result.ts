// Parses Prometheus HTTP API query responses and maps them to a condition's `result`, as Argo does.
//
// Sample values arrive as strings ("0.5", "NaN", "+Inf", "-Inf") and timestamps as FRACTIONAL
// seconds (1700000000.123); both are parsed exactly, timestamps to whole milliseconds.
// `result` is: vector → array of numbers (so `result[0]`), scalar → number, string → string,
// matrix → array (one per series) of arrays of numbers. An empty vector or matrix, and a vector
// whose every value is NaN (0/0: no traffic), is NO DATA, a distinct outcome with its own policy.
import { formatValue, type Value } from './expression-eval.ts';
import { parseSampleValue } from './sample-value.ts';

/** The kinds of result Prometheus's query API returns. */
export type ResultType = 'vector' | 'scalar' | 'matrix' | 'string';

export type Labels = Readonly<Record<string, string>>;

/** One value at one time; `timeMs` is milliseconds since the epoch. */
export interface Point {
  readonly timeMs: number;
  readonly value: number;
}

/** One series of an instant vector. */
export interface Sample extends Point {
  readonly labels: Labels;
}

/** One series of a range vector (matrix). */
export interface Series {
  readonly labels: Labels;
  readonly points: readonly Point[];
}

/** The `data` of a successful query, parsed. */
export type QueryData =
  | { readonly resultType: 'vector'; readonly samples: readonly Sample[] }
  | { readonly resultType: 'scalar'; readonly point: Point }
  | { readonly resultType: 'string'; readonly timeMs: number; readonly value: string }
  | { readonly resultType: 'matrix'; readonly series: readonly Series[] };

/** A whole response: Prometheus's own success or error envelope. */
export type QueryResponse =
  | { readonly status: 'success'; readonly data: QueryData; readonly warnings: readonly string[] }
  | { readonly status: 'error'; readonly errorType: string; readonly error: string };

/** What a condition gets to judge: a value, or the distinct NO-DATA outcome. */
export type ResultOutcome =
  | { readonly kind: 'value'; readonly result: Value; readonly display: string }
  | { readonly kind: 'no-data'; readonly reason: string };

/** A response body that is not what the Prometheus HTTP API sends. */
export class PrometheusResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusResponseError';
  }
}

function fail(message: string): never {
  throw new PrometheusResponseError(`unexpected Prometheus response: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a decoded JSON body of /api/v1/query or /api/v1/query_range. */
export function parseQueryResponse(body: unknown): QueryResponse {
  if (!isObject(body)) return fail('the body is not a JSON object');
  if (body.status === 'error') {
    const error = typeof body.error === 'string' ? body.error : 'no error message';
    const errorType = typeof body.errorType === 'string' ? body.errorType : 'unknown';
    return { status: 'error', errorType, error };
  }
  if (body.status !== 'success') return fail(`status is ${JSON.stringify(body.status)}`);
  if (!isObject(body.data)) return fail('"data" is missing');
  const warnings = Array.isArray(body.warnings)
    ? body.warnings.filter((w): w is string => typeof w === 'string')
    : [];
  return { status: 'success', data: parseData(body.data), warnings };
}

function parseData(data: Record<string, unknown>): QueryData {
  const { resultType, result } = data;
  switch (resultType) {
    case 'vector':
      return { resultType, samples: parseList(result, 'vector', parseSample) };
    case 'matrix':
      return { resultType, series: parseList(result, 'matrix', parseSeries) };
    case 'scalar':
      return { resultType, point: parsePoint(result, 'scalar') };
    case 'string': {
      const [time, value] = pair(result, 'string');
      if (typeof value !== 'string') return fail('a string result without a string value');
      return { resultType, timeMs: parseTimestamp(time), value };
    }
    default:
      return fail(`unknown resultType ${JSON.stringify(resultType)}`);
  }
}

function parseList<T>(list: unknown, what: string, parse: (item: unknown) => T): T[] {
  if (!Array.isArray(list)) return fail(`the ${what} result is not a list`);
  return list.map(parse);
}

function parseLabels(metric: unknown): Labels {
  if (!isObject(metric)) return fail('a series without a "metric" object');
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(metric)) {
    if (typeof value !== 'string') return fail(`label ${name} is not a string`);
    labels[name] = value;
  }
  return labels;
}

function parseSample(item: unknown): Sample {
  if (!isObject(item)) return fail('a vector element is not an object');
  if (item.value === undefined && item.histogram !== undefined) {
    return fail('native histogram samples are not supported; query a float series instead');
  }
  return { labels: parseLabels(item.metric), ...parsePoint(item.value, 'vector') };
}

function parseSeries(item: unknown): Series {
  if (!isObject(item)) return fail('a matrix element is not an object');
  if (item.values === undefined && item.histograms !== undefined) {
    return fail('native histogram series are not supported; query a float series instead');
  }
  return {
    labels: parseLabels(item.metric),
    points: parseList(item.values, 'series', (point) => parsePoint(point, 'matrix')),
  };
}

function pair(value: unknown, what: string): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2)
    return fail(`a ${what} value is not [time, value]`);
  return [value[0], value[1]];
}

function parsePoint(value: unknown, what: string): Point {
  const [time, text] = pair(value, what);
  if (typeof text !== 'string') return fail(`a ${what} sample value is not a string`);
  const parsed = parseSampleValue(text);
  if (parsed === undefined) return fail(`sample value ${JSON.stringify(text)} is not a number`);
  return { timeMs: parseTimestamp(time), value: parsed };
}

/** Prometheus timestamps are fractional seconds (a JSON number); returns whole milliseconds. */
export function parseTimestamp(value: unknown): number {
  const seconds = typeof value === 'string' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || value === '') {
    return fail(`timestamp ${JSON.stringify(value)} is not a number of seconds`);
  }
  return Math.round(seconds * 1000);
}

/** Maps query data to a condition's `result`, or to NO DATA. */
export function toResultOutcome(data: QueryData): ResultOutcome {
  switch (data.resultType) {
    case 'vector': {
      if (data.samples.length === 0)
        return { kind: 'no-data', reason: 'the query returned an empty vector' };
      const values = data.samples.map((s) => s.value);
      if (values.every(Number.isNaN)) {
        return {
          kind: 'no-data',
          reason: 'every value the query returned is NaN (0/0: no traffic?)',
        };
      }
      return { kind: 'value', result: values, display: formatValue(values) };
    }
    case 'scalar':
      return { kind: 'value', result: data.point.value, display: formatValue(data.point.value) };
    case 'string':
      return { kind: 'value', result: data.value, display: data.value };
    case 'matrix': {
      if (data.series.every((s) => s.points.length === 0)) {
        return { kind: 'no-data', reason: 'the query returned no samples' };
      }
      const values = data.series.map((s) => s.points.map((p) => p.value));
      return { kind: 'value', result: values, display: formatValue(values) };
    }
  }
}

/**
 * The values of every series of a matrix (or vector), flattened: the samples a judge compares.
 * A string result has none.
 */
export function sampleValues(data: QueryData): number[] {
  switch (data.resultType) {
    case 'matrix':
      return data.series.flatMap((s) => s.points.map((p) => p.value));
    case 'vector':
      return data.samples.map((s) => s.value);
    case 'scalar':
      return [data.point.value];
    case 'string':
      return [];
  }
}
