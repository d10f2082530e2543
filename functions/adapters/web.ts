// Sends a web metric's request (node:http/https, so that `insecure` can skip TLS verification for
// this request alone) and reads the answer, bounded in time and size.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ArgumentError, argumentsUsed } from '../core/analysis/args.ts';
import type { MeasurementPhase, MetricCheck } from '../core/analysis/measurement.ts';
import type { OAuth2Ref } from '../core/analysis/run-spec.ts';
import { OAuth2Error, clientCredentialsToken } from './oauth2.ts';
import {
  evaluateWebResponse,
  webRequest,
  type WebRequest,
  type WebResponse,
  type WebSource,
} from '../core/analysis/web.ts';

/** Bodies above this are refused: a metric endpoint answers with a value, not a download. */
export const WEB_MAX_BODY_BYTES = 1024 * 1024;

export type WebAnswer =
  ({ readonly ok: true } & WebResponse) | { readonly ok: false; readonly message: string };

function networkMessage(error: unknown, where: string): string {
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  return `cannot reach ${where}: ${typeof code === 'string' && !detail.includes(code) ? `${code} ` : ''}${detail}`;
}

function readBody(
  response: IncomingMessage,
  where: string,
  why: (error: Error) => string,
): Promise<WebAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > WEB_MAX_BODY_BYTES) {
        response.destroy();
        resolve({
          ok: false,
          message: `${where} answered with more than ${String(WEB_MAX_BODY_BYTES)} bytes`,
        });
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', (error) => {
      resolve({ ok: false, message: why(error) });
    });
    response.on('end', () => {
      resolve({
        ok: true,
        status: response.statusCode ?? 0,
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

/** Sends the request; never throws: a network failure or timeout is `ok: false` with why. */
export function sendWebRequest(web: WebRequest): Promise<WebAnswer> {
  const url = new URL(web.url);
  const where = web.shown;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const why = (error: Error): string =>
    error.name === 'AbortError' || error.name === 'TimeoutError'
      ? `${where} did not answer within ${String(web.timeoutMs / 1000)} s (timeoutSeconds)`
      : networkMessage(error, where);
  return new Promise((resolve) => {
    const outgoing = send(
      url,
      {
        method: web.method,
        headers: {
          Accept: 'application/json',
          ...web.headers,
          ...(web.body === undefined ? {} : { 'Content-Length': Buffer.byteLength(web.body) }),
        },
        ...(url.protocol === 'https:' ? { rejectUnauthorized: !web.insecure } : {}),
        signal: AbortSignal.timeout(web.timeoutMs),
      },
      (response) => {
        void readBody(response, where, why).then(resolve);
      },
    );
    outgoing.on('error', (error) => {
      resolve({ ok: false, message: why(error) });
    });
    outgoing.end(web.body);
  });
}

/** Arguments at measurement time, as the AnalysisRun worker resolved them. */
export interface WebArgs {
  readonly values: Readonly<Record<string, string | undefined>>;
  /** Secret arguments that could not be read, and why. */
  readonly problems: ReadonlyMap<string, string>;
  readonly secretNames: ReadonlySet<string>;
}

/** What a web measurement recorded (the worker adds the metric and the times). */
export interface WebMeasurement {
  readonly phase: MeasurementPhase;
  readonly query: string;
  readonly value?: string;
  readonly message?: string;
}

function argumentsOf(source: WebSource): string[] {
  const strings = [
    source.url,
    source.oauth2?.clientId ?? '',
    source.oauth2?.clientSecret ?? '',
    source.body ?? '',
    ...source.headers.map((h) => h.value),
    JSON.stringify(source.jsonBody ?? null),
  ];
  return strings.flatMap(argumentsUsed);
}

/** One measurement of a web metric: request, answer, judgement. Never throws for bad input. */
export async function measureWeb(
  check: MetricCheck,
  source: WebSource,
  args: WebArgs,
): Promise<WebMeasurement> {
  const shownTemplate = `${source.method} ${source.url}`;
  const problem = argumentsOf(source).find((name) => args.problems.has(name));
  if (problem !== undefined) {
    const message = `argument "${problem}": ${args.problems.get(problem) ?? ''}`;
    return { phase: 'Error', query: shownTemplate, message };
  }
  let request: WebRequest;
  try {
    request = webRequest(source, args.values, args.secretNames);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return { phase: 'Error', query: shownTemplate, message: error.message };
  }
  if (source.oauth2 !== undefined) {
    const token = await oauth2Header(source.oauth2, args, source.timeoutMs);
    if (!token.ok) return { phase: 'Error', query: request.shown, message: token.message };
    request = { ...request, headers: { ...request.headers, Authorization: token.value } };
  }
  const answer = await sendWebRequest(request);
  if (!answer.ok) return { phase: 'Error', query: request.shown, message: answer.message };
  const result = evaluateWebResponse(check, source, request, answer);
  return {
    phase: result.phase,
    query: result.query,
    ...(result.value === undefined ? {} : { value: result.value }),
    ...(result.message === undefined ? {} : { message: result.message }),
  };
}

/** "Bearer <token>" from the OAuth2 endpoint, the client secret from its (Secret) argument. */
async function oauth2Header(
  oauth2: OAuth2Ref,
  args: WebArgs,
  timeoutMs: number,
): Promise<{ ok: true; value: string } | { ok: false; message: string }> {
  const fill = (template: string) =>
    template.replace(/\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_, name: string) => {
      const value = args.values[name];
      if (value === undefined) throw new ArgumentError(name, `{{args.${name}}} has no value`);
      return value;
    });
  try {
    const config = {
      ...oauth2,
      clientId: fill(oauth2.clientId),
      clientSecret: fill(oauth2.clientSecret),
    };
    return { ok: true, value: `Bearer ${await clientCredentialsToken(config, { timeoutMs })}` };
  } catch (error) {
    if (!(error instanceof OAuth2Error || error instanceof ArgumentError)) throw error;
    return { ok: false, message: `authentication.oauth2: ${error.message}` };
  }
}
