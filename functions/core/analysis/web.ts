// The web metric provider's pure half, as Argo Rollouts' `provider.web`: the spec parsed, the
// request built from it with the arguments, and the answer judged by the metric's conditions.
//
// Where Argo is vague KULTA decides, and says so in README's Analysis section:
// - placeholders in `url` are percent-encoded, except one that begins the url (a whole base URL
//   from an argument), so an argument value cannot add path segments or query parameters;
// - in `jsonBody` they are substituted inside JSON strings only, so the body stays valid JSON;
// - a body that is not JSON is the string `result` when there is no jsonPath (Argo counts it
//   Successful without judging), and an Error with a jsonPath;
// - a jsonPath that does not fit the body is an Error naming where it stopped fitting;
// - a JSON null is no data (the metric's noDataPolicy applies), never a value.
import { ArgumentError } from './args.ts';
import type { OAuth2Ref } from './run-spec.ts';
import { formatValue, type Value } from './expression-eval.ts';
import { ExpressionError } from './expression.ts';
import { JsonPathError, selectJsonPath, type JsonPath } from './json-path.ts';
import {
  judgeResult,
  NoDataPolicy,
  type MeasurementResult,
  type MetricCheck,
} from './measurement.ts';

export const WebMethods = ['GET', 'POST', 'PUT'] as const;
export type WebMethod = (typeof WebMethods)[number];

/** Argo's default request timeout. */
export const WEB_DEFAULT_TIMEOUT_SECONDS = 10;

export interface WebSource {
  readonly method: WebMethod;
  /** May hold {{args.x}}; substituted at each measurement (see webRequest). */
  readonly url: string;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  readonly body?: string;
  readonly jsonBody?: unknown;
  readonly timeoutMs: number;
  readonly jsonPath?: JsonPath;
  readonly insecure: boolean;
  /** authentication.oauth2: a client-credentials token sent as a bearer token. */
  readonly oauth2?: OAuth2Ref;
}

/** A request ready to send. `shown` is what a measurement records (secrets kept out). */
export interface WebRequest {
  readonly method: WebMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly insecure: boolean;
  readonly shown: string;
}

type Args = Readonly<Record<string, string | undefined>>;
const PLACEHOLDERS = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

function replace(template: string, args: Args, encode: (value: string, at: number) => string) {
  return template.replace(PLACEHOLDERS, (_, name: string, at: number) => {
    const value = Object.hasOwn(args, name) ? args[name] : undefined;
    if (value === undefined) {
      throw new ArgumentError(name, `{{args.${name}}} has no value`);
    }
    return encode(value, at);
  });
}

function uses(template: string, names: ReadonlySet<string>): boolean {
  return [...template.matchAll(PLACEHOLDERS)].some((m) => names.has(m[1] ?? ''));
}

/** The url with its arguments: verbatim at its start, percent-encoded anywhere else. */
export function substituteUrl(template: string, args: Args): string {
  const url = replace(template, args, (value, at) =>
    at === 0 ? value : encodeURIComponent(value),
  );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ArgumentError('url', `url ${JSON.stringify(url)} is not a URL after substitution`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ArgumentError('url', `url must be http:// or https://, got ${parsed.protocol}`);
  }
  return url;
}

/** Placeholders in every string of a JSON value, the value staying the same shape. */
function substituteJson(value: unknown, args: Args): unknown {
  if (typeof value === 'string') return replace(value, args, (v) => v);
  if (Array.isArray(value)) return value.map((v) => substituteJson(v, args));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteJson(v, args)]));
  }
  return value;
}

function substituteHeaderValues(source: WebSource, args: Args): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, value } of source.headers) {
    const text = replace(value, args, (v) => v);
    if ([...text].some((ch) => (ch < ' ' && ch !== '\t') || ch === '\u007f')) {
      throw new ArgumentError(key, `header ${key} would contain a line break or control character`);
    }
    headers[key] = text;
  }
  return headers;
}

/**
 * The request for one measurement; throws ArgumentError when an argument is missing or makes
 * the url unusable. `secretNames` are arguments read from Secrets: a url using one is shown
 * with its placeholders, never with the secret.
 */
