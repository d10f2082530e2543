// The Hono shell through app.request(): CloudEvents in (binary and structured), empty 202
// replies, 400/413 for what retrying cannot fix, errors mapped by policy, health and metrics.
import { describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../functions/runtime/app.ts';
import {
  ConflictError,
  InvalidInputError,
  StalledError,
  TransientError,
} from '../../functions/runtime/errors.ts';
import type { Incoming } from '../../functions/runtime/incoming.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';

const dueType = 'dev.kulta.rollout.due';

function binaryHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': 'ev-1',
    'ce-source': '/kulta/tick',
    'ce-type': dueType,
    ...extra,
  };
}

const dueBody = JSON.stringify({ namespace: 'shop', name: 'web' });

interface Harness {
  readonly app: ReturnType<typeof createApp>;
  readonly handled: Incoming[];
  readonly metrics: ReturnType<typeof createMetrics>;
}

function harness(
  options: { fail?: Error; maxBodyBytes?: number; ready?: AppDeps['ready'] } = {},
): Harness {
  const handled: Incoming[] = [];
  const metrics = createMetrics({ defaults: false });
  const app = createApp({
    handle: (event) => {
      handled.push(event);
      return options.fail === undefined ? Promise.resolve() : Promise.reject(options.fail);
    },
    logger: createLogger({ level: 'silent' }),
    metrics,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.ready === undefined ? {} : { ready: options.ready }),
  });
  return { app, handled, metrics };
}

