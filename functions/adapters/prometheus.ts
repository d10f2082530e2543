// Prometheus HTTP API adapter: instant and range queries with timeout, auth, and classified failures.
import { ArgumentError, substituteArgs } from '../core/analysis/args.ts';
import {
  QueryFailureKind,
  evaluateMeasurement,
  type MeasurementResult,
  type MetricCheck,
  type QueryAnswer,
  type QueryFailure,
} from '../core/analysis/measurement.ts';
import {
  PrometheusResponseError,
  parseQueryResponse,
  sampleValues,
} from '../core/analysis/prometheus-result.ts';
import type { MetricsQuerier, RangeWindow } from '../ports.ts';
import { insecureFetch } from './insecure-fetch.ts';
import { flattenRange, rangeWindow, type RangeQuerySpec } from '../core/analysis/range-query.ts';

/** Where and how to reach Prometheus (per rollout, or the default). */
export interface PrometheusConnection {
  /** Base URL, e.g. http://prometheus.monitoring:9090 or https://host/prometheus. */
  readonly address: string;
  /** Whole-request timeout; default 10 s. Also sent as the query's own `timeout`. */
  readonly timeoutMs?: number;
  readonly auth?:
    { readonly bearerToken: string } | { readonly username: string; readonly password: string };
  /** Extra request headers (e.g. X-Scope-OrgID for Thanos/Mimir tenants). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Skip verifying an https address' certificate (the metric's `insecure: true`). */
  readonly insecure?: boolean;
}

export type { MetricsQuerier, RangeWindow } from '../ports.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Prometheus refuses range queries with more points per series than this. */
const MAX_POINTS = 11_000;
/** errorType values that mean "try again later" whatever the HTTP status. */
const TRANSIENT_ERROR_TYPES: ReadonlySet<string> = new Set(['timeout', 'canceled', 'unavailable']);

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A MetricsQuerier over the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`). */
export function createPrometheusQuerier(
  connection: PrometheusConnection,
  fetchImpl: FetchLike = fetch,
): MetricsQuerier {
  const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = resolveEndpoint(connection);
  const transport = connection.insecure === true ? insecureFetch : fetchImpl;
  const post = (
    path: string,
    query: string,
    params: Record<string, string>,
  ): Promise<QueryAnswer> => {
    if (typeof endpoint === 'string') {
      return Promise.resolve(failure(query, QueryFailureKind.Rejected, endpoint));
    }
    const body = { query, timeout: `${timeoutMs / 1000}s`, ...params };
    return send({ endpoint, fetchImpl: transport, timeoutMs }, path, query, body);
  };
  return {
    query: (query, at) => post('/api/v1/query', query, at ? { time: seconds(at) } : {}),
    queryRange: (query, window) => {
      const problem = checkWindow(window);
      if (problem !== undefined) {
        return Promise.resolve(failure(query, QueryFailureKind.Rejected, problem));
      }
      return post('/api/v1/query_range', query, {
        start: seconds(window.start),
        end: seconds(window.end),
        step: String(window.stepSeconds),
      });
    },
  };
}

interface Endpoint {
  /** The address without credentials or trailing slash. */
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The base URL and request headers, or why the address is unusable. Credentials in the address
 * (http://user:pass@host) become basic auth unless `auth` is set: fetch refuses them in URLs, and
 * they must not appear in messages.
 */
function resolveEndpoint(connection: PrometheusConnection): Endpoint | string {
  let url: URL;
  try {
    url = new URL(connection.address);
  } catch {
    return `the Prometheus address ${JSON.stringify(connection.address)} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `the Prometheus address must be http or https, got ${url.protocol}`;
  }
  const fromUrl =
    url.username === ''
      ? undefined
      : { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  const auth = connection.auth ?? fromUrl;
  return {
    base: url.toString().replace(/\/+$/, ''),
    headers: headersFor({ ...connection, ...(auth === undefined ? {} : { auth }) }),
  };
}

/** Unix seconds with millisecond fractions, as Prometheus reads them. */
function seconds(date: Date): string {
  return (date.getTime() / 1000).toFixed(3);
}

function checkWindow(window: RangeWindow): string | undefined {
  const span = (window.end.getTime() - window.start.getTime()) / 1000;
  if (!(window.stepSeconds > 0))
    return `the range step must be positive, got ${window.stepSeconds}`;
  if (!(span >= 0)) return 'the range ends before it starts';
  if (span / window.stepSeconds > MAX_POINTS) {
    return `the range has ${Math.floor(span / window.stepSeconds)} points per series; the limit is ${MAX_POINTS}`;
  }
  return undefined;
}

