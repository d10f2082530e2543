// The dashboard's HTTP surface through app.request() with fake ports: the page and its files,
// JSON reads, live updates, and the actions with everything they refuse.
import { describe, expect, it } from 'vitest';
import { OperationError } from '../../functions/cli/operate.ts';
import { ConflictError, StalledError, TransientError } from '../../functions/runtime/errors.ts';
import { RolloutNotFoundError } from '../../functions/view/rollout-detail.ts';
import { fakeDashboard, readEvents } from './fakes.ts';

const json = { 'Content-Type': 'application/json' };
const web = JSON.stringify({ namespace: 'shop', name: 'web' });

describe('the page and its files', () => {
  it('serves the page with a policy that allows only its own scripts, styles and requests', async () => {
    const { app } = fakeDashboard();
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="assets/app.js"></script>');
    // Relative URLs only: the page works under /dashboard/ as well as at /.
    expect(html).not.toMatch(/(src|href)="\//);
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['plot.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
  ])('serves assets/%s as %s', async (file, type) => {
    const response = await fakeDashboard().app.request(`/assets/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
  });

  it.each([['nope.js'], ['..%2Fapp.ts'], ['%2E%2E%2Fstatic.ts']])(
    'answers 404 for assets/%s',
    async (file) => {
      expect((await fakeDashboard().app.request(`/assets/${file}`)).status).toBe(404);
    },
  );
});

describe('reads', () => {
  it.each([
    ['/api/rollouts', undefined],
    ['/api/rollouts?namespace=', undefined],
    ['/api/rollouts?namespace=shop', 'shop'],
  ])('GET %s lists the rollouts of namespace %s', async (path, namespace) => {
    const { app, reader } = fakeDashboard();
    reader.answers = [[{ namespace: 'shop', name: 'web' }]];
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ namespace: 'shop', name: 'web' }]);
    expect(reader.calls).toEqual([['list', namespace]]);
  });

  it('GET /api/rollouts/shop/web returns the detail, and 404 naming it when it is gone', async () => {
    const { app, reader } = fakeDashboard();
    reader.answers = [{ rollout: { name: 'web' }, timeline: [] }, undefined];
    const found = await app.request('/api/rollouts/shop/web');
    expect(await found.json()).toEqual({ rollout: { name: 'web' }, timeline: [] });
    const gone = await app.request('/api/rollouts/shop/web');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'Rollout shop/web not found' });
    expect(reader.calls).toEqual([
      ['detail', { namespace: 'shop', name: 'web' }],
      ['detail', { namespace: 'shop', name: 'web' }],
    ]);
  });

  it.each([
    ['/api/rollouts?namespace=Shop', 'namespace must be a namespace name'],
    ['/api/rollouts/shop/We%20b', 'name must be a Rollout name'],
    ['/api/rollouts/-shop/web', 'namespace must be a namespace name'],
    ['/api/stream?namespace=shop&name=web%3Cx%3E', 'name must be a Rollout name'],
    ['/api/stream?name=web', 'namespace must be a namespace name'],
  ])('GET %s → 400 (%s), nothing read', async (path, message) => {
    const { app, reader } = fakeDashboard();
    const response = await app.request(path);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(message);
    expect(reader.calls).toEqual([]);
  });

  it.each([
    ['a transient API failure', 503, new TransientError('API down')],
    ['RBAC refusing the read', 403, new StalledError('forbidden')],
    ['a bug', 500, new Error('boom')],
  ])('maps %s to %i with its message', async (_, status, error) => {
    const { app, reader } = fakeDashboard();
    reader.answers = [error];
    const response = await app.request('/api/rollouts');
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toBe(error.message);
  });
});

describe('live updates', () => {
  it('streams one rollout: sent when it changes, not when only its read time does', async () => {
    const { app, reader } = fakeDashboard();
    reader.answers = [
      { readAt: '10:00:00', phase: 'Paused', pause: { remainingSeconds: 9 } },
      { readAt: '10:00:01', phase: 'Paused', pause: { remainingSeconds: 8 } },
      { readAt: '10:00:02', phase: 'Paused', pause: { remainingSeconds: 7 } },
      { readAt: '10:00:03', phase: 'Progressing', pause: null },
    ];
    const response = await app.request('/api/stream?namespace=shop&name=web');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(response, 3);
    expect(events.map((e) => e.event)).toEqual(['hello', 'rollout', 'rollout']);
    expect(JSON.parse(events[1]?.data ?? '')).toMatchObject({ readAt: '10:00:00' });
    expect(JSON.parse(events[2]?.data ?? '')).toMatchObject({ phase: 'Progressing' });
    expect(reader.calls.slice(0, 4)).toEqual(
      Array(4).fill(['detail', { namespace: 'shop', name: 'web' }]),
    );
  });

  it('streams the list of a namespace, and a read failure as a failure event', async () => {
    const { app, reader } = fakeDashboard();
    reader.answers = [[{ name: 'web' }], new TransientError('listing Rollouts: API down')];
    const events = await readEvents(await app.request('/api/stream?namespace=shop'), 3);
    expect(events).toEqual([
      { event: 'hello', data: '{}' },
      { event: 'rollouts', data: '[{"name":"web"}]' },
      { event: 'failure', data: '{"error":"listing Rollouts: API down"}' },
    ]);
    expect(reader.calls[0]).toEqual(['list', 'shop']);
  });

  it('keeps a quiet stream open with comment lines', async () => {
    const { app } = fakeDashboard({ intervalMs: 1, keepAliveMs: 2 });
    const body = (await app.request('/api/stream')).body;
    if (!body) throw new Error('no body');
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': keep-alive\n\n')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    expect(text).toMatch(/^event: hello\n[^]*event: rollouts\ndata: \[\]\n\n: keep-alive\n\n/);
  });

  it('ends a stream after maxMs, for the browser to reconnect', async () => {
    const { app } = fakeDashboard({ intervalMs: 1, maxMs: 5 });
    const events = await readEvents(await app.request('/api/stream'), 100);
    expect(events.map((e) => e.event)).toEqual(['hello', 'rollouts']);
  });
});

describe('actions', () => {
  it.each([['promote'], ['abort'], ['retry']] as const)(
    'POST /api/%s acts on the rollout the body names',
    async (action) => {
      const { app, operator } = fakeDashboard();
      const response = await app.request(`/api/${action}`, {
        method: 'POST',
        headers: { ...json, Origin: 'http://localhost', Host: 'localhost' },
        body: web,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        namespace: 'shop',
        name: 'web',
        action,
        message: `Rollout shop/web ${action}d`,
      });
      expect(operator.calls).toEqual([[{ namespace: 'shop', name: 'web' }, action]]);
    },
  );

  const refusals: {
    label: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
    error: string;
  }[] = [
    { label: 'GET', method: 'GET', headers: {}, status: 405, error: 'promote takes POST only' },
    { label: 'PUT', method: 'PUT', headers: json, body: web, status: 405, error: 'POST only' },
    {
      label: 'DELETE',
      method: 'DELETE',
      headers: json,
      body: web,
      status: 405,
      error: 'POST only',
    },
    {
      label: 'text/plain',
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: web,
      status: 400,
      error: 'send the action as Content-Type: application/json',
    },
    {
      label: 'a form post',
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'namespace=shop&name=web',
      status: 400,
      error: 'application/json',
    },
    {
      label: 'broken JSON',
      method: 'POST',
      headers: json,
      body: '{"namespace":',
      status: 400,
      error: 'does not parse',
    },
    {
      label: 'an array',
      method: 'POST',
      headers: json,
      body: '["shop","web"]',
      status: 400,
      error: 'must be a JSON object',
    },
    {
      label: 'no name',
      method: 'POST',
      headers: json,
      body: '{"namespace":"shop"}',
      status: 400,
      error:
        "name must be a Rollout name (lower-case letters, digits, '-' and '.', at most 253), got nothing",
    },
    {
      label: 'a field beyond namespace and name',
      method: 'POST',
      headers: json,
      body: '{"namespace":"shop","name":"web","status":{"abort":true}}',
      status: 400,
      error: 'may name only "namespace" and "name"; remove "status"',
    },
    {
      label: 'markup as a name',
      method: 'POST',
      headers: json,
      body: '{"namespace":"shop","name":"<img src=x>"}',
      status: 400,
      error: 'got "<img src=x>"',
    },
    {
      label: 'a namespace with a space',
      method: 'POST',
      headers: json,
      body: '{"namespace":"kube system","name":"web"}',
      status: 400,
      error: 'namespace must be a namespace name',
    },
    {
      label: 'a 5 kB body',
      method: 'POST',
      headers: json,
      body: JSON.stringify({ namespace: 'shop', name: 'w'.repeat(5000) }),
      status: 413,
      error: 'at most 4096 bytes',
    },
    {
      label: 'a request from another site',
      method: 'POST',
      headers: { ...json, Origin: 'https://evil.example', Host: 'localhost:8081' },
      body: web,
      status: 403,
      error: 'only from the dashboard page',
    },
  ];

  it.each(refusals)('refuses $label with $status, doing nothing', async (row) => {
    const { app, operator } = fakeDashboard();
    const init = { method: row.method, headers: row.headers, body: row.body };
    const response = await app.request('/api/promote', init);
    expect(response.status).toBe(row.status);
    if (row.status === 405) expect(response.headers.get('allow')).toBe('POST');
    expect(((await response.json()) as { error: string }).error).toContain(row.error);
    expect(operator.calls).toEqual([]);
  });

  it.each([
    [
      'the Rollout is gone',
      404,
      new RolloutNotFoundError('shop', 'web'),
      'Rollout shop/web not found',
    ],
    ['someone wrote first', 409, new ConflictError('changed; try again'), 'changed; try again'],
    [
      'RBAC refuses the patch',
      403,
      new StalledError('not allowed to patch'),
      'not allowed to patch',
    ],
    ['the API is down', 503, new TransientError('API down'), 'API down'],
  ])('answers when %s: %i', async (_, status, error, message) => {
    const { app, operator } = fakeDashboard();
    operator.failure = error;
    const response = await app.request('/api/abort', { method: 'POST', headers: json, body: web });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toBe(message);
  });

  it('an error without a handling policy is a bug: 500', async () => {
    const { app, operator } = fakeDashboard();
    operator.failure = new OperationError('Rollout shop/web: patching it failed');
    const response = await app.request('/api/retry', { method: 'POST', headers: json, body: web });
    expect(response.status).toBe(500);
  });
});
