// The Rollout CRD on a real apiserver: an Argo Rollouts manifest (only apiVersion changed) is
// accepted and defaulted, every bad spec is refused with a message a person understands, status
// writes keep the controller's fields, and the scale subresource works for HPA/KEDA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;
type Rollout = Json & {
  metadata: { name: string };
  spec: Json & {
    replicas?: number;
    selector: Json & { matchLabels?: Record<string, string> };
    strategy: Json & { canary: Json & { trafficRouting: Json; steps: Json[] } };
  };
};
type Change = (r: Rollout) => void;

const kube = testKube();
const base = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' };
const gatewayKey = 'argoproj-labs/gatewayAPI';
const fixture = parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'argo-canary-gatewayapi.yaml'), 'utf8'),
) as Rollout;
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let counter = 0;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'crd-rollout');
});
afterAll(async () => {
  await ns.remove();
});

/** A fresh copy of the fixture with a unique name, changed by `change`. */
function rollout(change: (r: Rollout) => void = () => undefined): Rollout {
  const copy = structuredClone(fixture);
  counter += 1;
  copy.metadata.name = `${fixture.metadata.name}-${String(counter)}`;
  change(copy);
  return copy;
}

const canary = (r: Rollout) => r.spec.strategy.canary;
const gatewayPlugin = (r: Rollout) =>
  (canary(r).trafficRouting.plugins as Record<string, Json>)[gatewayKey] ?? {};

function create(body: Rollout, fieldValidation?: 'Strict' | 'Ignore'): Promise<Rollout> {
  return kube.custom.createNamespacedCustomObject({
    ...base,
    namespace: ns.name,
    body,
    fieldValidation,
  }) as Promise<Rollout>;
}

/**
 * The apiserver's message refusing `body` (fails the test when it is accepted): 422 Invalid for
 * a spec the schema refuses, 400 BadRequest for unknown fields under strict field validation.
 */
async function refusal(body: Rollout, fieldValidation: 'Strict' | 'Ignore'): Promise<string> {
  try {
    await create(body, fieldValidation);
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    expect(error.code).toBe(fieldValidation === 'Strict' ? 400 : 422);
    return (JSON.parse(String(error.body)) as { message: string }).message;
  }
  throw new Error(`rollout ${body.metadata.name} was accepted but should have been refused`);
}

