// KULTA's header rules on an HTTPRoute: built from each rule that splits traffic between our
// Services, placed just before it, named and recorded; every other rule stays exactly as it was,
// a second edit changes nothing, and removal gives the route back as written.
import { describe, expect, it } from 'vitest';
import {
  gatewayHeaderMatch,
  headerRecordKey,
  headerRecordValue,
  observeHeaderRules,
  readHeaderRecord,
  withHeaderRules,
  type HeaderRulesEdit,
} from '../../functions/core/header-rules.ts';
import type { HeaderRoute, JsonObject } from '../../functions/core/rollout/types.ts';
import { canonicalJson } from '../../functions/core/rollout/hash.ts';

const backends = { stableService: 'web-stable', canaryService: 'web-canary' };

function route(rules: JsonObject[]): JsonObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web-route', namespace: 'shop', resourceVersion: '7' },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['web.example'], rules },
  };
}

const split = (matches?: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  ...(matches ? { matches } : {}),
  ...extra,
  backendRefs: [
    { name: 'web-stable', port: 80, weight: 80 },
    { name: 'web-canary', port: 8080, weight: 20 },
  ],
});

const path = (value: string): JsonObject => ({ path: { type: 'PathPrefix', value } });
const testers: HeaderRoute = {
  name: 'testers',
  match: [{ headerName: 'X-Canary', type: 'Exact', value: 'yes' }],
};
const xCanary = { name: 'X-Canary', type: 'Exact', value: 'yes' };
const canaryOnly = [{ name: 'web-canary', port: 8080, group: '', kind: 'Service', weight: 1 }];

/** A user's rule for another app, with everything a rule can carry. */
const adminRule: JsonObject = {
  name: 'admin',
  matches: [{ path: { type: 'Exact', value: '/admin' }, method: 'GET' }],
  filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a' }] } }],
  backendRefs: [{ name: 'admin', port: 9000 }],
  futureField: { keep: true },
};

function rulesOf(edit: HeaderRulesEdit): JsonObject[] {
  if (!edit.ok) throw new Error(edit.problem);
  return (edit.route.spec as { rules: JsonObject[] }).rules;
}

function edited(r: JsonObject, routes: HeaderRoute[], owned: readonly string[] = []) {
  const edit = withHeaderRules(r, backends, routes, owned);
  if (!edit.ok) throw new Error(edit.problem);
  return edit;
}

