// Prometheus rangeQuery and OAuth2 client credentials on the test bed: AnalysisRuns on the real
// apiserver, a real Prometheus with backfilled data, and a small real token endpoint on 127.0.0.1
// whose tokens a checking proxy in front of Prometheus demands.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubernetesAnalysisRuns,
  analysisRunApi,
} from '../../functions/adapters/kubernetes/analysis-runs.ts';
import { tempNamespace, testKube } from '../support/kube.ts';
import { openMetrics, startPrometheus, type TestPrometheus } from '../support/prometheus.ts';

type Json = Record<string, unknown>;

const T0 = 1_700_000_000;
/** Measurements are taken 10 minutes into the 20 minutes of data. */
const AT = new Date((T0 + 600) * 1000).toISOString();
const kube = testKube();
const runs = new KubernetesAnalysisRuns(kube.kc);
const servers: Server[] = [];
const tokenRequests: { authorization?: string; body: URLSearchParams }[] = [];
const proxied: (string | undefined)[] = [];
const issued = new Set<string>();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let prometheus: TestPrometheus;
let tokenUrl: string;
let proxyUrl: string;
let counter = 0;

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      resolve(body);
    });
  });
}

/** RFC 6749 §4.4: client "kulta" with secret "s3cret" gets a fresh token for scope "metrics". */
const tokenEndpoint = createServer((request, response) => {
  void readBody(request).then((text) => {
    const body = new URLSearchParams(text);
    tokenRequests.push({ authorization: request.headers.authorization, body });
    const expected = `Basic ${Buffer.from('kulta:s3cret').toString('base64')}`;
    if (
      request.headers.authorization !== expected ||
      body.get('grant_type') !== 'client_credentials'
    ) {
      response.writeHead(401, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    const token = `token-${String(issued.size + 1)}`;
    issued.add(token);
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 60 }));
  });
});

/** In front of Prometheus: only a bearer token the endpoint issued gets through. */
const checkingProxy = createServer((request, response) => {
  proxied.push(request.headers.authorization);
  const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
  void readBody(request).then(async (body) => {
    if (!issued.has(token)) {
      response.writeHead(401).end('unauthorized');
      return;
    }
    const answer = await fetch(`${prometheus.url}${request.url ?? ''}`, {
      method: request.method ?? 'GET',
      headers: { 'Content-Type': request.headers['content-type'] ?? '' },
      body,
    });
    response.writeHead(answer.status).end(await answer.text());
  });
});

beforeAll(async () => {
  ns = await tempNamespace(kube, 'prom-range');
  const every = (f: (i: number) => number, labels: Record<string, string>) =>
    Array.from({ length: 120 }, (_, i) => ({ labels, value: f(i), time: T0 + 10 * i }));
  prometheus = await startPrometheus({
    openMetrics: openMetrics([
      {
        name: 'error_ratio',
        type: 'gauge',
        // "spiky": low except one spike 5 minutes before the measurement.
        samples: [
          ...every(() => 0.01, { service: 'steady' }),
          ...every((i) => (i === 30 ? 0.5 : 0.01), { service: 'spiky' }),
        ],
      },
    ]),
  });
  tokenUrl = `${await listen(tokenEndpoint)}/oauth2/token`;
  proxyUrl = await listen(checkingProxy);
  await kube.core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'oauth' }, stringData: { secret: 's3cret', wrong: 'nope' } },
  });
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await (prometheus as TestPrometheus | undefined)?.stop();
  await (ns as typeof ns | undefined)?.remove();
});

/** Creates a run and measures it once at AT; returns its status. */
async function measuredOnce(spec: Json): Promise<Json & { metricResults: Json[] }> {
  counter += 1;
  const name = `range-${String(counter)}`;
  await kube.custom.createNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    body: { apiVersion: 'kulta.io/v1alpha1', kind: 'AnalysisRun', metadata: { name }, spec },
  });
  await runs.measure(ns.name, name, AT);
  const run = (await kube.custom.getNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    name,
  })) as { status: Json & { metricResults: Json[] } };
  return run.status;
}

const lastMeasurement = (status: { metricResults: Json[] }): Json =>
  ((status.metricResults[0]?.measurements as Json[] | undefined) ?? []).at(-1) ?? {};

const rangeMetric = (service: string, lookback: string): Json => ({
  args: [{ name: 'lookback', value: lookback }],
  metrics: [
    {
      name: 'errors',
      successCondition: 'all(result, {# < 0.1})',
      provider: {
        prometheus: {
          address: prometheus.url,
          query: `error_ratio{service="${service}"}`,
          rangeQuery: {
            start: 'now() - duration("{{args.lookback}}")',
            end: 'now()',
            step: '1m',
          },
        },
      },
    },
  ],
});