function failure(
  query: string,
  kind: QueryFailureKind,
  message: string,
  httpStatus?: number,
): QueryAnswer {
  const failed: QueryFailure =
    httpStatus === undefined ? { kind, message } : { kind, message, httpStatus };
  return { query, ok: false, failure: failed };
}

function headersFor(connection: PrometheusConnection): Record<string, string> {
  const headers: Record<string, string> = {
    ...connection.headers,
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const { auth } = connection;
  if (auth !== undefined && 'bearerToken' in auth)
    headers.Authorization = `Bearer ${auth.bearerToken}`;
  if (auth !== undefined && 'username' in auth) {
    const encoded = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
    headers.Authorization = `Basic ${encoded}`;
  }
  return headers;
}

interface Sender {
  readonly endpoint: Endpoint;
  readonly fetchImpl: FetchLike;
  readonly timeoutMs: number;
}

async function send(
  sender: Sender,
  path: string,
  query: string,
  params: Record<string, string>,
): Promise<QueryAnswer> {
  const where = sender.endpoint.base;
  let response: Response;
  let text: string;
  try {
    response = await sender.fetchImpl(`${where}${path}`, {
      method: 'POST',
      headers: sender.endpoint.headers,
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(sender.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return failure(
      query,
      QueryFailureKind.Transient,
      networkMessage(error, where, sender.timeoutMs),
    );
  }
  return interpret(query, response.status, text, where);
}

function networkMessage(error: unknown, where: string, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `Prometheus at ${where} did not answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return `cannot reach Prometheus at ${where}: ${typeof code === 'string' ? `${code} ` : ''}${detail}`;
}

function interpret(query: string, status: number, text: string, where: string): QueryAnswer {
  const transient = status >= 500 || status === 429;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const kind = transient
      ? QueryFailureKind.Transient
      : status >= 400
        ? QueryFailureKind.Rejected
        : QueryFailureKind.InvalidResponse;
    return failure(
      query,
      kind,
      `Prometheus at ${where} answered HTTP ${status} without JSON: ${snippet(text)}`,
      status,
    );
  }
  try {
    const parsed = parseQueryResponse(body);
    if (parsed.status === 'success')
      return { query, ok: true, data: parsed.data, warnings: parsed.warnings };
    const kind =
      transient || TRANSIENT_ERROR_TYPES.has(parsed.errorType)
        ? QueryFailureKind.Transient
        : QueryFailureKind.Rejected;
    return failure(
      query,
      kind,
      `Prometheus error (${parsed.errorType}, HTTP ${status}): ${parsed.error}`,
      status,
    );
  } catch (error) {
    if (!(error instanceof PrometheusResponseError)) throw error;
    return failure(
      query,
      QueryFailureKind.InvalidResponse,
      `${error.message} (from ${where}, HTTP ${status})`,
      status,
    );
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** A metric as analysis measures it: a query template, its conditions and no-data policy. */
export interface PrometheusMetric extends MetricCheck {
  readonly query: string;
  /** rangeQuery: asked over this window around the measurement time, values flattened. */
  readonly range?: RangeQuerySpec;
}

/**
 * Takes one measurement: substitutes the arguments, queries, judges. Never throws; an argument
 * problem is an Error measurement naming the argument, reported with the unresolved query.
 */
export async function takeMeasurement(
  querier: MetricsQuerier,
  metric: PrometheusMetric,
  args: Readonly<Record<string, string | undefined>>,
  at?: Date,
): Promise<MeasurementResult> {
  let query: string;
  try {
    query = substituteArgs(metric.query, args);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return { phase: 'Error', query: metric.query, message: error.message, noData: false };
  }
  if (metric.range === undefined)
    return evaluateMeasurement(metric, await querier.query(query, at));
  const answer = await querier.queryRange(query, rangeWindow(metric.range, at ?? new Date()));
  return evaluateMeasurement(
    metric,
    answer.ok ? { ...answer, data: flattenRange(answer.data) } : answer,
  );
}

/** The samples of a range query, flattened over series, for the judge; or why there are none. */
export async function readSamples(
  querier: MetricsQuerier,
  query: string,
  window: RangeWindow,
): Promise<
  | { readonly ok: true; readonly values: number[] }
  | { readonly ok: false; readonly failure: QueryFailure }
> {
  const answer = await querier.queryRange(query, window);
  return answer.ok
    ? { ok: true, values: sampleValues(answer.data) }
    : { ok: false, failure: answer.failure };
}
