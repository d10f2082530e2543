// Event-sink adapter: POSTs CDEvents to K_SINK as CloudEvents 1.0 in binary mode, with retries.
//
// Wire format: one HTTP POST per event; ce-specversion/id/source/type/subject/time headers copied
// from the CDEvent (toCloudEventAttributes), the K_CE_OVERRIDES extensions as further ce-*
// headers, `Content-Type: application/json`, and the whole CDEvent as body, so a receiver that
// ignores the headers (CDviz) still gets a complete CDEvent. Header values are percent-encoded as
// the CloudEvents HTTP binding asks (space, '"', '%' and anything outside printable ASCII).
//
// Retries (the cloudevents package's transport resolves on 4xx/5xx, hence our own fetch): a 2xx
// delivers; 5xx, 404, 408, 409 and 429 (Knative's retry list, DESIGN.md §2), timeouts and network
// errors are retried with capped exponential backoff (base·2^(n-1), at most maxDelayMs, no
// jitter so tests can assert the delays). A refusal of the event itself (400, 413, 415, 422) is
// final for that event: sending the same bytes again cannot succeed, so it is reported refused
// and delivery goes on with the next one (the step moves it to the dead letters). Any other
// status (401, 403, 3xx…) turns every event away: delivery stops there. Events go out strictly in
// order: the first event that cannot be delivered stops the batch, and the ones after it are
// reported as not attempted, so the outbox keeps them (never event N+1 before N).
import { setTimeout as delay } from 'node:timers/promises';
import { toCloudEventAttributes, toCloudEventData, type CDEvent } from '../core/cdevents/index.ts';
import type { DeliveryReport, EventSink } from '../ports.ts';

/** K_SINK or K_CE_OVERRIDES is missing or malformed; the message names the variable. */
export class EventSinkConfigError extends Error {
  override readonly name = 'EventSinkConfigError';
  readonly variable: string;
  constructor(variable: string, message: string, options?: ErrorOptions) {
    super(`${variable}: ${message}`, options);
    this.variable = variable;
  }
}

export interface RetryPolicy {
  /** Total attempts per event, including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };
export const DEFAULT_TIMEOUT_MS = 5000;

/** Statuses worth sending the same event again for (Knative's retry list). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}

/** Statuses that refuse one event for what it is: it will never be accepted, the next may be. */
export function isRefusalStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 415 || status === 422;
}

/** Delay before attempt `failedAttempts + 1`: base·2^(failedAttempts-1), capped. */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
}

