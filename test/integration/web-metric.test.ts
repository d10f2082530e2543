// The web metric provider on the test bed: AnalysisRuns on the real apiserver measured against a
// real HTTP(S) server on 127.0.0.1 — success, failure, timeout, a jsonPath that does not fit, a
// token from a Secret, a JSON body, and a self-signed certificate with and without `insecure`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubernetesAnalysisRuns,
  analysisRunApi,
} from '../../functions/adapters/kubernetes/analysis-runs.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body: string;
}

const START = Date.parse('2026-12-01T10:00:00Z');
const kube = testKube();
const runs = new KubernetesAnalysisRuns(kube.kc);
const seen: Seen[] = [];
const servers: Server[] = [];
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let base: string;
let tlsBase: string;
let certDir: string;
let counter = 0;

/** The stand-in metric endpoint: each path answers one way. */
function answer(request: IncomingMessage, body: string, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const json = (status: number, value: unknown) =>
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
  switch (url.pathname) {
    case '/health': {
      const service = url.searchParams.get('service');
      json(200, { data: { ok: service === 'good', rate: service === 'good' ? 0.01 : 0.2 } });
      return;
    }
    case '/oauth2/token': {
      const client = `Basic ${Buffer.from('kulta:s3cret').toString('base64')}`;
      if (request.headers.authorization !== client) json(401, { error: 'invalid_client' });
      else json(200, { access_token: 'oauth-token', token_type: 'Bearer', expires_in: 60 });
      return;
    }
    case '/secured':
      if (!['Bearer s3cret', 'Bearer oauth-token'].includes(request.headers.authorization ?? ''))
        json(401, { error: 'unauthorized' });
      else json(200, { echo: JSON.parse(body) as unknown });
      return;
    case '/down':
      json(503, { error: 'warming up' });
      return;
    case '/slow':
      // Answers after the client gave up (timeoutSeconds: 1); closed with the server.
      setTimeout(() => json(200, { ok: true }), 3000).unref();
      return;
    default:
      json(404, { error: 'no such path' });
  }
}

function handler(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      body,
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}),
    });
    answer(request, body, response);
  });
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'web-metric');
  certDir = mkdtempSync(join(tmpdir(), 'kulta-web-cert-'));
  const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
      ...['-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  base = `http://${await listen(createServer(handler))}`;
  tlsBase = `https://${await listen(
    createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler),
  )}`;
  await kube.core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'api-token' }, stringData: { token: 's3cret' } },
  });
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(certDir, { recursive: true, force: true });
  await (ns as typeof ns | undefined)?.remove();
});

async function createRun(spec: Json): Promise<string> {
  counter += 1;
  const name = `web-${String(counter)}`;
  await kube.custom.createNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    body: { apiVersion: 'kulta.io/v1alpha1', kind: 'AnalysisRun', metadata: { name }, spec },
  });
  return name;
}

/** Measures the run every 10 s of fake time until it finishes; returns its stored status. */
async function measured(spec: Json): Promise<Json & { metricResults: Json[] }> {
  const name = await createRun(spec);
  for (let i = 0; i < 8; i += 1) {
    const now = new Date(START + i * 10_000).toISOString();
    const summary = await runs.measure(ns.name, name, now);
    if (!['Running', 'Pending', undefined].includes(summary.phase)) break;
  }
  const run = (await kube.custom.getNamespacedCustomObject({
    ...analysisRunApi,
    namespace: ns.name,
    name,
  })) as { status: Json & { metricResults: Json[] } };
  return run.status;
}

function lastMeasurement(status: { metricResults: Json[] }): Json {
  const measurements = status.metricResults[0]?.measurements as Json[] | undefined;
  const last = measurements?.at(-1);
  if (last === undefined) throw new Error('no measurement');
  return last;
}

const webMetric = (web: Json, fields: Json = {}): Json => ({
  name: 'health',
  successCondition: 'result == true',
  provider: { web },
  ...fields,
});

