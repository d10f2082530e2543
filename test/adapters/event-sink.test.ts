// The event-sink adapter against a real HTTP receiver on 127.0.0.1: wire format, retries, order.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSinkConfigError,
  binaryModeHeaders,
  createEventSinkFromEnv,
  createHttpEventSink,
  encodeHeaderValue,
  isRetryableStatus,
  parseCeOverrides,
  parseSinkUrl,
  retryDelayMs,
  type HttpEventSinkOptions,
} from '../../functions/adapters/event-sink.ts';
import {
  rolloutWeightChanged,
  serviceUpgraded,
  type CDEvent,
} from '../../functions/core/cdevents/index.ts';
import { loadCDEventsSchemas } from '../support/cdevents-schemas.ts';
import { anInput } from '../core/cdevents/fixtures.ts';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly method: string;
}

/** What the receiver does with request number n (0-based): answer a status, or never answer. */
type Behaviour = (n: number, request: Received) => number | 'hang';

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

const open: Receiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function startReceiver(behaviour: Behaviour): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        method: req.method ?? '',
      };
      const answer = behaviour(received.length, request);
      received.push(request);
      if (answer === 'hang') hanging.push(res);
      else {
        // A redirect points back at the receiver: following it would turn the POST into a GET.
        const location = answer >= 300 && answer < 400 ? { location: '/moved' } : {};
        res.writeHead(answer, { 'content-type': 'text/plain', ...location });
        res.end(answer >= 400 ? 'nope' : '');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/events`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        hanging.forEach((res) => res.destroy());
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  open.push(receiver);
  return receiver;
}

/** A port on 127.0.0.1 where nothing listens (bound once, then closed). */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `http://127.0.0.1:${port}/`;
}

const RETRY = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

function sinkFor(url: string, extra: Partial<HttpEventSinkOptions> = {}) {
  const sleeps: number[] = [];
  const sink = createHttpEventSink({
    sinkUrl: new URL(url),
    retry: RETRY,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...extra,
  });
  return { sink, sleeps };
}

function events(count: number): CDEvent[] {
  return Array.from({ length: count }, (_, i) =>
    rolloutWeightChanged({
      ...anInput({ counter: i + 1 }),
      weight: { canary: 10 * (i + 1), stable: 100 - 10 * (i + 1) },
    }),
  );
}

const always =
  (status: number): Behaviour =>
  () =>
    status;
const thenOk =
  (...first: (number | 'hang')[]): Behaviour =>
  (n) =>
    first[n] ?? 200;

describe('binary mode on the wire', () => {
  it('sends exactly the ce-* headers of the CDEvent and the CDEvent alone as body', async () => {
    const receiver = await startReceiver(always(202));
    const event = serviceUpgraded(anInput());
    const report = await sinkFor(receiver.url).sink.deliver([event]);

    expect(report).toEqual({ delivered: [event.context.id], failed: [], notAttempted: [] });
    const [request] = receiver.received;
    expect(request?.method).toBe('POST');
    const ceHeaders = Object.fromEntries(
      Object.entries(request?.headers ?? {}).filter(([k]) => k.startsWith('ce-')),
    );
    expect(ceHeaders).toEqual({
      'ce-specversion': '1.0',
      'ce-id': event.context.id,
      'ce-source': '/kulta/prod-eu-1',
      'ce-type': 'dev.cdevents.service.upgraded.0.3.0',
      'ce-subject': 'shop/checkout',
      'ce-time': '2026-05-01T12:00:00.123Z',
    });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual(event);
  });

  it('a receiver that ignores the headers still gets a complete, schema-valid CDEvent', async () => {
    const receiver = await startReceiver(always(200));
    await sinkFor(receiver.url).sink.deliver(events(1));
    const body: unknown = JSON.parse(receiver.received[0]?.body ?? '');
    expect(loadCDEventsSchemas().validate(body)).toEqual({ valid: true, errors: [] });
  });

  it('applies K_CE_OVERRIDES as extension headers', async () => {
    const receiver = await startReceiver(always(200));
    const sink = createEventSinkFromEnv(
      {
        K_SINK: receiver.url,
        K_CE_OVERRIDES: '{"extensions":{"cluster":"prod-eu-1","tier":2,"canary":true}}',
      },
      { sleep: () => Promise.resolve() },
    );
    await sink.deliver(events(1));
    const headers = receiver.received[0]?.headers ?? {};
    expect([headers['ce-cluster'], headers['ce-tier'], headers['ce-canary']]).toEqual([
      'prod-eu-1',
      '2',
      'true',
    ]);
  });

  it('percent-encodes header values the CloudEvents HTTP binding way', () => {
    const headers = binaryModeHeaders(serviceUpgraded(anInput()), { note: 'a "b" 100% ü' });
    expect(headers['ce-note']).toBe('a%20%22b%22%20100%25%20%C3%BC');
    expect(encodeHeaderValue('/kulta/prod')).toBe('/kulta/prod');
  });

  it('sends nothing for an empty batch', async () => {
    const receiver = await startReceiver(always(200));
    const report = await sinkFor(receiver.url).sink.deliver([]);
    expect(report).toEqual({ delivered: [], failed: [], notAttempted: [] });
    expect(receiver.received).toHaveLength(0);
  });
});