/** Parses K_SINK: an absolute http(s) URL. */
export function parseSinkUrl(value: string | undefined): URL {
  if (value === undefined || value.trim() === '') {
    throw new EventSinkConfigError('K_SINK', 'not set; it must be the event sink URL');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new EventSinkConfigError('K_SINK', `"${value}" is not a URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EventSinkConfigError('K_SINK', `"${value}" must be an http or https URL`);
  }
  return url;
}

// CloudEvents context attributes an override must not replace (they come from the CDEvent).
const CORE_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
]);

function extensionValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value))) {
    return String(value);
  }
  throw new EventSinkConfigError(
    'K_CE_OVERRIDES',
    `extension "${name}" must be a string, integer or boolean`,
  );
}

function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new EventSinkConfigError('K_CE_OVERRIDES', 'is not valid JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EventSinkConfigError('K_CE_OVERRIDES', 'must be a JSON object {"extensions":{…}}');
  }
  return parsed as Record<string, unknown>;
}

/** Parses K_CE_OVERRIDES ({"extensions":{name: value}}) into extension attributes. */
export function parseCeOverrides(value: string | undefined): Record<string, string> {
  if (value === undefined || value.trim() === '') return {};
  const extensions: unknown = parseJsonObject(value).extensions;
  if (extensions === undefined) return {};
  if (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions)) {
    throw new EventSinkConfigError('K_CE_OVERRIDES', '"extensions" must be an object');
  }
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(extensions)) {
    if (!/^[a-z0-9]{1,20}$/.test(name)) {
      throw new EventSinkConfigError(
        'K_CE_OVERRIDES',
        `extension name "${name}" must be 1-20 lowercase letters or digits`,
      );
    }
    if (CORE_ATTRIBUTES.has(name)) {
      throw new EventSinkConfigError('K_CE_OVERRIDES', `"${name}" is not an extension`);
    }
    result[name] = extensionValue(name, raw);
  }
  return result;
}

const UTF8 = new TextEncoder();

/** Percent-encodes a header value as the CloudEvents HTTP binding requires. */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const byte of UTF8.encode(value)) {
    const printable = byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x25;
    out += printable
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** HTTP headers of one event in binary mode: ce-* attributes, extensions, content type. */
export function binaryModeHeaders(
  event: CDEvent,
  extensions: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const { datacontenttype, ...attributes } = toCloudEventAttributes(event);
  return ceHeaders(datacontenttype, attributes, extensions);
}

/**
 * CloudEvent attributes as binary-mode HTTP headers (`ce-<name>`, values percent-encoded where
 * needed), with the sink's extensions (K_CE_OVERRIDES) under them: an attribute wins a clash.
 */
export function ceHeaders(
  contentType: string,
  attributes: Readonly<Record<string, string>>,
  extensions: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType };
  for (const [name, value] of Object.entries({ ...extensions, ...attributes })) {
    headers[`ce-${name}`] = encodeHeaderValue(value);
  }
  return headers;
}

type Attempt =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly refused: boolean;
      readonly error: string;
    };

export interface HttpEventSinkOptions {
  readonly sinkUrl: URL;
  /** CloudEvent extensions added to every event (K_CE_OVERRIDES). */
  readonly extensions?: Readonly<Record<string, string>>;
  readonly retry?: RetryPolicy;
  /** Per-request timeout, including reading the response. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Waits between attempts; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no response within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return typeof cause?.code === 'string' ? `${message} (${cause.code})` : message;
}

async function postOnce(
  options: Required<Omit<HttpEventSinkOptions, 'retry' | 'sleep'>>,
  event: CDEvent,
): Promise<Attempt> {
  try {
    const response = await options.fetch(options.sinkUrl, {
      method: 'POST',
      headers: binaryModeHeaders(event, options.extensions),
      body: toCloudEventData(event),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true };
    }
    const text = (await response.text()).slice(0, 200).trim();
    const detail = text === '' ? '' : `: ${text}`;
    return {
      ok: false,
      retryable: isRetryableStatus(response.status),
      refused: isRefusalStatus(response.status),
      error: `HTTP ${response.status} ${response.statusText}${detail}`.trim(),
    };
  } catch (error) {
    const error_ = describeFailure(error, options.timeoutMs);
    return { ok: false, retryable: true, refused: false, error: error_ };
  }
}

function checkPolicy(retry: RetryPolicy, timeoutMs: number): void {
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer ≥ 1, got ${retry.maxAttempts}`);
  }
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
}

/** An EventSink that POSTs each event to `sinkUrl`, retrying as described above. */
export function createHttpEventSink(options: HttpEventSinkOptions): EventSink {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const request = {
    sinkUrl: options.sinkUrl,
    extensions: options.extensions ?? {},
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: options.fetch ?? fetch,
  };
  checkPolicy(retry, request.timeoutMs);

  async function deliverOne(event: CDEvent): Promise<Attempt & { attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      const result = await postOnce(request, event);
      if (result.ok || !result.retryable) return { ...result, attempts: attempt };
      if (attempt >= retry.maxAttempts) {
        return {
          ...result,
          error: `gave up after ${attempt} attempts: ${result.error}`,
          attempts: attempt,
        };
      }
      await sleep(retryDelayMs(attempt, retry));
    }
  }

  return {
    async deliver(events: readonly CDEvent[]): Promise<DeliveryReport> {
      const delivered: string[] = [];
      const refused: { id: string; answer: string }[] = [];
      for (const [index, event] of events.entries()) {
        const result = await deliverOne(event);
        if (result.ok) {
          delivered.push(event.context.id);
        } else if (result.refused) {
          refused.push({ id: event.context.id, answer: result.error });
        } else {
          const { retryable, error, attempts } = result;
          return {
            delivered,
            refused,
            failed: [{ id: event.context.id, error, retryable, attempts }],
            notAttempted: events.slice(index + 1).map((e) => e.context.id),
          };
        }
      }
      return { delivered, refused, failed: [], notAttempted: [] };
    },
  };
}

/** The event sink of a Knative function: K_SINK and K_CE_OVERRIDES from `env`. */
export function createEventSinkFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: Omit<HttpEventSinkOptions, 'sinkUrl' | 'extensions'> = {},
): EventSink {
  return createHttpEventSink({
    ...options,
    sinkUrl: parseSinkUrl(env.K_SINK),
    extensions: parseCeOverrides(env.K_CE_OVERRIDES),
  });
}