describe('rangeQuery', () => {
  it('judges every value over the range: a spike inside it fails the metric', async () => {
    const status = await measuredOnce(rangeMetric('spiky', '10m'));
    expect(status.phase).toBe('Failed');
    const values = JSON.parse(String(lastMeasurement(status).value)) as number[];
    expect(values).toHaveLength(11);
    expect(values).toContain(0.5);
  });

  it('a range that ends before the spike passes, and steady data passes', async () => {
    expect((await measuredOnce(rangeMetric('spiky', '4m'))).phase).toBe('Successful');
    const steady = await measuredOnce(rangeMetric('steady', '10m'));
    expect(steady.phase).toBe('Successful');
    expect(lastMeasurement(steady)).toMatchObject({ value: `[${Array(11).fill(0.01).join(',')}]` });
  });
});

const oauthRun = (secretKey: string, extra: Json = {}): Json => ({
  args: [{ name: 'client-secret', valueFrom: { secretKeyRef: { name: 'oauth', key: secretKey } } }],
  metrics: [
    {
      name: 'errors',
      successCondition: 'result[0] < 0.1',
      consecutiveErrorLimit: 0,
      provider: {
        prometheus: {
          address: proxyUrl,
          query: 'error_ratio{service="steady"}',
          authentication: {
            oauth2: {
              tokenUrl,
              clientId: 'kulta',
              clientSecret: '{{args.client-secret}}',
              scopes: ['metrics', 'read'],
            },
          },
          ...extra,
        },
      },
    },
  ],
});

describe('authentication.oauth2 (client credentials)', () => {
  it('gets a token with the client secret from a Secret and queries with it', async () => {
    const status = await measuredOnce(oauthRun('secret'));
    expect(status.phase).toBe('Successful');
    const request = tokenRequests.at(-1);
    expect(request?.body.get('grant_type')).toBe('client_credentials');
    expect(request?.body.get('scope')).toBe('metrics read');
    expect(proxied.at(-1)).toMatch(/^Bearer token-\d+$/);
    expect(JSON.stringify(status)).not.toContain('s3cret');
  });

  it('a token endpoint that refuses the client is an Error naming it, and Prometheus is not asked', async () => {
    const before = proxied.length;
    const status = await measuredOnce(oauthRun('wrong'));
    expect(status.phase).toBe('Error');
    expect(lastMeasurement(status).message).toBe(
      `authentication.oauth2: the OAuth2 token endpoint ${tokenUrl} refused client kulta: HTTP 401 {"error":"invalid_client"}`,
    );
    expect(proxied).toHaveLength(before);
  });

  it('a missing Secret key is an Error naming the argument', async () => {
    const status = await measuredOnce(oauthRun('absent'));
    expect(lastMeasurement(status).message).toBe(
      `argument "client-secret": Secret ${ns.name}/oauth has no key "absent"`,
    );
  });
});

describe('the CRD refuses what KULTA cannot read, naming the field', () => {
  const refusal = async (prometheusFields: Json): Promise<string> => {
    const spec = rangeMetric('steady', '10m');
    const metrics = spec.metrics as Json[];
    const provider = (metrics[0]?.provider as { prometheus: Json }).prometheus;
    Object.assign(provider, prometheusFields);
    return kube.custom
      .createNamespacedCustomObject({
        ...analysisRunApi,
        namespace: ns.name,
        body: {
          apiVersion: 'kulta.io/v1alpha1',
          kind: 'AnalysisRun',
          metadata: { name: 'bad' },
          spec,
        },
      })
      .then(
        () => 'accepted',
        (error: unknown) =>
          (JSON.parse(String((error as { body?: unknown }).body)) as { message: string }).message,
      );
  };

  it.each<[string, Json, string]>([
    [
      'a rangeQuery without start',
      { rangeQuery: { end: 'now()', step: '1m' } },
      'rangeQuery.start: Required value',
    ],
    [
      'an expr-lang time it cannot read',
      { rangeQuery: { start: 'date("2026-12-01")', end: 'now()', step: '1m' } },
      'must be now(), optionally with + or - duration("…") terms',
    ],
    [
      'a step that is no duration',
      { rangeQuery: { start: 'now()', end: 'now()', step: 'often' } },
      'must be a duration like "30s"',
    ],
    [
      'sigv4',
      { authentication: { sigv4: { region: 'eu-west-1' } } },
      'KULTA does not sign requests with AWS credentials',
    ],
    [
      'oauth2 without tokenUrl',
      { authentication: { oauth2: { clientId: 'a', clientSecret: 'b' } } },
      'oauth2.tokenUrl: Required value',
    ],
    [
      'two credentials',
      {
        authentication: {
          oauth2: { tokenUrl: 'https://t', clientId: 'a', clientSecret: 'b' },
          basic: { secretRef: { name: 'x' } },
        },
      },
      'authentication must set one of bearerToken, basic and oauth2',
    ],
  ])('refuses %s', async (_name, fields, message) => {
    expect(await refusal(fields)).toContain(message);
  });
});
