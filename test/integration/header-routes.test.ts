// Header routes (A/B) on the real test bed, driven by the local runner's events: a setHeaderRoute
// step puts KULTA's rule just before the rule that splits traffic, every other rule stays as
// written, a settled step writes nothing, promotion removes the rule, an abort removes it with the
// weights before the canary may scale down, and a route with several split rules gets one each.
// No gateway runs here, so the route object itself is what is asserted.
import { beforeAll, describe, expect, it } from 'vitest';
import { headerRecordKey } from '../../functions/core/header-rules.ts';
import { defaultInProgressLabel } from '../../functions/core/rollout/parse-routing.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { kubernetesDeps } from '../../functions/runtime/deps.ts';
import { reconcileStep } from '../../functions/runtime/step.ts';
import { CanaryApp, rolloutManifest, routeApi } from '../support/canary-app.ts';
import { eventually } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('header-routes');
const kube = file.kube;

type Rule = JsonObject;

const rulesOf = (route: JsonObject): Rule[] => (route.spec as { rules: Rule[] }).rules;
const nameOf = (rule: Rule | undefined): string | undefined =>
  typeof rule?.name === 'string' ? rule.name : undefined;
const annotationsOf = (route: JsonObject): Record<string, string> =>
  (route.metadata as { annotations?: Record<string, string> }).annotations ?? {};
const kultaRules = (route: JsonObject) =>
  rulesOf(route).filter((r) => nameOf(r)?.startsWith('kulta-') === true);

const cookie = '^(.*;\\s*)?canary=always(;.*)?$';
const headerMatch: JsonObject[] = [
  { headerName: 'X-Canary', headerValue: { exact: 'yes' } },
  { headerName: 'Cookie', headerValue: { regex: cookie } },
];
const gatewayHeaders = [
  { name: 'X-Canary', type: 'Exact', value: 'yes' },
  { name: 'Cookie', type: 'RegularExpression', value: cookie },
];

