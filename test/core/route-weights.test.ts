// HTTPRoute weights: reading ours, and editing only our two backendRefs while every other part
// of the route (rules, matches, filters, other backends, timeouts, unknown fields) stays as is.
import { describe, expect, it } from 'vitest';
import { readRouteWeights, withRouteWeights } from '../../functions/core/route-weights.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';

const backends = { stableService: 'web-stable', canaryService: 'web-canary' };

function route(rules: JsonObject[], extraSpec: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web-route', namespace: 'shop', resourceVersion: '7', labels: { a: 'b' } },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['web.example'], rules, ...extraSpec },
    status: { parents: [{ conditions: [{ type: 'Accepted', status: 'True' }] }] },
  };
}

const ours = (stable: number | undefined, canary: number | undefined): JsonObject[] => [
  { name: 'web-stable', port: 80, ...(stable === undefined ? {} : { weight: stable }) },
  { name: 'web-canary', port: 80, ...(canary === undefined ? {} : { weight: canary }) },
];

/** A route with everything a user may have around our backends. */
function busyRoute(): JsonObject {
  return route(
    [
      {
        name: 'admin',
        matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
        backendRefs: [{ name: 'admin', port: 8080, weight: 3 }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { add: [{ name: 'x', value: 'y' }] },
          },
        ],
        timeouts: { request: '10s' },
        backendRefs: [
          ...ours(90, 10),
          { name: 'legacy', port: 80, weight: 5, filters: [{ type: 'URLRewrite' }] },
          { group: 'example.io', kind: 'Bucket', name: 'web-canary', weight: 7 },
        ],
        futureField: { keep: ['me'] },
      },
    ],
    { xUnknown: 42 },
  );
}

function backendRefsOf(r: JsonObject, rule: number): JsonObject[] {
  const rules = (r.spec as JsonObject).rules as JsonObject[];
  return (rules[rule]?.backendRefs ?? []) as JsonObject[];
}

describe('readRouteWeights', () => {
  it.each([
    {
      name: 'explicit weights',
      r: route([{ backendRefs: ours(80, 20) }]),
      expected: { stable: 80, canary: 20, hasStable: true, hasCanary: true, consistent: true },
    },
    {
      name: 'absent weights, read as 1',
      r: route([{ backendRefs: ours(undefined, undefined) }]),
      expected: { stable: 1, canary: 1, hasStable: true, hasCanary: true, consistent: true },
    },
    {
      name: 'only the stable backend',
      r: route([{ backendRefs: [{ name: 'web-stable', weight: 100 }] }]),
      expected: {
        stable: 100,
        canary: undefined,
        hasStable: true,
        hasCanary: false,
        consistent: true,
      },
    },
    {
      name: 'no rules',
      r: route([]),
      expected: {
        stable: undefined,
        canary: undefined,
        hasStable: false,
        hasCanary: false,
        consistent: true,
      },
    },
    {
      name: 'a namesake backend of another kind, not ours',
      r: route([
        {
          backendRefs: [
            { name: 'web-stable', weight: 100 },
            { group: 'example.io', kind: 'Bucket', name: 'web-canary', weight: 50 },
            { group: '', kind: 'ServiceImport', name: 'web-canary', weight: 50 },
          ],
        },
      ]),
      expected: {
        stable: 100,
        canary: undefined,
        hasStable: true,
        hasCanary: false,
        consistent: true,
      },
    },
    {
      name: 'explicit core defaults, ours',
      r: route([
        {
          backendRefs: [
            { group: '', kind: 'Service', name: 'web-stable', weight: 70 },
            { group: '', kind: 'Service', name: 'web-canary', weight: 30 },
          ],
        },
      ]),
      expected: { stable: 70, canary: 30, hasStable: true, hasCanary: true, consistent: true },
    },
    {
      name: 'two rules that agree',
      r: route([{ backendRefs: ours(60, 40) }, { backendRefs: ours(60, 40) }]),
      expected: { stable: 60, canary: 40, hasStable: true, hasCanary: true, consistent: true },
    },
  ])('$name', ({ r, expected }) => {
    expect(readRouteWeights(r, backends)).toEqual(expected);
  });

  it.each([
    { name: 'after', rules: (both: JsonObject, one: JsonObject) => [both, one] },
    { name: 'before', rules: (both: JsonObject, one: JsonObject) => [one, both] },
  ])('reads the rules with both backends, not a rule $name them with only one', ({ rules }) => {
    const both: JsonObject = { backendRefs: ours(80, 20) };
    const onlyStable: JsonObject = {
      backendRefs: [{ name: 'web-stable', weight: 1 }, { name: 'admin' }],
    };
    const onlyCanary: JsonObject = { backendRefs: [{ name: 'web-canary', weight: 1 }] };
    for (const one of [onlyStable, onlyCanary]) {
      expect(readRouteWeights(route(rules(both, one)), backends)).toEqual({
        stable: 80,
        canary: 20,
        hasStable: true,
        hasCanary: true,
        consistent: true,
      });
    }
  });

  it('detects rules that disagree (a half-applied edit)', () => {
    const r = route([{ backendRefs: ours(80, 20) }, { backendRefs: ours(50, 50) }]);
    expect(readRouteWeights(r, backends).consistent).toBe(false);
  });
});