describe('withHeaderRules builds one rule per header route and split rule', () => {
  it('copies the split rule with the headers added and only the canary, just before it', () => {
    const source = split([path('/api')], {
      filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'api.internal' } }],
      timeouts: { request: '10s' },
    });
    const edit = edited(route([adminRule, source]), [testers]);
    expect(rulesOf(edit)).toEqual([
      adminRule,
      {
        name: 'kulta-testers-0',
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [xCanary] }],
        filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'api.internal' } }],
        timeouts: { request: '10s' },
        backendRefs: canaryOnly,
      },
      source,
    ]);
    expect(edit.owned).toEqual(['kulta-testers-0']);
    expect(edit.changed).toBe(true);
  });

  it('ANDs the headers with every match of the rule, keeping its own headers and query params', () => {
    const matches: JsonObject[] = [
      { path: { type: 'Exact', value: '/a' }, headers: [{ name: 'X-Tenant', value: 'acme' }] },
      { path: { type: 'PathPrefix', value: '/b' }, queryParams: [{ name: 'v', value: '2' }] },
    ];
    const [rule] = rulesOf(edited(route([split(matches)]), [testers]));
    expect(rule?.matches).toEqual([
      {
        path: { type: 'Exact', value: '/a' },
        headers: [{ name: 'X-Tenant', value: 'acme' }, xCanary],
      },
      {
        path: { type: 'PathPrefix', value: '/b' },
        queryParams: [{ name: 'v', value: '2' }],
        headers: [xCanary],
      },
    ]);
  });

  it('gives a rule without matches the default match, everything under /', () => {
    const [rule] = rulesOf(edited(route([split()]), [testers]));
    expect(rule?.matches).toEqual([
      { path: { type: 'PathPrefix', value: '/' }, headers: [xCanary] },
    ]);
  });

  it('adds one rule per split rule, each before its source, numbered in route order', () => {
    const rules = [split([path('/products')]), adminRule, split([path('/orders')])];
    const names = rulesOf(edited(route(rules), [testers])).map((r) => r.name ?? r.matches);
    expect(names).toEqual([
      'kulta-testers-0',
      [path('/products')],
      'admin',
      'kulta-testers-1',
      [path('/orders')],
    ]);
  });

  it('puts several header routes in the order given (managedRoutes order)', () => {
    const beta: HeaderRoute = {
      name: 'beta',
      match: [{ headerName: 'X-Beta', type: 'Exact', value: '1' }],
    };
    const edit = edited(route([split([path('/')])]), [beta, testers]);
    expect(rulesOf(edit).map((r) => r.name)).toEqual([
      'kulta-beta-0',
      'kulta-testers-0',
      undefined,
    ]);
    expect(edit.owned).toEqual(['kulta-beta-0', 'kulta-testers-0']);
  });

  it('leaves out a match that already tests one of the headers; no rule when none is left', () => {
    const own = { name: 'x-canary', value: 'no' };
    const matches = [{ ...path('/a'), headers: [own] }, path('/b')];
    const [rule] = rulesOf(edited(route([split(matches)]), [testers]));
    expect(rule?.matches).toEqual([{ ...path('/b'), headers: [xCanary] }]);
    const edit = edited(route([split([{ ...path('/a'), headers: [own] }])]), [testers]);
    expect(edit.owned).toEqual([]);
    expect(edit.changed).toBe(false);
  });

  it('keeps the canary backendRef as written (its filters, namespace) with explicit defaults', () => {
    const canary = {
      name: 'web-canary',
      namespace: 'shop',
      port: 80,
      weight: 0,
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'v' }] } }],
    };
    const source = {
      matches: [path('/')],
      backendRefs: [{ name: 'web-stable', port: 80 }, canary],
    };
    const [rule] = rulesOf(edited(route([source]), [testers]));
    expect(rule?.backendRefs).toEqual([{ ...canary, group: '', kind: 'Service', weight: 1 }]);
  });

  it('touches no rule that does not split traffic between our two Services', () => {
    const onlyCanary = { matches: [path('/preview')], backendRefs: [{ name: 'web-canary' }] };
    const otherGroup: JsonObject = {
      backendRefs: [
        { name: 'web-stable', group: 'example.io', kind: 'Bucket' },
        { name: 'web-canary' },
      ],
    };
    const r = route([adminRule, onlyCanary, otherGroup]);
    const edit = edited(r, [testers]);
    expect(edit.changed).toBe(false);
    expect(edit.route).toBe(r);
  });
});

describe('gatewayHeaderMatch', () => {
  it.each([
    ['exact', { type: 'Exact', value: 'a.b' }, { type: 'Exact', value: 'a.b' }],
    [
      'regex',
      { type: 'RegularExpression', value: '(?i)yes' },
      { type: 'RegularExpression', value: '(?i)yes' },
    ],
    [
      'prefix, as an anchored expression with its metacharacters escaped',
      { type: 'Prefix', value: 'v1.2+(beta)[x]' },
      { type: 'RegularExpression', value: '^v1\\.2\\+\\(beta\\)\\[x\\].*' },
    ],
  ] as const)('writes %s', (_name, m, expected) => {
    expect(gatewayHeaderMatch({ headerName: 'X-V', ...m })).toEqual({ name: 'X-V', ...expected });
  });
});