describe('status handling', () => {
  it.each([
    ['200', 200],
    ['201', 201],
    ['202', 202],
    ['204', 204],
  ])('%s delivers without retry', async (_name, status) => {
    const receiver = await startReceiver(always(status));
    const { sink, sleeps } = sinkFor(receiver.url);
    const [event] = events(1);
    expect((await sink.deliver(events(1))).delivered).toEqual([event?.context.id]);
    expect([receiver.received.length, sleeps]).toEqual([1, []]);
  });

  it.each([
    ['500 then 200', [500], [100]],
    ['503 twice then 200', [503, 503], [100, 200]],
    ['429 then 200', [429], [100]],
    ['404 then 200', [404], [100]],
    ['408 then 200', [408], [100]],
    ['409 then 200', [409], [100]],
    ['502, 504, 500 then 200 (delay capped)', [502, 504, 500], [100, 200, 300]],
  ])('%s: retried, then delivered', async (_name, first, delays) => {
    const receiver = await startReceiver(thenOk(...first));
    const { sink, sleeps } = sinkFor(receiver.url);
    const report = await sink.deliver(events(1));
    expect(report.delivered).toHaveLength(1);
    expect(report.failed).toEqual([]);
    expect(receiver.received).toHaveLength(first.length + 1);
    expect(sleeps).toEqual(delays);
    const ids = new Set(receiver.received.map((r) => r.headers['ce-id']));
    expect(ids.size).toBe(1);
  });

  it.each([
    ['400 Bad Request', 400],
    ['401 Unauthorized', 401],
    ['403 Forbidden', 403],
    ['413 Content Too Large', 413],
    ['422 Unprocessable', 422],
    ['302 redirect', 302],
  ])('%s fails at once, not retried', async (_name, status) => {
    const receiver = await startReceiver(thenOk(status));
    const { sink, sleeps } = sinkFor(receiver.url);
    const [event] = events(1);
    const report = await sink.deliver(events(1));
    expect(report.delivered).toEqual([]);
    expect(report.failed).toEqual([
      {
        id: event?.context.id,
        error: expect.stringContaining(`HTTP ${status}`) as string,
        retryable: false,
        attempts: 1,
      },
    ]);
    expect([receiver.received.length, sleeps]).toEqual([1, []]);
  });

  it('a sink that keeps failing with 503 is reported failed after the attempt cap', async () => {
    const receiver = await startReceiver(always(503));
    const { sink, sleeps } = sinkFor(receiver.url);
    const report = await sink.deliver(events(1));
    expect(report.failed[0]).toMatchObject({ retryable: true, attempts: 4 });
    expect(report.failed[0]?.error).toMatch(
      /^gave up after 4 attempts: HTTP 503 Service Unavailable: nope$/,
    );
    expect(receiver.received).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 300]);
  });
});

describe('network failures', () => {
  it('connection refused: retried up to the cap, then reported failed', async () => {
    const { sink, sleeps } = sinkFor(await refusedUrl());
    const [first, second] = events(2);
    const report = await sink.deliver(events(2));
    expect(report.delivered).toEqual([]);
    expect(report.failed).toEqual([
      {
        id: first?.context.id,
        error: expect.stringContaining('ECONNREFUSED') as string,
        retryable: true,
        attempts: 4,
      },
    ]);
    expect(report.notAttempted).toEqual([second?.context.id]);
    expect(sleeps).toEqual([100, 200, 300]);
  });

  it('a receiver slower than the timeout is abandoned and the event retried', async () => {
    const receiver = await startReceiver(thenOk('hang'));
    const { sink, sleeps } = sinkFor(receiver.url, { timeoutMs: 200 });
    const report = await sink.deliver(events(1));
    expect(report.delivered).toHaveLength(1);
    expect(receiver.received).toHaveLength(2);
    expect(sleeps).toEqual([100]);
  });

  it('a receiver that never answers is reported as timed out', async () => {
    const receiver = await startReceiver(() => 'hang');
    const { sink } = sinkFor(receiver.url, { timeoutMs: 100, retry: { ...RETRY, maxAttempts: 2 } });
    const report = await sink.deliver(events(1));
    expect(report.failed[0]?.error).toBe('gave up after 2 attempts: no response within 100 ms');
  });
});

