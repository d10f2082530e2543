// The Prometheus adapter's HTTP details, against a recording stand-in server on 127.0.0.1:
// auth and extra headers, the form body, and how unusual answers are classified.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrometheusQuerier,
  type PrometheusConnection,
} from '../../functions/adapters/prometheus.ts';

interface Recorded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: URLSearchParams;
}

let server: Server;
let base: string;
const requests: Recorded[] = [];
let reply: { status: number; body: string } = { status: 200, body: '' };

const EMPTY_VECTOR = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [] },
});

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      requests.push({
        url: request.url ?? '',
        headers: request.headers,
        body: new URLSearchParams(body),
      });
      response.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function lastRequest(connection: Omit<PrometheusConnection, 'address'>): Promise<Recorded> {
  reply = { status: 200, body: EMPTY_VECTOR };
  const querier = createPrometheusQuerier({ address: `${base}/prom/`, ...connection });
  await querier.query('up{job="a b"}', new Date(1_700_000_000_123));
  const last = requests.at(-1);
  if (last === undefined) throw new Error('no request recorded');
  return last;
}

describe('requests', () => {
  it('POSTs the query, the fractional time and the timeout as a form under the path prefix', async () => {
    const request = await lastRequest({ timeoutMs: 2_500 });
    expect(request.url).toBe('/prom/api/v1/query');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request.body)).toEqual({
      query: 'up{job="a b"}',
      time: '1700000000.123',
      timeout: '2.5s',
    });
    expect(request.headers.authorization).toBeUndefined();
  });

  it.each<{ name: string; auth: PrometheusConnection['auth']; expected: string }>([
    { name: 'bearer token', auth: { bearerToken: 's3cret' }, expected: 'Bearer s3cret' },
    {
      name: 'basic auth (UTF-8)',
      auth: { username: 'kulta', password: 'pässword' },
      expected: `Basic ${Buffer.from('kulta:pässword', 'utf8').toString('base64')}`,
    },
  ])('sends $name', async ({ auth, expected }) => {
    const request = await lastRequest({ auth });
    expect(request.headers.authorization).toBe(expected);
  });

  it('sends extra headers', async () => {
    const request = await lastRequest({ headers: { 'X-Scope-OrgID': 'team-a' } });
    expect(request.headers['x-scope-orgid']).toBe('team-a');
  });

  it('sends range queries with start, end and step', async () => {
    reply = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }),
    };
    const querier = createPrometheusQuerier({ address: base });
    const answer = await querier.queryRange('up', {
      start: new Date(1_700_000_000_000),
      end: new Date(1_700_000_600_500),
      stepSeconds: 15,
    });
    expect(answer.ok).toBe(true);
    const request = requests.at(-1);
    expect(request?.url).toBe('/api/v1/query_range');
    expect(Object.fromEntries(request?.body ?? [])).toMatchObject({
      start: '1700000000.000',
      end: '1700000600.500',
      step: '15',
    });
  });

  it('refuses a range with too many points without sending it', async () => {
    const count = requests.length;
    const querier = createPrometheusQuerier({ address: base });
    const answer = await querier.queryRange('up', {
      start: new Date(0),
      end: new Date(86_400_000),
      stepSeconds: 1,
    });
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'rejected' } });
    expect(requests).toHaveLength(count);
  });
});

describe('classifying answers', () => {
  it.each<{ name: string; status: number; body: string; kind: string; message: RegExp }>([
    {
      name: '503 without JSON',
      status: 503,
      body: 'Service Unavailable',
      kind: 'transient',
      message: /answered HTTP 503 without JSON: Service Unavailable/,
    },
    {
      name: '429 too many requests',
      status: 429,
      body: 'slow down',
      kind: 'transient',
      message: /HTTP 429/,
    },
    {
      name: 'query timeout (503 JSON)',
      status: 503,
      body: JSON.stringify({
        status: 'error',
        errorType: 'timeout',
        error: 'query timed out in expression evaluation',
      }),
      kind: 'transient',
      message: /Prometheus error \(timeout, HTTP 503\): query timed out/,
    },
    {
      name: 'execution error (422)',
      status: 422,
      body: JSON.stringify({
        status: 'error',
        errorType: 'execution',
        error: 'many-to-many matching not allowed',
      }),
      kind: 'rejected',
      message: /\(execution, HTTP 422\): many-to-many/,
    },
    {
      name: '401 from a proxy',
      status: 401,
      body: '<html>Unauthorized</html>',
      kind: 'rejected',
      message: /HTTP 401 without JSON/,
    },
    {
      name: '200 with HTML',
      status: 200,
      body: '<html>login</html>',
      kind: 'invalid-response',
      message: /HTTP 200 without JSON/,
    },
    {
      name: '200 with foreign JSON',
      status: 200,
      body: '{"hello":"world"}',
      kind: 'invalid-response',
      message: /unexpected Prometheus response: status is undefined/,
    },
  ])('$name → $kind', async ({ status, body, kind, message }) => {
    reply = { status, body };
    const answer = await createPrometheusQuerier({ address: base }).query('up');
    expect(answer).toMatchObject({ ok: false, failure: { kind, httpStatus: status } });
    expect(answer.ok ? '' : answer.failure.message).toMatch(message);
  });

  it('turns credentials in the address into basic auth', async () => {
    reply = { status: 200, body: EMPTY_VECTOR };
    const querier = createPrometheusQuerier({ address: base.replace('//', '//us%40er:p%3Aw@') });
    expect((await querier.query('up')).ok).toBe(true);
    const expected = `Basic ${Buffer.from('us@er:p:w').toString('base64')}`;
    expect(requests.at(-1)?.headers.authorization).toBe(expected);
  });

  it('keeps credentials out of messages', async () => {
    const querier = createPrometheusQuerier({ address: 'http://user:pw@127.0.0.1:1' });
    const answer = await querier.query('up');
    const message = answer.ok ? '' : answer.failure.message;
    expect(message).toContain('cannot reach Prometheus at http://127.0.0.1:1');
    expect(message).not.toContain('pw');
  });

  it.each([
    { address: 'not a url', message: /is not a URL/ },
    { address: 'ftp://127.0.0.1', message: /must be http or https, got ftp:/ },
  ])('rejects the address $address without a request', async ({ address, message }) => {
    const answer = await createPrometheusQuerier({ address }).query('up');
    expect(answer).toMatchObject({ ok: false, failure: { kind: 'rejected' } });
    expect(answer.ok ? '' : answer.failure.message).toMatch(message);
  });
});