describe('web metrics against a real HTTP server', () => {
  it('a jsonPath value that meets the condition is Successful, arguments percent-encoded', async () => {
    const status = await measured({
      args: [
        { name: 'base', value: base },
        { name: 'service', value: 'good' },
      ],
      metrics: [
        webMetric({
          url: '{{args.base}}/health?service={{args.service}}',
          jsonPath: '{$.data.ok}',
        }),
      ],
    });
    expect(status.phase).toBe('Successful');
    expect(lastMeasurement(status)).toMatchObject({
      phase: 'Successful',
      value: 'true',
      query: `GET ${base}/health?service=good`,
    });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/health?service=good' });
  });

  it('a value that fails the condition fails the run', async () => {
    const status = await measured({
      metrics: [
        webMetric(
          { url: `${base}/health?service=bad`, jsonPath: '{$.data.rate}' },
          { successCondition: 'result < 0.05', interval: '10s', count: 2 },
        ),
      ],
    });
    expect(status.phase).toBe('Failed');
    expect(status.message).toMatch(/metric health: Failed .*last value 0\.2 from GET http/);
  });

  it('POSTs a jsonBody with a bearer token read from a Secret, which never shows', async () => {
    const status = await measured({
      args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }],
      metrics: [
        webMetric(
          {
            url: `${base}/secured`,
            method: 'POST',
            headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
            jsonBody: { service: 'checkout', window: 300 },
            jsonPath: '{$.echo}',
          },
          { successCondition: 'result.service == "checkout" && result.window == 300' },
        ),
      ],
    });
    expect(status.phase).toBe('Successful');
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      authorization: 'Bearer s3cret',
      contentType: 'application/json',
      body: '{"service":"checkout","window":300}',
    });
    expect(JSON.stringify(status)).not.toContain('s3cret');
  });

  it('gets an OAuth2 token with the client secret from a Secret, and sends it', async () => {
    const status = await measured({
      args: [{ name: 'secret', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }],
      metrics: [
        webMetric(
          {
            url: `${base}/secured`,
            method: 'PUT',
            body: '{"probe":1}',
            jsonPath: '{$.echo.probe}',
            authentication: {
              oauth2: {
                tokenUrl: `${base}/oauth2/token`,
                clientId: 'kulta',
                clientSecret: '{{args.secret}}',
              },
            },
          },
          { successCondition: 'result == 1' },
        ),
      ],
    });
    expect(status.phase).toBe('Successful');
    expect(seen.at(-2)).toMatchObject({ method: 'POST', url: '/oauth2/token' });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', authorization: 'Bearer oauth-token' });
  });

  it.each<{ name: string; web: Json; message: RegExp }>([
    {
      name: 'a timeout',
      web: { url: '/slow', timeoutSeconds: 1 },
      message: /^GET http:\/\/127\.0\.0\.1:\d+\/slow did not answer within 1 s \(timeoutSeconds\)$/,
    },
    {
      name: 'a jsonPath that does not fit the body',
      web: { url: '/health?service=good', jsonPath: '{$.data.healthy}' },
      message:
        /^jsonPath \{\$\.data\.healthy\}: \$\.data has no field "healthy" \(its fields: ok, rate\)$/,
    },
    {
      name: 'a 503',
      web: { url: '/down' },
      message: /answered HTTP 503 \(a 2xx is needed\): \{"error":"warming up"\}$/,
    },
    {
      name: 'nothing listening',
      web: { url: 'http://127.0.0.1:9/health' },
      message: /^cannot reach GET http:\/\/127\.0\.0\.1:9\/health: .*ECONNREFUSED/,
    },
  ])('$name is an Error measurement that says so', async ({ web, message }) => {
    const url = String(web.url).startsWith('/') ? `${base}${String(web.url)}` : web.url;
    const status = await measured({
      metrics: [webMetric({ ...web, url }, { consecutiveErrorLimit: 0 })],
    });
    expect(status.phase).toBe('Error');
    expect(lastMeasurement(status)).toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('verifies TLS unless insecure says otherwise', async () => {
    const url = `${tlsBase}/health?service=good`;
    const verified = await measured({
      metrics: [webMetric({ url, jsonPath: '{$.data.ok}' }, { consecutiveErrorLimit: 0 })],
    });
    expect(verified.phase).toBe('Error');
    expect(lastMeasurement(verified).message).toMatch(/self-signed certificate/);
    const insecure = await measured({
      metrics: [webMetric({ url, jsonPath: '{$.data.ok}', insecure: true })],
    });
    expect(insecure.phase).toBe('Successful');
  });
});

describe('dryRun and measurementRetention name metrics by pattern, as Argo', () => {
  const failing = (name: string, fields: Json = {}): Json =>
    webMetric({ url: `${base}/health?service=bad`, jsonPath: '{$.data.ok}' }, { name, ...fields });

  it('a dry-run metric that fails does not fail the run; retention keeps the last 2', async () => {
    const status = await measured({
      metrics: [
        failing('health-dry', { interval: '10s', count: 4, failureLimit: 3 }),
        webMetric({ url: `${base}/health?service=good`, jsonPath: '{$.data.ok}' }),
      ],
      dryRun: [{ metricName: '-dry$' }],
      measurementRetention: [{ metricName: 'dry', limit: 2 }],
    });
    expect(status.phase).toBe('Successful');
    expect(status.dryRunSummary).toMatchObject({ count: 1, inconclusive: 0 });
    const dry = status.metricResults[0] as Json & { measurements: Json[] };
    expect(dry).toMatchObject({ name: 'health-dry', dryRun: true, count: 4, failed: 4 });
    expect(dry.measurements).toHaveLength(2);
  });

  it('a rule that names no metric ends the run in Error saying which', async () => {
    const status = await measured({
      metrics: [failing('health')],
      dryRun: [{ metricName: 'latency' }],
    });
    expect(status).toMatchObject({
      phase: 'Error',
      message:
        'invalid AnalysisRun: spec.dryRun[0].metricName: "latency" names no metric (the metrics: health)',
    });
  });
});

describe('an AnalysisRun created with generateName', () => {
  it('is measured like any other', async () => {
    const created = (await kube.custom.createNamespacedCustomObject({
      ...analysisRunApi,
      namespace: ns.name,
      body: {
        apiVersion: 'kulta.io/v1alpha1',
        kind: 'AnalysisRun',
        metadata: { generateName: 'smoke-' },
        spec: {
          metrics: [webMetric({ url: `${base}/health?service=good`, jsonPath: '{$.data.ok}' })],
        },
      },
    })) as { metadata: { name: string } };
    expect(created.metadata.name).toMatch(/^smoke-[a-z0-9]{5}$/);
    const summary = await runs.measure(
      ns.name,
      created.metadata.name,
      new Date(START).toISOString(),
    );
    expect(summary).toMatchObject({ found: true, phase: 'Successful', measurementsTaken: 1 });
  });
});