describe('withHeaderRules replaces only what it owns', () => {
  const base = route([adminRule, split([path('/api')]), split([path('/web')])]);

  it('is idempotent: editing its own result again changes nothing', () => {
    const first = edited(base, [testers]);
    const second = edited(first.route, [testers], first.owned);
    expect(second.changed).toBe(false);
    expect(second.route).toBe(first.route);
    expect(second.owned).toEqual(first.owned);
  });

  it('removes its rules and gives the route back exactly as written', () => {
    const first = edited(base, [testers]);
    const removed = edited(first.route, [], first.owned);
    expect(canonicalJson(removed.route)).toBe(canonicalJson(base));
    expect(removed.owned).toEqual([]);
    expect(edited(removed.route, [], []).changed).toBe(false);
  });

  it('rebuilds its rules when the header route changes, keeping every other rule', () => {
    const first = edited(base, [testers]);
    const other: HeaderRoute = {
      name: 'testers',
      match: [{ headerName: 'X-B', type: 'Exact', value: '2' }],
    };
    const second = edited(first.route, [other], first.owned);
    const rules = rulesOf(second);
    expect(
      rules.filter((r) => !(typeof r.name === 'string' && r.name.startsWith('kulta-'))),
    ).toEqual((base.spec as { rules: JsonObject[] }).rules);
    expect(rules[1]?.matches).toEqual([
      { ...path('/api'), headers: [{ name: 'X-B', type: 'Exact', value: '2' }] },
    ]);
  });

  it('never removes a rule it does not own, even one with a KULTA-like name', () => {
    const lookalike = { ...adminRule, name: 'kulta-testers-0' };
    const r = route([lookalike, split([path('/')])]);
    expect(withHeaderRules(r, backends, [], [])).toMatchObject({ ok: true, changed: false });
    expect(withHeaderRules(r, backends, [testers], [])).toEqual({
      ok: false,
      problem:
        'a rule named "kulta-testers-0" that KULTA does not own is on the route: rename that rule or the managed route',
    });
  });

  it.each([
    [
      'more than 16 rules',
      route(Array.from({ length: 9 }, (_, i) => split([path(`/${String(i)}`)]))),
      'it would need 18 rules (the HTTPRoute limit is 16)',
    ],
    [
      'more than 128 matches in all',
      route([
        split(Array.from({ length: 64 }, (_, i) => path(`/${String(i)}`))),
        split([path('/')]),
      ]),
      'it would need 130 matches in all (the HTTPRoute limit is 128)',
    ],
    [
      'more than 16 headers in one match',
      route([
        split([
          {
            ...path('/'),
            headers: Array.from({ length: 16 }, (_, i) => ({ name: `h${String(i)}`, value: 'v' })),
          },
        ]),
      ]),
      'a match would test 17 headers (the HTTPRoute limit is 16)',
    ],
  ])('refuses a route that would get %s, touching nothing', (_name, r, problem) => {
    expect(withHeaderRules(r, backends, [testers], [])).toEqual({ ok: false, problem });
  });
});

describe('the ownership record', () => {
  it('is keyed per rollout, hashed when the name is long', () => {
    expect(headerRecordKey('shop', 'web')).toBe('headerroutes.kulta.io/shop.web');
    const long = headerRecordKey('n'.repeat(40), 'r'.repeat(40));
    expect(long.split('/')[1]).toHaveLength(63);
    expect(long).not.toBe(headerRecordKey('n'.repeat(40), `${'r'.repeat(39)}s`));
  });

  it('round-trips, and is no annotation at all when empty', () => {
    const record = { rules: ['kulta-testers-0'], routes: [testers] };
    const key = headerRecordKey('shop', 'web');
    const value = headerRecordValue(record);
    expect(readHeaderRecord({ [key]: value ?? '' }, key)).toEqual(record);
    expect(headerRecordValue({ rules: [], routes: [] })).toBeUndefined();
  });

  it.each([
    'not json',
    '{"rules":[1]}',
    '{"rules":[],"routes":[{"name":"t","match":[{}]}]}',
    'null',
  ])('reads %j as empty, so KULTA owns nothing there', (text) => {
    expect(readHeaderRecord({ k: text }, 'k')).toEqual({ rules: [], routes: [] });
  });
});

describe('observeHeaderRules', () => {
  const base = route([adminRule, split([path('/api')])]);
  const first = edited(base, [testers]);
  const record = { rules: first.owned, routes: [testers] };

  it('sees KULTA rules intact right after the edit, with the shape of every rule', () => {
    expect(observeHeaderRules(first.route, backends, record)).toEqual({
      recorded: [testers],
      intact: true,
      rules: [
        { name: 'admin', owned: false, splits: false, matches: 1, maxHeaders: 0 },
        { name: 'kulta-testers-0', owned: true, splits: false, matches: 1, maxHeaders: 1 },
        { name: undefined, owned: false, splits: true, matches: 1, maxHeaders: 0 },
      ],
    });
  });

  it.each<[string, (rules: JsonObject[]) => JsonObject[]]>([
    ['its rule was deleted by hand', (rules) => rules.filter((r) => r.name !== 'kulta-testers-0')],
    [
      'its rule was edited by hand',
      (rules) =>
        rules.map((r) =>
          r.name === 'kulta-testers-0' ? { ...r, timeouts: { request: '1s' } } : r,
        ),
    ],
    [
      'the rule it copies changed',
      (rules) => rules.map((r) => (r.name === undefined ? { ...r, matches: [path('/v2')] } : r)),
    ],
  ])('sees the rules not intact when %s', (_name, change) => {
    const spec = first.route.spec as { rules: JsonObject[] };
    const changed = { ...first.route, spec: { ...spec, rules: change(spec.rules) } };
    expect(observeHeaderRules(changed, backends, record).intact).toBe(false);
  });

  it('sees a route without a record as intact with nothing recorded', () => {
    expect(observeHeaderRules(base, backends, { rules: [], routes: [] })).toMatchObject({
      recorded: [],
      intact: true,
    });
  });
});
