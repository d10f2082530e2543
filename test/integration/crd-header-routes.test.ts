// Header routing in the Rollout CRD on a real apiserver: Argo's setHeaderRoute steps, managedRoutes
// and useHeaderRoutes are accepted; bad ones are refused with a message that names the field and
// the fix; and the apiserver's RE2 check (Go's regexp, through CEL) agrees with KULTA's own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import { re2SyntaxError } from '../../functions/core/rollout/re2-syntax.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

type Json = Record<string, unknown>;
type Rollout = Json & {
  metadata: { name: string };
  spec: Json & { strategy: { canary: Json & { trafficRouting: Json; steps: Json[] } } };
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
  ns = await tempNamespace(kube, 'crd-header');
});
afterAll(async () => {
  await ns.remove();
});

const canary = (r: Rollout) => r.spec.strategy.canary;
const exact = (headerName: string, value: string) => ({
  headerName,
  headerValue: { exact: value },
});

/** The fixture with header routing: a managed route on its httpRoute, after a canary pod. */
function rollout(change: Change = () => undefined): Rollout {
  const copy = structuredClone(fixture);
  counter += 1;
  copy.metadata.name = `${fixture.metadata.name}-${String(counter)}`;
  canary(copy).trafficRouting.managedRoutes = [{ name: 'testers' }];
  canary(copy).steps = [
    { setCanaryScale: { replicas: 1 } },
    { setHeaderRoute: { name: 'testers', match: [exact('X-Canary', 'yes')] } },
    { pause: {} },
  ];
  change(copy);
  return copy;
}

function create(body: Rollout, fieldValidation: 'Strict' | 'Ignore'): Promise<Rollout> {
  return kube.custom.createNamespacedCustomObject({
    ...base,
    namespace: ns.name,
    body,
    fieldValidation,
  }) as Promise<Rollout>;
}

/** The apiserver's message refusing `body`; fails the test when it is accepted. */
async function refusal(body: Rollout): Promise<string> {
  try {
    await create(body, 'Ignore');
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    expect(error.code).toBe(422);
    return (JSON.parse(String(error.body)) as { message: string }).message;
  }
  throw new Error(`rollout ${body.metadata.name} was accepted but should have been refused`);
}

const headerStep =
  (match: unknown): Change =>
  (r) => {
    canary(r).steps[1] = { setHeaderRoute: { name: 'testers', match } };
  };