function abManifest(name: string, steps: JsonObject[], canary: JsonObject = {}): JsonObject {
  return rolloutManifest(name, {
    image: `registry.example/${name}:1.0`,
    steps,
    canary: {
      trafficRouting: {
        managedRoutes: [{ name: 'testers' }],
        plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route` } },
      },
      ...canary,
    },
  });
}

const without = (o: JsonObject, keys: string[]): JsonObject =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Our backendRef without what KULTA writes (weight, explicit group and kind). */
function asWrittenRef(ref: JsonObject): JsonObject {
  const ours = typeof ref.name === 'string' && /-(stable|canary)$/.test(ref.name);
  return ours ? without(ref, ['weight', 'group', 'kind']) : ref;
}

/**
 * The route as a person wrote it: without KULTA's weights, defaults, rules, fence, record and
 * in-progress label.
 */
function asWritten(route: JsonObject): unknown {
  const metadata = route.metadata as JsonObject;
  const annotations = Object.entries(annotationsOf(route)).filter(
    ([k]) => !k.startsWith('fence.kulta.io/') && !k.startsWith('headerroutes.kulta.io/'),
  );
  const labels = Object.entries((metadata.labels ?? {}) as Record<string, string>).filter(
    ([k]) => k !== defaultInProgressLabel.key,
  );
  const rules = rulesOf(route)
    .filter((r) => nameOf(r)?.startsWith('kulta-') !== true)
    .map((r) => ({ ...r, backendRefs: (r.backendRefs as JsonObject[]).map(asWrittenRef) }));
  return {
    ...route,
    metadata: {
      ...without(metadata, [
        'resourceVersion',
        'generation',
        'managedFields',
        'annotations',
        'labels',
      ]),
      ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) } : {}),
      ...(labels.length > 0 ? { labels: Object.fromEntries(labels) } : {}),
    },
    spec: { ...(route.spec as JsonObject), rules },
  };
}

const pausedAt = (index: number) => (s: RolloutStatus) =>
  s.phase === 'Paused' && s.currentStepIndex === index;

describe('a header route on an HTTPRoute with rules of its own', () => {
  const app = new CanaryApp(kube, '', 'ab');
  let written: unknown;
  let splitRule: Rule;

  beforeAll(async () => {
    Object.assign(app, { namespace: file.namespace });
    await app.createBackends();
    const route = await app.route();
    written = asWritten(route);
    splitRule = rulesOf(route)[0] ?? {};
    await app.createRollout(
      abManifest(
        'ab',
        [
          { setWeight: 25 },
          { setHeaderRoute: { name: 'testers', match: headerMatch } },
          { pause: {} },
        ],
        // The canary keeps its pods an hour after an abort: what leaves first is visible.
        { abortScaleDownDelaySeconds: 3600 },
      ),
    );
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
  });

  it('puts the header rule just before the split rule and leaves every other rule as written', async () => {
    await app.setImage('registry.example/ab:2.0');
    await eventually('paused after the header route', () => app.status(), pausedAt(2));
    const route = await app.route();
    const rules = rulesOf(route);
    expect(rules.map(nameOf)).toEqual(['kulta-testers-0', undefined, undefined]);
    expect(rules[0]).toEqual({
      name: 'kulta-testers-0',
      matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: gatewayHeaders }],
      filters: splitRule.filters,
      timeouts: { request: '10s' },
      backendRefs: [{ group: '', kind: 'Service', name: 'ab-canary', port: 80, weight: 1 }],
    });
    expect((rules[1]?.backendRefs as JsonObject[]).map((r) => [r.name, r.weight])).toEqual([
      ['ab-stable', 75],
      ['ab-canary', 25],
    ]);
    expect(asWritten(route)).toEqual(written);
    const record = JSON.parse(
      annotationsOf(route)[headerRecordKey(file.namespace, 'ab')] ?? '{}',
    ) as {
      rules: string[];
    };
    expect(record.rules).toEqual(['kulta-testers-0']);
  });

  it('writes nothing more once the route carries it: the next step is a no-op', async () => {
    const before = await app.route();
    const outcome = await reconcileStep(kubernetesDeps(kube.kc, undefined, {}), {
      namespace: file.namespace,
      name: 'ab',
    });
    expect(outcome.kind).toBe('noop');
    const after = await app.route();
    expect((after.metadata as JsonObject).resourceVersion).toBe(
      (before.metadata as JsonObject).resourceVersion,
    );
  });

  it('removes the header rule and its record at promotion', async () => {
    const before = await app.status();
    await app.promote();
    await eventually(
      'Healthy on the new revision',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS === before.currentPodHash,
    );
    const route = await eventually(
      'no KULTA rule',
      () => app.route(),
      (r) => kultaRules(r).length === 0,
    );
    expect(annotationsOf(route)[headerRecordKey(file.namespace, 'ab')]).toBeUndefined();
    expect(asWritten(route)).toEqual(written);
  });

  it('removes it with the weights on abort, before the canary may scale down', async () => {
    await app.setImage('registry.example/ab:3.0');
    const paused = await eventually('paused again', () => app.status(), pausedAt(2));
    expect(kultaRules(await app.route())).toHaveLength(1);
    await app.abort();
    const status = await eventually(
      'abort confirmed',
      () => app.status(),
      (s) => s.abortScaleDownAt !== undefined,
    );
    const events = (status.history ?? []).map((h) => h.event);
    expect(events.slice(-2)).toEqual(['aborted', 'abort-traffic-confirmed']);
    const route = await app.route();
    expect(kultaRules(route)).toEqual([]);
    expect((rulesOf(route)[0]?.backendRefs as JsonObject[]).map((r) => r.weight)).toEqual([100, 0]);
    const canary = (await app.replicaSets()).find(
      (rs) => rs.metadata?.name === `ab-${paused.currentPodHash ?? ''}`,
    );
    expect(canary?.spec?.replicas).toBe(1);
  });
});

describe('a route with several rules that split traffic', () => {
  const app = new CanaryApp(kube, '', 'multi');
  const split = (value: string): Rule => ({
    matches: [{ path: { type: 'PathPrefix', value } }],
    backendRefs: [
      { name: 'multi-stable', port: 80, weight: 100 },
      { name: 'multi-canary', port: 80, weight: 0 },
    ],
  });
  const admin: Rule = {
    name: 'admin',
    matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
    backendRefs: [{ name: 'admin', port: 8080 }],
  };

  beforeAll(async () => {
    Object.assign(app, { namespace: file.namespace });
    await app.createBackends();
    const route = await app.route();
    const body = {
      ...route,
      spec: { ...(route.spec as JsonObject), rules: [split('/products'), admin, split('/orders')] },
    };
    await kube.custom.replaceNamespacedCustomObject({
      ...routeApi,
      namespace: file.namespace,
      name: 'multi-route',
      body,
    });
    await app.createRollout(
      abManifest('multi', [
        { setCanaryScale: { replicas: 1 } },
        { setHeaderRoute: { name: 'testers', match: headerMatch.slice(0, 1) } },
        { pause: {} },
      ]),
    );
    await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
  });

  it('gets one header rule before each split rule, and the other rules stay as they are', async () => {
    await app.setImage('registry.example/multi:2.0');
    await eventually('paused after the header route', () => app.status(), pausedAt(2));
    const rules = rulesOf(await app.route());
    const paths = rules.map((r) => [
      nameOf(r) ?? null,
      (r.matches as { path: { value: string } }[])[0]?.path.value,
    ]);
    expect(paths).toEqual([
      ['kulta-testers-0', '/products'],
      [null, '/products'],
      ['admin', '/admin'],
      ['kulta-testers-1', '/orders'],
      [null, '/orders'],
    ]);
    expect(rules[2]).toMatchObject(admin);
    expect(rules[3]?.matches).toEqual([
      { path: { type: 'PathPrefix', value: '/orders' }, headers: gatewayHeaders.slice(0, 1) },
    ]);
  });
});
