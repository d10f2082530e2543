// The CRDs and provider.web on the test bed's apiserver: Argo's WebMetric fields accepted, what
// KULTA does not do refused with a message naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisRunApi } from '../../functions/adapters/kubernetes/analysis-runs.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;

const kube = testKube();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let counter = 0;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'crd-web');
});

afterAll(async () => {
  await (ns as typeof ns | undefined)?.remove();
});

const webMetric = (web: Json, fields: Json = {}): Json => ({
  name: 'health',
  successCondition: 'result == true',
  provider: { web },
  ...fields,
});

describe('the CRDs take provider.web as Argo writes it, and refuse what KULTA does not do', () => {
  const template = (web: Json, fields: Json = {}): Json => {
    counter += 1;
    return {
      apiVersion: 'kulta.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: `web-template-${String(counter)}` },
      spec: { metrics: [webMetric(web, fields)] },
    };
  };
  const create = (body: Json) =>
    kube.custom.createNamespacedCustomObject({
      ...analysisRunApi,
      plural: 'analysistemplates',
      namespace: ns.name,
      body,
      fieldValidation: 'Strict',
    });

  it.each<{ name: string; web: Json }>([
    { name: "Argo's defaults", web: { url: 'http://svc/health' } },
    {
      name: 'every field',
      web: {
        url: '{{args.base}}/check?service={{args.service}}',
        method: 'POST',
        headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }],
        jsonBody: { service: '{{args.service}}', window: 300 },
        timeoutSeconds: 5,
        jsonPath: '{$.data.ok}',
        insecure: true,
      },
    },
  ])('accepts $name', async ({ web }) => {
    const body = template(web);
    expect(((await create(body)) as { spec: unknown }).spec).toMatchObject(body.spec as Json);
  });

  it.each<{ name: string; web: Json; fields?: Json; message: string }>([
    { name: 'no url', web: {}, message: 'spec.metrics[0].provider.web.url: Required value' },
    {
      name: 'a url without scheme',
      web: { url: 'svc/health' },
      message: 'the web url must be an http://',
    },
    {
      name: 'a method Argo lacks',
      web: { url: 'http://a', method: 'DELETE' },
      message: 'supported values: "GET", "POST", "PUT"',
    },
    {
      name: 'a body with GET',
      web: { url: 'http://a', body: 'x' },
      message: 'needs method POST or PUT',
    },
    {
      name: 'body and jsonBody',
      web: { url: 'http://a', method: 'PUT', body: 'x', jsonBody: {} },
      message: 'web sets body or jsonBody, not both',
    },
    {
      name: 'a jsonPath filter',
      web: { url: 'http://a', jsonPath: '{$.a[?(@.b)]}' },
      message: 'filters ([?(…)])',
    },
    {
      name: 'sigv4',
      web: { url: 'http://a', authentication: { sigv4: { region: 'eu-west-1' } } },
      message: 'web authentication.sigv4 is not supported: KULTA does not sign requests',
    },
    {
      name: 'timeoutSeconds 0',
      web: { url: 'http://a', timeoutSeconds: 0 },
      message: 'timeoutSeconds is in whole seconds, from 1 to 600',
    },
    {
      name: 'a sampleGuard',
      web: { url: 'http://a' },
      fields: { sampleGuard: { query: 'up', minimum: 1 } },
      message: 'is a web metric: judge and sampleGuard query Prometheus',
    },
  ])('refuses $name', async ({ web, fields, message }) => {
    const refused = await create(template(web, fields)).then(
      () => 'accepted',
      (error: unknown) =>
        (JSON.parse(String((error as { body?: unknown }).body)) as { message: string }).message,
    );
    expect(refused).toContain(message);
  });
});
