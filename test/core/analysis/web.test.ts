// The web metric provider's pure half: parsing provider.web, building the request, judging the answer.
import { describe, expect, it } from 'vitest';
import { parseRunSpec } from '../../../functions/core/analysis/run-spec.ts';
import {
  evaluateWebResponse,
  webRequest,
  type WebSource,
} from '../../../functions/core/analysis/web.ts';
import type { MetricCheck } from '../../../functions/core/analysis/measurement.ts';

type Json = Record<string, unknown>;

function webOf(web: Json, extra: Json = {}): WebSource {
  const spec = parseRunSpec({
    metrics: [{ name: 'w', successCondition: 'result == true', provider: { web }, ...extra }],
  });
  const provider = spec.metrics[0]?.provider;
  if (provider?.kind !== 'web') throw new Error('not a web metric');
  return provider.web;
}

describe('provider.web is parsed with Argo defaults', () => {
  it('defaults to GET, 10 s, the whole body, TLS verified', () => {
    expect(webOf({ url: 'http://svc/health' })).toEqual({
      method: 'GET',
      url: 'http://svc/health',
      headers: [],
      timeoutMs: 10_000,
      insecure: false,
    });
  });

  it.each<{ name: string; web: Json; extra?: Json; error: RegExp }>([
    { name: 'no url', web: {}, error: /provider\.web\.url: is required/ },
    { name: 'a url without scheme', web: { url: 'svc/health' }, error: /url: must be an http/ },
    {
      name: 'a method Argo lacks',
      web: { url: 'http://a', method: 'DELETE' },
      error: /method: must be GET, POST or PUT/,
    },
    {
      name: 'a body with GET',
      web: { url: 'http://a', body: 'x' },
      error: /method: a body needs method POST or PUT/,
    },
    {
      name: 'body and jsonBody',
      web: { url: 'http://a', method: 'POST', body: 'x', jsonBody: {} },
      error: /set body or jsonBody, not both/,
    },
    {
      name: 'a zero timeout',
      web: { url: 'http://a', timeoutSeconds: 0 },
      error: /timeoutSeconds: must be whole seconds from 1 to 600/,
    },
    {
      name: 'a filter in jsonPath',
      web: { url: 'http://a', jsonPath: '{$.a[?(@.b)]}' },
      error: /jsonPath: \{\$\.a\[\?\(@\.b\)\]\}: filters/,
    },
    {
      name: 'sigv4',
      web: { url: 'http://a', authentication: { sigv4: {} } },
      error: /authentication.sigv4: is not supported: KULTA does not sign requests with AWS/,
    },
    {
      name: 'oauth2 without tokenUrl',
      web: { url: 'http://a', authentication: { oauth2: { clientId: 'a', clientSecret: 'b' } } },
      error: /authentication.oauth2.tokenUrl: is required/,
    },
    {
      name: 'a judge',
      web: { url: 'http://a' },
      extra: { judge: {} },
      error: /judge and sampleGuard query Prometheus/,
    },
  ])('refuses $name', ({ web, extra, error }) => {
    expect(() => webOf(web, extra)).toThrow(error);
  });
});