export function webRequest(
  source: WebSource,
  args: Args,
  secretNames: ReadonlySet<string>,
): WebRequest {
  const url = substituteUrl(source.url, args);
  const headers = substituteHeaderValues(source, args);
  let body: string | undefined;
  if (source.jsonBody !== undefined) {
    body = JSON.stringify(substituteJson(source.jsonBody, args));
    headers['Content-Type'] = 'application/json';
  } else if (source.body !== undefined) {
    body = replace(source.body, args, (v) => v);
  }
  const shown = `${source.method} ${uses(source.url, secretNames) ? source.url : url}`;
  return {
    method: source.method,
    url,
    headers,
    timeoutMs: source.timeoutMs,
    insecure: source.insecure,
    shown,
    ...(body === undefined ? {} : { body }),
  };
}

/** What came back: the status and the body as text. */
export interface WebResponse {
  readonly status: number;
  readonly body: string;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** A parsed JSON value as a condition sees it; null inside an object is left out. */
function toValue(json: unknown, where: string): Value | undefined {
  if (json === null) return undefined;
  if (typeof json === 'number' || typeof json === 'string' || typeof json === 'boolean')
    return json;
  if (Array.isArray(json)) {
    return json.map((item: unknown, i) => {
      const value = toValue(item, `${where}[${String(i)}]`);
      if (value === undefined) {
        throw new JsonPathError(`${where}[${String(i)}] is null, which a condition cannot compare`);
      }
      return value;
    });
  }
  const fields = Object.entries(json as Record<string, unknown>).flatMap(([k, v]) => {
    const value = toValue(v, `${where}.${k}`);
    return value === undefined ? [] : [[k, value] as const];
  });
  return Object.fromEntries(fields);
}

const NO_DATA_PHASE = { fail: 'Failed', inconclusive: 'Inconclusive', pass: 'Successful' } as const;

type Selected = { value: Value } | { error: string } | { noData: string };

function fromDocument(path: JsonPath | undefined, document: unknown): Selected {
  const where = path?.source ?? '{$}';
  try {
    const value = toValue(path ? selectJsonPath(path, document) : document, where);
    if (value === undefined) return { noData: `${path ? where : 'the body'} is null` };
    return { value };
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    return { error: `jsonPath ${where}: ${error.message}` };
  }
}

/** The selected value, or the measurement that ends here (not JSON, path misfit, null). */
function select(source: WebSource, response: WebResponse): Selected {
  let document: unknown;
  try {
    document = JSON.parse(response.body);
  } catch {
    if (source.jsonPath === undefined) return { value: response.body };
    return {
      error: `the response is not JSON, so jsonPath ${source.jsonPath.source} cannot select from it: ${snippet(response.body)}`,
    };
  }
  return fromDocument(source.jsonPath, document);
}

/** Judges an answer: non-2xx is an Error, then the selected value goes to the conditions. */
export function evaluateWebResponse(
  check: MetricCheck,
  source: WebSource,
  request: Pick<WebRequest, 'shown'>,
  response: WebResponse,
): MeasurementResult {
  const query = request.shown;
  if (response.status < 200 || response.status >= 300) {
    const message = `${query} answered HTTP ${String(response.status)} (a 2xx is needed): ${snippet(response.body)}`;
    const transient = response.status >= 500 || response.status === 429;
    return { phase: 'Error', query, message, noData: false, transient };
  }
  const selected = select(source, response);
  if ('error' in selected) return { phase: 'Error', query, message: selected.error, noData: false };
  if ('noData' in selected) {
    const policy = check.noDataPolicy ?? NoDataPolicy.Inconclusive;
    const message = `no data: ${selected.noData} (noDataPolicy: ${policy})`;
    return { phase: NO_DATA_PHASE[policy], query, message, noData: true };
  }
  const display = formatValue(selected.value);
  try {
    return { phase: judgeResult(check, selected.value), query, value: display, noData: false };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const message = `cannot evaluate the condition on ${display}: ${error.message}`;
    return { phase: 'Error', query, value: display, message, noData: false };
  }
}