async function post(h: Harness, headers: Record<string, string>, body: string) {
  const response = await h.app.request('/', { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

describe('accepted CloudEvents', () => {
  it('takes a binary-mode event: 202 with an empty body, handle called with the typed event', async () => {
    const h = harness();
    const { status, text } = await post(h, binaryHeaders(), dueBody);
    expect(status).toBe(202);
    expect(text).toBe('');
    expect(h.handled).toEqual([{ kind: 'due', id: 'ev-1', namespace: 'shop', name: 'web' }]);
  });

  it('takes a structured-mode event: 202 with an empty body', async () => {
    const h = harness();
    const body = JSON.stringify({
      specversion: '1.0',
      id: 'ev-2',
      source: '/kulta/tick',
      type: dueType,
      datacontenttype: 'application/json',
      data: { namespace: 'shop', name: 'web' },
    });
    const { status, text } = await post(
      h,
      { 'content-type': 'application/cloudevents+json' },
      body,
    );
    expect(status).toBe(202);
    expect(text).toBe('');
    expect(h.handled).toEqual([{ kind: 'due', id: 'ev-2', namespace: 'shop', name: 'web' }]);
  });
});

describe('refused requests: 400 naming the problem, handle never called', () => {
  const without = (header: string): Record<string, string> =>
    Object.fromEntries(Object.entries(binaryHeaders()).filter(([k]) => k !== header));
  const event = { specversion: '1.0', id: 'b1', source: '/s', type: dueType, data: {} };
  it.each([
    { name: 'missing ce-id', headers: without('ce-id'), body: dueBody, says: /ce-id/ },
    {
      name: 'missing ce-specversion',
      headers: without('ce-specversion'),
      body: dueBody,
      says: /ce-specversion/,
    },
    { name: 'missing ce-source', headers: without('ce-source'), body: dueBody, says: /ce-source/ },
    { name: 'bad JSON data', headers: binaryHeaders(), body: '{"namespace":', says: /JSON/ },
    {
      name: 'bad JSON in structured mode',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: '{"specversion":',
      says: /not valid JSON/,
    },
    {
      name: 'structured mode without id',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ ...event, id: undefined }),
      says: /missing attribute "id"/,
    },
    {
      name: 'a batch',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([event, event]),
      says: /batched CloudEvents are not accepted/,
    },
    {
      name: 'an unknown ce-type',
      headers: binaryHeaders({ 'ce-type': 'com.example.other' }),
      body: dueBody,
      says: /"com\.example\.other" is not handled here/,
    },
    {
      name: 'an unknown specversion',
      headers: binaryHeaders({ 'ce-specversion': '0.1' }),
      body: dueBody,
      says: /specversion "0\.1" is not supported; send CloudEvents 1\.0/,
    },
    {
      name: 'due data naming something that is not a Kubernetes name',
      headers: binaryHeaders(),
      body: JSON.stringify({ namespace: 'shop', name: '../../../api/v1/secrets' }),
      says: /data\.name "\.\.\/\.\.\/\.\.\/api\/v1\/secrets" is not a Kubernetes object name/,
    },
    {
      name: 'due data with a namespace that is not a DNS label',
      headers: binaryHeaders(),
      body: JSON.stringify({ namespace: 'Shop_1', name: 'web' }),
      says: /data\.namespace "Shop_1" is not a Kubernetes namespace/,
    },
    {
      name: 'due data without a name',
      headers: binaryHeaders(),
      body: JSON.stringify({ namespace: 'shop' }),
      says: /no data\.name/,
    },
  ])('$name', async ({ headers, body, says }) => {
    const h = harness();
    const { status, text } = await post(h, headers, body);
    expect(status).toBe(400);
    const answer = JSON.parse(text) as { error: string; kind: string };
    expect(answer.kind).toBe('invalid');
    expect(answer.error).toMatch(says);
    expect(h.handled).toEqual([]);
  });

  it('answers 413 to a body larger than maxBodyBytes', async () => {
    const h = harness({ maxBodyBytes: 64 });
    const body = JSON.stringify({ namespace: 'shop', name: 'w'.repeat(200) });
    const { status, text } = await post(h, binaryHeaders(), body);
    expect(status).toBe(413);
    expect(JSON.parse(text)).toEqual({
      error: 'request body larger than 64 bytes',
      kind: 'invalid',
    });
    expect(h.handled).toEqual([]);
  });

  it('accepts a body just within maxBodyBytes', async () => {
    const h = harness({ maxBodyBytes: dueBody.length });
    expect((await post(h, binaryHeaders(), dueBody)).status).toBe(202);
  });
});

describe('errors thrown by handle, mapped by handling policy', () => {
  it.each([
    {
      name: 'InvalidInputError',
      error: new InvalidInputError('bad'),
      status: 400,
      kind: 'invalid',
    },
    { name: 'ConflictError', error: new ConflictError('lost'), status: 202, kind: 'conflict' },
    { name: 'StalledError', error: new StalledError('rbac'), status: 202, kind: 'stalled' },
    { name: 'TransientError', error: new TransientError('503'), status: 503, kind: 'transient' },
    { name: 'a plain Error', error: new Error('boom'), status: 500, kind: 'bug' },
    // Not an Error at all (a library throwing a string): still a bug, still answered.
    { name: 'a thrown string', error: 'oops' as unknown as Error, status: 500, kind: 'bug' },
  ])('$name → $status', async ({ error, status, kind }) => {
    const h = harness({ fail: error });
    const answer = await post(h, binaryHeaders(), dueBody);
    expect(answer.status).toBe(status);
    if (status === 202) expect(answer.text).toBe('');
    else {
      const message = typeof error === 'string' ? error : error.message;
      expect(JSON.parse(answer.text)).toEqual({ error: message, kind });
    }
    expect(h.handled).toHaveLength(1);
    const errors = await h.metrics.errors.get();
    expect(errors.values).toEqual([{ labels: { kind }, value: 1 }]);
  });
});

describe('health, readiness and metrics', () => {
  it('answers /healthz', async () => {
    const response = await harness().app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });

  it.each([
    { name: 'ready by default', ready: undefined, status: 200 },
    { name: 'ready', ready: () => Promise.resolve(true), status: 200 },
    { name: 'not ready', ready: () => Promise.resolve(false), status: 503 },
  ])('/readyz when $name → $status', async ({ ready, status }) => {
    const response = await harness(ready ? { ready } : {}).app.request('/readyz');
    expect(response.status).toBe(status);
  });

  it('counts events by kind and result, and errors by kind', async () => {
    const h = harness();
    await post(h, binaryHeaders(), dueBody);
    await post(h, binaryHeaders({ 'ce-id': 'ev-2' }), dueBody);
    await post(h, binaryHeaders({ 'ce-type': 'com.example.other' }), dueBody);
    const failing = harness({ fail: new TransientError('later') });
    const response = await h.app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('kulta_events_total{type="due",result="202"} 2');
    expect(text).toContain('kulta_events_total{type="unknown",result="400"} 1');
    expect(text).toContain('kulta_errors_total{kind="invalid"} 1');
    expect(text).not.toContain('com.example.other');

    await post(failing, binaryHeaders(), dueBody);
    const failed = await (await failing.app.request('/metrics')).text();
    expect(failed).toContain('kulta_events_total{type="due",result="503"} 1');
    expect(failed).toContain('kulta_errors_total{kind="transient"} 1');
  });
});