describe('webRequest', () => {
  const args = { service: 'a b/c?d', base: 'http://svc:8080', token: 's3cret', id: '7' };
  const secrets = new Set(['token']);

  it('encodes arguments inside the url but takes a leading one verbatim', () => {
    const source = webOf({ url: '{{args.base}}/check?service={{args.service}}' });
    const request = webRequest(source, args, secrets);
    expect(request.url).toBe('http://svc:8080/check?service=a%20b%2Fc%3Fd');
    expect(request.shown).toBe('GET http://svc:8080/check?service=a%20b%2Fc%3Fd');
  });

  it('shows a url that uses a Secret with its placeholder', () => {
    const source = webOf({ url: 'http://svc/check?key={{args.token}}' });
    const request = webRequest(source, args, secrets);
    expect(request.url).toBe('http://svc/check?key=s3cret');
    expect(request.shown).toBe('GET http://svc/check?key={{args.token}}');
  });

  it('sends headers and a jsonBody as JSON, arguments inside its strings', () => {
    const source = webOf({
      url: 'http://svc/q',
      method: 'POST',
      headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
      jsonBody: { id: '{{args.id}}', nested: ['{{args.service}}', 3] },
    });
    const request = webRequest(source, args, secrets);
    expect(request.headers).toEqual({
      Authorization: 'Bearer s3cret',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(request.body ?? '')).toEqual({ id: '7', nested: ['a b/c?d', 3] });
  });

  it.each<{ name: string; web: Json; given: Json; error: RegExp }>([
    {
      name: 'a missing argument',
      web: { url: 'http://svc/{{args.nope}}' },
      given: {},
      error: /\{\{args\.nope\}\} has no value/,
    },
    {
      name: 'a header with a line break',
      web: { url: 'http://svc', headers: [{ key: 'X', value: '{{args.v}}' }] },
      given: { v: 'a\r\nB: c' },
      error: /header X would contain a line break/,
    },
    {
      name: 'a url that is no URL',
      web: { url: '{{args.v}}' },
      given: { v: 'not a url' },
      error: /is not a URL after substitution/,
    },
  ])('refuses $name', ({ web, given, error }) => {
    expect(() => webRequest(webOf(web), given as Record<string, string>, new Set())).toThrow(error);
  });
});

describe('evaluateWebResponse', () => {
  const check: MetricCheck = { successCondition: 'result.ok == true && result.latency < 0.5' };
  const shown = { shown: 'GET http://svc/health' };
  const judge = (web: Json, status: number, body: string, c: MetricCheck = check) =>
    evaluateWebResponse(c, webOf(web), shown, { status, body });

  it.each<{
    name: string;
    web: Json;
    status: number;
    body: string;
    check?: MetricCheck;
    expected: Json;
  }>([
    {
      name: 'an object judged whole',
      web: { url: 'http://svc' },
      status: 200,
      body: '{"ok":true,"latency":0.1}',
      expected: { phase: 'Successful', value: '{"ok":true,"latency":0.1}' },
    },
    {
      name: 'a failing value',
      web: { url: 'http://svc' },
      status: 200,
      body: '{"ok":false,"latency":0.1}',
      expected: { phase: 'Failed' },
    },
    {
      name: 'a jsonPath value',
      web: { url: 'http://svc', jsonPath: '{$.data.rate}' },
      status: 200,
      body: '{"data":{"rate":0.02}}',
      check: { successCondition: 'result < 0.05' },
      expected: { phase: 'Successful', value: '0.02' },
    },
    {
      name: 'a wildcard list',
      web: { url: 'http://svc', jsonPath: '{$.v[*]}' },
      status: 200,
      body: '{"v":[1,2,9]}',
      check: { successCondition: 'all(result, {# < 5})' },
      expected: { phase: 'Failed', value: '[1,2,9]' },
    },
    {
      name: 'plain text without jsonPath',
      web: { url: 'http://svc' },
      status: 200,
      body: 'OK',
      check: { successCondition: 'result == "OK"' },
      expected: { phase: 'Successful', value: '"OK"' },
    },
    {
      name: 'plain text with a jsonPath',
      web: { url: 'http://svc', jsonPath: '{$.ok}' },
      status: 200,
      body: 'OK',
      expected: {
        phase: 'Error',
        message: 'the response is not JSON, so jsonPath {$.ok} cannot select from it: OK',
      },
    },
    {
      name: 'a path that does not fit',
      web: { url: 'http://svc', jsonPath: '{$.data.ok}' },
      status: 200,
      body: '{"data":{"status":"up"}}',
      expected: {
        phase: 'Error',
        message: 'jsonPath {$.data.ok}: $.data has no field "ok" (its fields: status)',
      },
    },
    {
      name: 'a 503',
      web: { url: 'http://svc' },
      status: 503,
      body: 'down',
      expected: {
        phase: 'Error',
        transient: true,
        message: 'GET http://svc/health answered HTTP 503 (a 2xx is needed): down',
      },
    },
    {
      name: 'a 404',
      web: { url: 'http://svc' },
      status: 404,
      body: '',
      expected: { phase: 'Error', transient: false },
    },
    {
      name: 'null is no data',
      web: { url: 'http://svc', jsonPath: '{$.v}' },
      status: 200,
      body: '{"v":null}',
      expected: {
        phase: 'Inconclusive',
        noData: true,
        message: 'no data: {$.v} is null (noDataPolicy: inconclusive)',
      },
    },
    {
      name: 'null with noDataPolicy fail',
      web: { url: 'http://svc', jsonPath: '{$.v}' },
      status: 200,
      body: '{"v":null}',
      check: { successCondition: 'result > 1', noDataPolicy: 'fail' },
      expected: { phase: 'Failed', noData: true },
    },
    {
      name: 'a condition of the wrong type',
      web: { url: 'http://svc', jsonPath: '{$.v}' },
      status: 200,
      body: '{"v":"up"}',
      check: { successCondition: 'result > 1' },
      expected: { phase: 'Error' },
    },
  ])('$name', ({ web, status, body, check: c, expected }) => {
    expect(judge(web, status, body, c)).toMatchObject({
      query: 'GET http://svc/health',
      ...expected,
    });
  });
});
