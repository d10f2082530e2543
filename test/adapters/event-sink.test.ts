// The event-sink adapter against a real HTTP receiver on 127.0.0.1: wire format, retries, order.
import { afterEach, describe, expect, it } from 'vitest';
import {
  binaryModeHeaders,
  createEventSinkFromEnv,
  encodeHeaderValue,
} from '../../functions/adapters/event-sink.ts';
import { serviceUpgraded } from '../../functions/core/cdevents/index.ts';
import { loadCDEventsSchemas } from '../support/cdevents-schemas.ts';
import { anInput } from '../core/cdevents/fixtures.ts';
import {
  closeReceivers,
  events,
  refusedUrl,
  RETRY,
  sinkFor,
  startReceiver,
  always,
  thenOk,
} from '../support/event-receiver.ts';

afterEach(closeReceivers);

describe('binary mode on the wire', () => {
  it('sends exactly the ce-* headers of the CDEvent and the CDEvent alone as body', async () => {
    const receiver = await startReceiver(always(202));
    const event = serviceUpgraded(anInput());
    const report = await sinkFor(receiver.url).sink.deliver([event]);

    expect(report).toEqual({
      delivered: [event.context.id],
      refused: [],
      failed: [],
      notAttempted: [],
    });
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
    expect(report).toEqual({ delivered: [], refused: [], failed: [], notAttempted: [] });
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
    ['413 Content Too Large', 413],
    ['415 Unsupported Media Type', 415],
    ['422 Unprocessable', 422],
  ])(
    '%s refuses that event for good: not retried, reported refused, the next one sent',
    async (_name, status) => {
      const receiver = await startReceiver((n) => (n === 0 ? status : 200));
      const { sink, sleeps } = sinkFor(receiver.url);
      const batch = events(2);
      const [a, b] = batch.map((e) => e.context.id);
      const report = await sink.deliver(batch);
      expect(report).toEqual({
        delivered: [b],
        refused: [{ id: a, answer: expect.stringContaining(`HTTP ${status}`) as string }],
        failed: [],
        notAttempted: [],
      });
      expect([receiver.received.map((r) => r.headers['ce-id']), sleeps]).toEqual([[a, b], []]);
    },
  );

  it.each([
    ['401 Unauthorized', 401],
    ['403 Forbidden', 403],
    ['302 redirect', 302],
  ])('%s turns every event away: fails at once, not retried', async (_name, status) => {
    const receiver = await startReceiver(thenOk(status));
    const { sink, sleeps } = sinkFor(receiver.url);
    const [event] = events(1);
    const report = await sink.deliver(events(1));
    expect(report.delivered).toEqual([]);
    expect(report.refused).toEqual([]);
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
  it('stops at the first event the sink turns away; later events are not sent', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 403 : 200));
    const batch = events(3);
    const report = await sinkFor(receiver.url).sink.deliver(batch);
    const [a, b, c] = batch.map((e) => e.context.id);
    expect(report).toEqual({
      delivered: [a],
      refused: [],
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
