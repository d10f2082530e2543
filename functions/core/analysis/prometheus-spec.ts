// Parses a metric's `provider.prometheus` (Argo Rollouts' PrometheusMetric) into a
// PrometheusSource, naming bad fields: address, query, timeout, headers, rangeQuery and the
// credentials (bearer token or basic auth from a Secret, OAuth2 client credentials).
import { RangeQueryError, parseRangeQuery, type RangeQuerySpec } from './range-query.ts';
import {
  RunSpecError,
  list,
  num,
  object,
  required,
  resolved,
  secretKeyRef,
  text,
  type OAuth2Ref,
  plainArg,
  type PlainArgs,
  type PrometheusAuthRef,
  type PrometheusSource,
} from './run-spec.ts';

/** authentication.oauth2 (Argo's OAuth2Config) of a Prometheus or web metric. */
export function parseOAuth2(value: unknown, field: string): OAuth2Ref {
  const oauth = object(value, field);
  const tokenUrl = required(oauth.tokenUrl, `${field}.tokenUrl`);
  if (!/^https?:\/\//.test(tokenUrl)) {
    throw new RunSpecError(
      `${field}.tokenUrl`,
      `must be an http:// or https:// URL, got ${tokenUrl}`,
    );
  }
  const scopes = list(oauth.scopes, `${field}.scopes`).map((s, i) =>
    required(s, `${field}.scopes[${String(i)}]`),
  );
  return {
    tokenUrl,
    clientId: required(oauth.clientId, `${field}.clientId`),
    clientSecret: required(oauth.clientSecret, `${field}.clientSecret`),
    scopes,
  };
}

function parseAuth(value: unknown, field: string): PrometheusAuthRef | undefined {
  if (value === undefined) return undefined;
  const auth = object(value, field);
  if (auth.sigv4 !== undefined) {
    throw new RunSpecError(
      `${field}.sigv4`,
      'is not supported: KULTA does not sign requests with AWS credentials; put a SigV4 signing proxy in front of Amazon Managed Prometheus and set address to it',
    );
  }
  if (auth.bearerToken !== undefined) {
    const bearer = object(auth.bearerToken, `${field}.bearerToken`);
    const ref = secretKeyRef(bearer.secretKeyRef, `${field}.bearerToken.secretKeyRef`);
    return { kind: 'bearer', secretKeyRef: ref };
  }
  if (auth.basic !== undefined) {
    const basic = object(auth.basic, `${field}.basic`);
    const ref = object(basic.secretRef, `${field}.basic.secretRef`);
    return { kind: 'basic', secretName: required(ref.name, `${field}.basic.secretRef.name`) };
  }
  if (auth.oauth2 !== undefined) {
    return { kind: 'oauth2', ...parseOAuth2(auth.oauth2, `${field}.oauth2`) };
  }
  throw new RunSpecError(field, 'must set bearerToken, basic or oauth2');
}

const PLACEHOLDERS = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/** A rangeQuery field with its plain arguments substituted (a Secret cannot set a range). */
function withArgs(value: unknown, field: string, args: PlainArgs): string | undefined {
  return text(value, field)?.replace(PLACEHOLDERS, (_, name: string) =>
    plainArg(args, name, field),
  );
}

function parseRange(value: unknown, field: string, args: PlainArgs): RangeQuerySpec | undefined {
  if (value === undefined) return undefined;
  const range = object(value, field);
  try {
    return parseRangeQuery(
      {
        start: withArgs(range.start, `${field}.start`, args),
        end: withArgs(range.end, `${field}.end`, args),
        step: withArgs(range.step, `${field}.step`, args),
      },
      field,
    );
  } catch (error) {
    if (!(error instanceof RangeQueryError)) throw error;
    const [where = field, ...rest] = error.message.split(': ');
    throw new RunSpecError(where, rest.join(': '));
  }
}

/** The Prometheus source of a metric; throws RunSpecError naming the field. */
export function parsePrometheus(value: unknown, field: string, args: PlainArgs): PrometheusSource {
  const prom = object(value, field);
  const address = resolved(text(prom.address, `${field}.address`), `${field}.address`, args);
  if (address !== undefined && !/^https?:\/\//.test(address)) {
    throw new RunSpecError(
      `${field}.address`,
      `must be an http:// or https:// URL, got ${address}`,
    );
  }
  const timeout = num(prom.timeout, `${field}.timeout`);
  const insecure = prom.insecure ?? false;
  if (typeof insecure !== 'boolean') {
    throw new RunSpecError(`${field}.insecure`, 'must be true or false');
  }
  const headers = list(prom.headers, `${field}.headers`).map((h, i) => {
    const header = object(h, `${field}.headers[${String(i)}]`);
    const key = required(header.key, `${field}.headers[${String(i)}].key`);
    return { key, value: text(header.value, `${field}.headers[${String(i)}].value`) ?? '' };
  });
  const query = text(prom.query, `${field}.query`);
  const auth = parseAuth(prom.authentication, `${field}.authentication`);
  const range = parseRange(prom.rangeQuery, `${field}.rangeQuery`, args);
  return {
    headers,
    ...(address === undefined ? {} : { address }),
    ...(query === undefined ? {} : { query }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
    ...(insecure ? { insecure } : {}),
    ...(auth === undefined ? {} : { auth }),
    ...(range === undefined ? {} : { range }),
  };
}
