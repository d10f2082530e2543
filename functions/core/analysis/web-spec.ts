// Parses a metric's `provider.web` (Argo Rollouts' WebMetric) into a WebSource, naming bad fields.
import { JsonPathError, parseJsonPath } from './json-path.ts';
import { parseOAuth2 } from './prometheus-spec.ts';
import {
  RunSpecError,
  isObject,
  list,
  object,
  required,
  text,
  type OAuth2Ref,
} from './run-spec.ts';
import { WEB_DEFAULT_TIMEOUT_SECONDS, WebMethods, type WebMethod, type WebSource } from './web.ts';

function method(value: unknown, field: string): WebMethod {
  const given = text(value, field) ?? 'GET';
  const found = WebMethods.find((m) => m === given);
  if (found === undefined) {
    throw new RunSpecError(field, `must be GET, POST or PUT (as Argo), got ${given}`);
  }
  return found;
}

function timeoutMs(value: unknown, field: string): number {
  if (value === undefined) return WEB_DEFAULT_TIMEOUT_SECONDS * 1000;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 600) {
    throw new RunSpecError(
      field,
      `must be whole seconds from 1 to 600, got ${JSON.stringify(value)}`,
    );
  }
  return value * 1000;
}

function jsonPath(value: unknown, field: string): WebSource['jsonPath'] {
  const source = text(value, field);
  if (source === undefined || source.trim() === '') return undefined;
  try {
    const path = parseJsonPath(source);
    return path.segments.length === 0 ? undefined : path;
  } catch (error) {
    if (error instanceof JsonPathError) throw new RunSpecError(field, error.message);
    throw error;
  }
}

function body(web: Readonly<Record<string, unknown>>, field: string, verb: WebMethod) {
  const plain = text(web.body, `${field}.body`);
  const json: unknown = web.jsonBody;
  if (plain !== undefined && json !== undefined) {
    throw new RunSpecError(field, 'set body or jsonBody, not both');
  }
  if ((plain !== undefined || json !== undefined) && verb === 'GET') {
    throw new RunSpecError(`${field}.method`, 'a body needs method POST or PUT (GET sends none)');
  }
  if (json !== undefined && !isObject(json) && !Array.isArray(json)) {
    throw new RunSpecError(`${field}.jsonBody`, 'must be a JSON object or list');
  }
  return {
    ...(plain === undefined ? {} : { body: plain }),
    ...(json === undefined ? {} : { jsonBody: json }),
  };
}

function authentication(value: unknown, field: string): OAuth2Ref | undefined {
  if (value === undefined) return undefined;
  const auth = object(value, field);
  if (auth.sigv4 !== undefined) {
    throw new RunSpecError(
      `${field}.sigv4`,
      'is not supported: KULTA does not sign requests with AWS credentials; use oauth2 or a bearer header from a Secret argument',
    );
  }
  if (auth.oauth2 === undefined) throw new RunSpecError(field, 'must set oauth2');
  return parseOAuth2(auth.oauth2, `${field}.oauth2`);
}

/** The web source of a metric; throws RunSpecError naming the field. */
export function parseWeb(value: unknown, field: string): WebSource {
  const web = object(value, field);
  const url = required(web.url, `${field}.url`);
  if (!/^(https?:\/\/|\{\{)/.test(url.trim())) {
    throw new RunSpecError(`${field}.url`, `must be an http:// or https:// URL, got ${url}`);
  }
  const oauth2 = authentication(web.authentication, `${field}.authentication`);
  const verb = method(web.method, `${field}.method`);
  const headers = list(web.headers, `${field}.headers`).map((h, i) => {
    const header = object(h, `${field}.headers[${String(i)}]`);
    const key = required(header.key, `${field}.headers[${String(i)}].key`);
    return { key, value: text(header.value, `${field}.headers[${String(i)}].value`) ?? '' };
  });
  const insecure = web.insecure ?? false;
  if (typeof insecure !== 'boolean')
    throw new RunSpecError(`${field}.insecure`, 'must be true or false');
  const path = jsonPath(web.jsonPath, `${field}.jsonPath`);
  return {
    method: verb,
    url,
    headers,
    timeoutMs: timeoutMs(web.timeoutSeconds, `${field}.timeoutSeconds`),
    insecure,
    ...body(web, field, verb),
    ...(path === undefined ? {} : { jsonPath: path }),
    ...(oauth2 === undefined ? {} : { oauth2 }),
  };
}