describe('withRouteWeights', () => {
  it('changes only the weights of our two backendRefs', () => {
    const before = busyRoute();
    const snapshot = structuredClone(before);
    const after = withRouteWeights(before, backends, { stable: 50, canary: 50 });
    expect(before).toEqual(snapshot);
    const expected = structuredClone(before);
    const refs = backendRefsOf(expected, 1);
    refs[0] = { group: '', kind: 'Service', name: 'web-stable', port: 80, weight: 50 };
    refs[1] = { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 50 };
    expect(after).toEqual(expected);
  });

  it('writes the explicit defaults group "" and kind Service', () => {
    const after = withRouteWeights(route([{ backendRefs: ours(100, 0) }]), backends, {
      stable: 100,
      canary: 0,
    });
    expect(after && backendRefsOf(after, 0)).toEqual([
      { name: 'web-stable', port: 80, weight: 100, group: '', kind: 'Service' },
      { name: 'web-canary', port: 80, weight: 0, group: '', kind: 'Service' },
    ]);
  });

  it('returns undefined when nothing would change', () => {
    const r = route([
      {
        backendRefs: [
          { name: 'web-stable', group: '', kind: 'Service', weight: 80 },
          { name: 'web-canary', group: '', kind: 'Service', weight: 20 },
          { name: 'other', weight: 3 },
        ],
      },
    ]);
    expect(withRouteWeights(r, backends, { stable: 80, canary: 20 })).toBeUndefined();
  });

  it('returns undefined for a route without rules', () => {
    expect(withRouteWeights({ spec: {} }, backends, { stable: 1, canary: 0 })).toBeUndefined();
  });

  it('updates every rule that carries our backends, and the read agrees afterwards', () => {
    const r = route([
      { matches: [{ headers: [{ name: 'x-canary', value: '1' }] }], backendRefs: ours(80, 20) },
      { backendRefs: ours(50, 50) },
      { backendRefs: [{ name: 'admin', port: 8080 }] },
    ]);
    expect(readRouteWeights(r, backends).consistent).toBe(false);
    const after = withRouteWeights(r, backends, { stable: 75, canary: 25 });
    if (!after) throw new Error('expected a change');
    expect(backendRefsOf(after, 0).map((b) => b.weight)).toEqual([75, 25]);
    expect(backendRefsOf(after, 1).map((b) => b.weight)).toEqual([75, 25]);
    expect(backendRefsOf(after, 2)).toEqual([{ name: 'admin', port: 8080 }]);
    expect(readRouteWeights(after, backends)).toEqual({
      stable: 75,
      canary: 25,
      hasStable: true,
      hasCanary: true,
      consistent: true,
    });
  });

  it('leaves a namesake backend of another group or kind alone', () => {
    const r = route([
      {
        backendRefs: [
          ...ours(100, 0),
          { group: 'example.io', kind: 'Bucket', name: 'web-canary', weight: 7 },
        ],
      },
    ]);
    const after = withRouteWeights(r, backends, { stable: 90, canary: 10 });
    expect(after && backendRefsOf(after, 0)[2]).toEqual({
      group: 'example.io',
      kind: 'Bucket',
      name: 'web-canary',
      weight: 7,
    });
  });
});

describe('withRouteWeights and rules with only one of our Services', () => {
  it('leaves a rule that sends only to the canary (e.g. testers by header) alone', () => {
    const r = route([
      {
        matches: [{ headers: [{ name: 'x-canary', value: 'yes' }] }],
        backendRefs: [{ name: 'web-canary', port: 80 }],
      },
      { backendRefs: ours(100, 0) },
    ]);
    const next = withRouteWeights(r, backends, { stable: 100, canary: 0 }) ?? r;
    expect(backendRefsOf(next, 0)).toEqual([{ name: 'web-canary', port: 80 }]);
    const edited = withRouteWeights(r, backends, { stable: 60, canary: 40 });
    expect(backendRefsOf(edited ?? r, 0)).toEqual([{ name: 'web-canary', port: 80 }]);
    expect(backendRefsOf(edited ?? r, 1).map((b) => b.weight)).toEqual([60, 40]);
  });

  it('edits our single-Service rules when no rule has both (nothing else could move traffic)', () => {
    const r = route([
      { backendRefs: [ours(1, 1)[0] ?? {}] },
      { backendRefs: [ours(1, 1)[1] ?? {}] },
    ]);
    const edited = withRouteWeights(r, backends, { stable: 80, canary: 20 });
    expect(backendRefsOf(edited ?? r, 0)[0]?.weight).toBe(80);
    expect(backendRefsOf(edited ?? r, 1)[0]?.weight).toBe(20);
  });
});