describe('header routing in the CRD', () => {
  it.each<[string, Change]>([
    ['a setHeaderRoute step on httpRoute (which always takes header routes)', () => undefined],
    [
      'exact, prefix and a cookie regex, several managed routes and a removal step',
      (r) => {
        canary(r).trafficRouting.managedRoutes = [{ name: 'beta' }, { name: 'testers' }];
        canary(r).steps.push(
          {
            setHeaderRoute: {
              name: 'beta',
              match: [
                { headerName: 'X-Tier', headerValue: { prefix: 'beta-' } },
                { headerName: 'Cookie', headerValue: { regex: '^(.*;\\s*)?canary=always(;.*)?$' } },
              ],
            },
          },
          { setHeaderRoute: { name: 'testers' } },
        );
      },
    ],
    [
      'httpRoutes with useHeaderRoutes on one of them',
      (r) => {
        canary(r).trafficRouting.plugins = {
          [gatewayKey]: { httpRoutes: [{ name: 'web', useHeaderRoutes: true }, { name: 'api' }] },
        };
      },
    ],
    [
      'a plugin-level useHeaderRoutes: true beside httpRoute (as in Argo examples)',
      (r) => {
        (canary(r).trafficRouting.plugins as Record<string, Json>)[gatewayKey] = {
          httpRoute: 'storefront-route',
          useHeaderRoutes: true,
        };
      },
    ],
  ])('accepts %s, and KULTA parses it without complaint', async (_name, change) => {
    const body = rollout(change);
    const created = await create(body, 'Strict');
    expect(created.spec.strategy.canary).toMatchObject(body.spec.strategy.canary);
    const parsed = parseRollout({ ...created, metadata: { ...created.metadata, uid: 'u' } });
    expect(parsed.specErrors).toEqual([]);
  });

  it.each<[string, Change, string]>([
    [
      'a header route not listed in managedRoutes',
      (r) => {
        canary(r).trafficRouting.managedRoutes = [{ name: 'other' }];
      },
      "every setHeaderRoute.name must be listed in trafficRouting.managedRoutes: add {name: <the step's name>} there",
    ],
    [
      'an invalid regular expression',
      headerStep([{ headerName: 'Cookie', headerValue: { regex: 'canary=(yes' } }]),
      'error parsing regexp: missing closing ): `canary=(yes` evaluating rule: headerValue.regex must be a valid RE2 regular expression (no lookaround, no backreferences); fix the pattern',
    ],
    [
      'a lookahead',
      headerStep([{ headerName: 'Cookie', headerValue: { regex: '(?=.*beta)' } }]),
      'invalid or unsupported Perl syntax: `(?=`',
    ],
    [
      'two kinds of header value',
      headerStep([{ headerName: 'X-A', headerValue: { exact: 'a', regex: 'b' } }]),
      'headerValue must set exactly one of exact, prefix, regex',
    ],
    [
      'an empty match list (use no match to remove a header route)',
      headerStep([]),
      'setHeaderRoute.match in body should have at least 1 items',
    ],
    [
      'a header name that is not a token',
      headerStep([exact('X Canary', 'yes')]),
      'headerName in body should match',
    ],
    [
      'a managed route name that cannot name a rule',
      (r) => {
        canary(r).trafficRouting.managedRoutes = [{ name: 'Testers' }];
      },
      "managedRoutes[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
    ],
    [
      'a managed route listed twice',
      (r) => {
        canary(r).trafficRouting.managedRoutes = [{ name: 'testers' }, { name: 'testers' }];
      },
      'spec.strategy.canary.trafficRouting.managedRoutes[1]: Duplicate value',
    ],
    [
      'setHeaderRoute steps without an HTTPRoute that takes them',
      (r) => {
        canary(r).trafficRouting.plugins = {
          [gatewayKey]: { httpRoutes: [{ name: 'web' }, { name: 'api', useHeaderRoutes: false }] },
        };
      },
      'setHeaderRoute steps need an HTTPRoute that takes header routes: set useHeaderRoutes: true on one of httpRoutes (httpRoute always takes them)',
    ],
    [
      'setHeaderRoute steps without trafficRouting',
      (r) => {
        delete (canary(r) as Json).trafficRouting;
        canary(r).steps = canary(r).steps.slice(1);
      },
      'setHeaderRoute steps need trafficRouting: header routes are rules KULTA adds to its HTTPRoutes',
    ],
    [
      'a plugin-level useHeaderRoutes: false',
      (r) => {
        (canary(r).trafficRouting.plugins as Record<string, Json>)[gatewayKey] = {
          httpRoute: 'storefront-route',
          useHeaderRoutes: false,
        };
      },
      'useHeaderRoutes beside httpRoute can only be true (httpRoute always takes header routes); with httpRoutes set useHeaderRoutes on each route instead',
    ],
    [
      'a setMirrorRoute step (still not supported)',
      (r) => {
        canary(r).steps.push({ setMirrorRoute: { name: 'testers' } });
      },
      'the setMirrorRoute step is not supported yet by KULTA',
    ],
  ])('refuses %s', async (_name, change, expected) => {
    expect(await refusal(rollout(change))).toContain(expected);
  });
});

describe("the apiserver's RE2 check and KULTA's agree", () => {
  it.each([
    '(?i)^canary$',
    '^(.*;\\s*)?ab=(b|c)(;.*)?$',
    '\\p{Greek}+\\d{2,}',
    '[[:alpha:]][^\\]]',
    '\\Qa.b\\E(?P<x>y)',
    '(a{100}){10}',
    '(a{100}){20}',
    'x{2}{3}',
    '[z-a]',
    '\\8',
    '(?<!x)',
    'a\\',
    '[abc',
    '(?i-)a',
  ])('on %s', async (regex) => {
    const body = rollout(headerStep([{ headerName: 'Cookie', headerValue: { regex } }]));
    const mine = re2SyntaxError(regex);
    if (mine === undefined) {
      await create(body, 'Strict');
    } else {
      expect(await refusal(body)).toContain(mine);
    }
  });
});