describe('order', () => {
  it('stops at the first permanent failure; later events are not sent', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 400 : 200));
    const batch = events(3);
    const report = await sinkFor(receiver.url).sink.deliver(batch);
    const [a, b, c] = batch.map((e) => e.context.id);
    expect(report).toEqual({
      delivered: [a],
      failed: [expect.objectContaining({ id: b, retryable: false })],
      notAttempted: [c],
    });
    expect(receiver.received.map((r) => r.headers['ce-id'])).toEqual([a, b]);
  });

  it('retries an event before the next one is sent', async () => {
    const receiver = await startReceiver(thenOk(503, 503));
    const batch = events(2);
    const report = await sinkFor(receiver.url).sink.deliver(batch);
    const [a, b] = batch.map((e) => e.context.id);
    expect(report.delivered).toEqual([a, b]);
    expect(receiver.received.map((r) => r.headers['ce-id'])).toEqual([a, a, a, b]);
  });
});

describe('configuration', () => {
  it.each([
    ['K_SINK unset', undefined, 'K_SINK: not set'],
    ['K_SINK not a URL', 'broker-ingress', 'K_SINK: "broker-ingress" is not a URL'],
    ['K_SINK relative', '/default/broker', 'K_SINK: "/default/broker" is not a URL'],
    [
      'K_SINK not http',
      'ftp://127.0.0.1/x',
      'K_SINK: "ftp://127.0.0.1/x" must be an http or https URL',
    ],
  ])('%s', (_name, value, message) => {
    expect(() => parseSinkUrl(value)).toThrow(EventSinkConfigError);
    expect(() => parseSinkUrl(value)).toThrow(message);
  });

  it.each([
    ['bad JSON', '{extensions:', 'K_CE_OVERRIDES: is not valid JSON'],
    ['array', '[]', 'K_CE_OVERRIDES: must be a JSON object'],
    [
      'extensions not an object',
      '{"extensions":"x"}',
      'K_CE_OVERRIDES: "extensions" must be an object',
    ],
    [
      'upper-case name',
      '{"extensions":{"Cluster":"a"}}',
      'K_CE_OVERRIDES: extension name "Cluster"',
    ],
    [
      'name too long',
      `{"extensions":{"${'a'.repeat(21)}":"a"}}`,
      'must be 1-20 lowercase letters or digits',
    ],
    [
      'core attribute',
      '{"extensions":{"source":"/x"}}',
      'K_CE_OVERRIDES: "source" is not an extension',
    ],
    [
      'object value',
      '{"extensions":{"team":{"a":1}}}',
      'K_CE_OVERRIDES: extension "team" must be a string',
    ],
    [
      'fractional value',
      '{"extensions":{"ratio":0.5}}',
      'K_CE_OVERRIDES: extension "ratio" must be a string',
    ],
  ])('K_CE_OVERRIDES %s is refused', (_name, value, message) => {
    expect(() => parseCeOverrides(value)).toThrow(EventSinkConfigError);
    expect(() => parseCeOverrides(value)).toThrow(message);
  });

  it.each([
    ['unset', undefined, {}],
    ['empty', '', {}],
    ['no extensions', '{}', {}],
    ['extensions', '{"extensions":{"cluster":"eu1","n":3}}', { cluster: 'eu1', n: '3' }],
  ])('K_CE_OVERRIDES %s parses', (_name, value, expected) => {
    expect(parseCeOverrides(value)).toEqual(expected);
  });

  it('createEventSinkFromEnv names the variable that is wrong', () => {
    expect(() =>
      createEventSinkFromEnv({ K_SINK: 'http://127.0.0.1:1/', K_CE_OVERRIDES: '{' }),
    ).toThrow('K_CE_OVERRIDES: is not valid JSON');
  });

  it.each([
    [
      'maxAttempts 0',
      { retry: { ...RETRY, maxAttempts: 0 } },
      'retry.maxAttempts must be an integer ≥ 1',
    ],
    ['timeout 0', { timeoutMs: 0 }, 'timeoutMs must be > 0'],
  ])('refuses a policy with %s', (_name, extra, message) => {
    expect(() => sinkFor('http://127.0.0.1:1/', extra)).toThrow(message);
  });
});

describe('retry policy', () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1000],
    [4, 2000],
    [5, 4000],
    [6, 4000],
  ])('after %i failed attempts waits %i ms', (failed, ms) => {
    expect(retryDelayMs(failed, { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 4000 })).toBe(ms);
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [404, true],
    [408, true],
    [409, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [410, false],
    [422, false],
    [301, false],
  ])('status %i retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});