describe('a Rollout that Argo Rollouts would accept', () => {
  it('is accepted and gets Argo defaults for what it leaves out', async () => {
    const created = await create(rollout(), 'Strict');
    const spec = created.spec as Json & { strategy: { canary: Json } };
    expect(spec.replicas).toBe(4);
    expect(spec.revisionHistoryLimit).toBe(3);
    expect(spec.progressDeadlineSeconds).toBe(600);
    expect(spec.progressDeadlineAbort).toBe(false);
    expect(spec.strategy.canary).toMatchObject({
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
      dynamicStableScale: false,
    });
    expect(gatewayPlugin(created)).toEqual({
      httpRoute: 'storefront-route',
      namespace: 'shop',
    });
  });

  it('defaults replicas to 1 and revisionHistoryLimit to 10', async () => {
    const created = await create(
      rollout((r) => {
        delete r.spec.replicas;
        delete r.spec.revisionHistoryLimit;
      }),
    );
    expect(created.spec.replicas).toBe(1);
    expect(created.spec.revisionHistoryLimit).toBe(10);
  });

  it.each([
    ['whole seconds', 30],
    ['seconds', '30s'],
    ['minutes', '5m'],
    ['hours', '1h'],
    ['a bare number as a string', '90'],
    ['Go: hours and minutes', '1h30m'],
    ['Go: seconds past a minute', '90s'],
    ['Go: milliseconds', '500ms'],
    ['Go: a fraction of an hour', '1.5h'],
    ['Go: microseconds', '2500\u00b5s'],
    ['Go: nanoseconds', '1500000000ns'],
  ])('accepts a pause duration in %s (%j)', async (_name, duration) => {
    const body = rollout((r) => {
      canary(r).steps = [{ setWeight: 10 }, { pause: { duration } }, { pause: {} }];
    });
    const created = await create(body, 'Strict');
    expect(created.spec.strategy.canary.steps[1]).toEqual({ pause: { duration } });
  });

  it.each<[string, Change]>([
    [
      'several HTTPRoutes',
      (r) => {
        canary(r).trafficRouting = {
          plugins: {
            [gatewayKey]: {
              httpRoutes: [{ name: 'web', useHeaderRoutes: false }, { name: 'api' }],
            },
          },
        };
      },
    ],
    [
      'analysis steps and background analysis',
      (r) => {
        canary(r).steps = [
          { setWeight: 20 },
          {
            analysis: {
              templates: [
                { templateName: 'success-rate' },
                { templateName: 'latency', clusterScope: true },
              ],
              args: [
                { name: 'service', value: 'web' },
                { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
                { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              ],
            },
          },
        ];
        canary(r).analysis = { templates: [{ templateName: 'errors' }], startingStep: 1 };
      },
    ],
    [
      'setCanaryScale steps',
      (r) => {
        canary(r).steps = [
          { setCanaryScale: { replicas: 1 } },
          { setCanaryScale: { weight: 25 } },
          { setWeight: 25 },
          { setCanaryScale: { matchTrafficWeight: true } },
        ];
      },
    ],
    [
      'a selector with matchExpressions the template satisfies',
      (r) => {
        r.spec.selector = {
          matchLabels: { app: 'storefront' },
          matchExpressions: [
            { key: 'app', operator: 'In', values: ['storefront', 'shop'] },
            { key: 'tier', operator: 'DoesNotExist' },
          ],
        };
      },
    ],
    [
      'percentages for maxSurge and maxUnavailable',
      (r) => {
        Object.assign(canary(r), { maxSurge: '25%', maxUnavailable: 0 });
      },
    ],
    [
      'canary and stable metadata',
      (r) => {
        Object.assign(canary(r), {
          canaryMetadata: { labels: { role: 'canary' } },
          stableMetadata: { labels: { role: 'stable' }, annotations: { note: 'x' } },
        });
      },
    ],
  ])('accepts %s', async (_name, change) => {
    const body = rollout(change);
    const created = await create(body, 'Strict');
    expect(created.spec.strategy.canary).toMatchObject(body.spec.strategy.canary);
  });
});

const step =
  (s: Json): Change =>
  (r) => {
    canary(r).steps = [s];
  };
/** Bad specs, each with the text its refusal must contain. */
const badSpecs: [string, Change, string][] = [
  [
    'a weight of 150',
    step({ setWeight: 150 }),
    'spec.strategy.canary.steps[0].setWeight: Invalid value: 150: setWeight is a percentage of traffic and must be between 0 and 100',
  ],
  [
    'two actions in one step',
    step({ setWeight: 10, pause: {} }),
    'each step must set exactly one of setWeight, pause, setCanaryScale',
  ],
  ['an empty step', step({}), 'each step must set exactly one of setWeight, pause, setCanaryScale'],
  [
    'negative replicas',
    (r) => {
      r.spec.replicas = -1;
    },
    'spec.replicas: Invalid value: -1: replicas cannot be negative',
  ],
  ...['5 minutes', '-1s', '1d', '1.5', '1h30', '1.5 h', 'h', -5].map(
    (duration): [string, Change, string] => [
      `the pause duration ${JSON.stringify(duration)}`,
      step({ pause: { duration } }),
      `pause duration must be a whole number of seconds (30) or a Go duration like "30s", "5m", "1h30m", "1.5h" or "500ms" (units ns, us, ms, s, m, h); got ${typeof duration === 'string' ? `"${duration}"` : String(duration)}`,
    ],
  ),
  [
    'trafficRouting without stableService',
    (r) => {
      delete canary(r).stableService;
    },
    'trafficRouting needs both stableService and canaryService',
  ],
  [
    'trafficRouting without canaryService',
    (r) => {
      delete canary(r).canaryService;
    },
    'trafficRouting needs both stableService and canaryService',
  ],
  [
    'the same Service as stable and canary',
    (r) => {
      canary(r).canaryService = 'storefront-stable';
    },
    'stableService and canaryService must be two different Services (both are "storefront-stable")',
  ],
  [
    'both httpRoute and httpRoutes',
    (r) => {
      gatewayPlugin(r).httpRoutes = [{ name: 'other-route' }];
    },
    'set either httpRoute or httpRoutes of the Gateway API plugin, not both',
  ],
  [
    'the Gateway API plugin without a route',
    (r) => {
      delete gatewayPlugin(r).httpRoute;
    },
    'the Gateway API plugin needs httpRoute (one HTTPRoute) or httpRoutes (several)',
  ],
  [
    'a GRPCRoute',
    (r) => {
      gatewayPlugin(r).grpcRoute = 'grpc';
    },
    'grpcRoute is not supported by KULTA, which moves traffic through HTTPRoutes only',
  ],
  [
    'the istio router',
    (r) => {
      canary(r).trafficRouting = { istio: { virtualService: { name: 'vs' } } };
    },
    'spec.strategy.canary.trafficRouting.istio: Invalid value: trafficRouting.istio is not supported: KULTA supports only the Gateway API plugin',
  ],
  [
    'the nginx router',
    (r) => {
      canary(r).trafficRouting.nginx = { stableIngress: 'web' };
    },
    'trafficRouting.nginx is not supported: KULTA supports only the Gateway API plugin',
  ],
  [
    'another traffic router plugin',
    (r) => {
      (canary(r).trafficRouting.plugins as Json)['argoproj-labs/openshift'] = { routes: ['a'] };
    },
    'KULTA supports only the Gateway API traffic router plugin, argoproj-labs/gatewayAPI',
  ],
  [
    'an experiment step',
    step({ experiment: { templates: [{ name: 'x', specRef: 'canary' }] } }),
    'spec.strategy.canary.steps[0].experiment: Invalid value: the experiment step is not supported by KULTA',
  ],
  ['a plugin step', step({ plugin: { name: 'x' } }), 'the plugin step is not supported by KULTA'],
  [
    'an analysis step without templates',
    step({ analysis: { templates: [] } }),
    'spec.strategy.canary.steps[0].analysis.templates: Invalid value: 0: spec.strategy.canary.steps[0].analysis.templates in body should have at least 1 items',
  ],
  [
    'an analysis argument with both value and valueFrom',
    step({
      analysis: {
        templates: [{ templateName: 'success-rate' }],
        args: [{ name: 'svc', value: 'web', valueFrom: { podTemplateHashValue: 'Stable' } }],
      },
    }),
    'argument "svc" must set exactly one of value or valueFrom',
  ],
  [
    'a selector the template labels do not match',
    (r) => {
      r.spec.selector = { matchLabels: { app: 'checkout' } };
    },
    'selector.matchLabels must also be labels of template.metadata.labels, with the same values',
  ],
  [
    'a selector expression the template labels do not satisfy',
    (r) => {
      r.spec.selector = { matchExpressions: [{ key: 'tier', operator: 'Exists' }] };
    },
    'selector.matchExpressions must select the pods of template',
  ],
  [
    'an empty selector',
    (r) => {
      r.spec.selector = {};
    },
    'selector must not be empty',
  ],
  [
    'no strategy at all',
    (r) => {
      (r.spec as Json).strategy = {};
    },
    'strategy must set exactly one of canary (steps of traffic weights), blueGreen',
  ],
  [
    'a workloadRef',
    (r) => {
      r.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    },
    'workloadRef is not supported by KULTA',
  ],
  [
    'setCanaryScale with both weight and replicas',
    step({ setCanaryScale: { weight: 10, replicas: 2 } }),
    'setCanaryScale must set exactly one of weight, replicas, matchTrafficWeight',
  ],
  [
    'maxSurge above 100%',
    (r) => {
      canary(r).maxSurge = '150%';
    },
    'must be a number of pods (0 or more) or a percentage from "0%" to "100%"',
  ],
  [
    'maxSurge and maxUnavailable both 0',
    (r) => {
      Object.assign(canary(r), { maxSurge: 0, maxUnavailable: '0%' });
    },
    'maxSurge and maxUnavailable cannot both be 0',
  ],
];

describe('a bad Rollout is refused for every client, saying why', () => {
  it.each(badSpecs)('refuses %s', async (_name, change, expected) => {
    expect(await refusal(rollout(change), 'Ignore')).toContain(expected);
  });

  it.each<[string, Change, string]>([
    [
      'a made-up trafficRouting.gatewayAPI key',
      (r) => {
        canary(r).trafficRouting.gatewayAPI = { httpRoute: 'storefront-route' };
      },
      'unknown field "spec.strategy.canary.trafficRouting.gatewayAPI"',
    ],
    [
      'an unknown spec field',
      (r) => {
        r.spec.replica = 3;
      },
      'unknown field "spec.replica"',
    ],
    [
      'an unknown field in a step',
      step({ setWeight: 10, weight: 10 }),
      'unknown field "spec.strategy.canary.steps[0].weight"',
    ],
  ])(
    'refuses %s when the client asks for strict field validation',
    async (_n, change, expected) => {
      expect(await refusal(rollout(change), 'Strict')).toContain(expected);
    },
  );
});
