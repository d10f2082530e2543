// Header routing at the boundary: setHeaderRoute steps and managedRoutes parse into typed header
// routes, and what the schema cannot see across fields is refused naming the field and the fix.
import { describe, expect, it } from 'vitest';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout, type RolloutBuilder } from '../../fixtures/rollout-builder.ts';

const plugin = 'argoproj-labs/gatewayAPI';

/** Traffic routing with managed routes, through the Gateway API plugin block `block`. */
function routing(managed: string[], block: JsonObject = { httpRoute: 'web-route' }): JsonObject {
  return {
    trafficRouting: {
      managedRoutes: managed.map((name) => ({ name })),
      plugins: { [plugin]: block },
    },
  };
}

const exact = (headerName: string, value: string) => ({
  headerName,
  headerValue: { exact: value },
});
const header = (name: string, ...match: JsonObject[]) => ({ setHeaderRoute: { name, match } });

/** A rollout whose canary has pods (setCanaryScale) before the steps given. */
function withSteps(managed: string[], ...steps: JsonObject[]): RolloutBuilder {
  return aRollout()
    .canary(routing(managed))
    .steps({ setCanaryScale: { replicas: 1 } }, ...steps);
}

function errorsOf(builder: RolloutBuilder): readonly string[] {
  const parsed = parseRollout(builder.build());
  expect(parsed.spec).toBeUndefined();
  return parsed.specErrors;
}

describe('a valid header routing spec', () => {
  it('parses exact, prefix and regex matches, and a step that removes a header route', () => {
    const parsed = parseRollout(
      withSteps(
        ['testers', 'beta'],
        header('testers', exact('X-Canary', 'yes'), {
          headerName: 'Cookie',
          headerValue: { regex: '^(.*;\\s*)?canary=always(;.*)?$' },
        }),
        header('beta', { headerName: 'X-Tier', headerValue: { prefix: 'beta-' } }),
        { setHeaderRoute: { name: 'testers' } },
      ).build(),
    );
    expect(parsed.specErrors).toEqual([]);
    expect(parsed.spec?.canary.steps.slice(1)).toEqual([
      {
        kind: 'setHeaderRoute',
        name: 'testers',
        match: [
          { headerName: 'X-Canary', type: 'Exact', value: 'yes' },
          {
            headerName: 'Cookie',
            type: 'RegularExpression',
            value: '^(.*;\\s*)?canary=always(;.*)?$',
          },
        ],
      },
      {
        kind: 'setHeaderRoute',
        name: 'beta',
        match: [{ headerName: 'X-Tier', type: 'Prefix', value: 'beta-' }],
      },
      { kind: 'setHeaderRoute', name: 'testers', match: [] },
    ]);
    expect(parsed.spec?.canary.trafficRouting).toMatchObject({
      managedRoutes: ['testers', 'beta'],
      headerRoutes: ['web-route'],
    });
  });

  it.each<{ name: string; block: JsonObject; headerRoutes: string[] }>([
    { name: 'httpRoute always', block: { httpRoute: 'a' }, headerRoutes: ['a'] },
    {
      name: 'httpRoute with a plugin-level useHeaderRoutes: true (Argo ignores it)',
      block: { httpRoute: 'a', useHeaderRoutes: true },
      headerRoutes: ['a'],
    },
    {
      name: 'httpRoutes with useHeaderRoutes: true only',
      block: {
        httpRoutes: [
          { name: 'a', useHeaderRoutes: true },
          { name: 'b' },
          { name: 'c', useHeaderRoutes: false },
        ],
      },
      headerRoutes: ['a'],
    },
  ])('takes header routes on $name', ({ block, headerRoutes }) => {
    const parsed = parseRollout(
      aRollout()
        .canary(routing(['t'], block))
        .steps({ setWeight: 10 }, header('t', exact('X-Canary', 'yes')))
        .build(),
    );
    expect(parsed.specErrors).toEqual([]);
    expect(parsed.spec?.canary.trafficRouting?.headerRoutes).toEqual(headerRoutes);
  });

  it('accepts managedRoutes that no step uses yet, as Argo does', () => {
    const parsed = parseRollout(
      aRollout()
        .canary(routing(['later']))
        .build(),
    );
    expect(parsed.specErrors).toEqual([]);
    expect(parsed.spec?.canary.trafficRouting?.managedRoutes).toEqual(['later']);
  });
});

const step = 'spec.strategy.canary.steps[1].setHeaderRoute';

describe('a bad header routing spec is refused, naming the field and the fix', () => {
  it.each<{ name: string; rollout: RolloutBuilder; error: string }>([
    {
      name: 'a header route without a name',
      rollout: withSteps(['t'], { setHeaderRoute: { match: [exact('X-A', '1')] } }),
      error: `${step}.name is required`,
    },
    {
      name: 'a name that cannot name an HTTPRoute rule',
      rollout: withSteps(['t'], header('Testers', exact('X-A', '1'))),
      error: `${step}.name "Testers" must be lowercase letters, digits and '-' (at most 54)`,
    },
    {
      name: 'a name too long for a rule name',
      rollout: withSteps(['t'], header('t'.repeat(55), exact('X-A', '1'))),
      error: `${step}.name "${'t'.repeat(55)}" must be lowercase letters`,
    },
    {
      name: 'an empty match list',
      rollout: withSteps(['t'], { setHeaderRoute: { name: 't', match: [] } }),
      error: `${step}.match must list at least one header (leave match out to remove the header route)`,
    },
    {
      name: 'two kinds of value in one match',
      rollout: withSteps(
        ['t'],
        header('t', { headerName: 'X-A', headerValue: { exact: 'a', prefix: 'b' } }),
      ),
      error: `${step}.match[0].headerValue must set exactly one of exact, prefix, regex`,
    },
    {
      name: 'no value',
      rollout: withSteps(['t'], header('t', { headerName: 'X-A', headerValue: {} })),
      error: `${step}.match[0].headerValue must set exactly one of exact, prefix, regex`,
    },
    {
      name: 'a header name with a space',
      rollout: withSteps(['t'], header('t', exact('X Canary', 'yes'))),
      error: `${step}.match[0].headerName must be an HTTP header name like X-Canary or Cookie`,
    },
    {
      name: 'an invalid regular expression',
      rollout: withSteps(
        ['t'],
        header('t', exact('X-A', '1'), { headerName: 'Cookie', headerValue: { regex: '(abc' } }),
      ),
      error: `${step}.match[1].headerValue.regex is not a valid RE2 regular expression (the syntax Envoy-based gateways read): missing closing ): \`(abc\`; fix the pattern`,
    },
    {
      name: 'a lookahead (RE2 has none)',
      rollout: withSteps(
        ['t'],
        header('t', { headerName: 'Cookie', headerValue: { regex: '(?=.*beta)' } }),
      ),
      error: `${step}.match[0].headerValue.regex is not a valid RE2 regular expression (the syntax Envoy-based gateways read): invalid or unsupported Perl syntax: \`(?=\``,
    },
    {
      name: 'one header matched twice',
      rollout: withSteps(['t'], header('t', exact('X-A', '1'), exact('x-a', '2'))),
      error: `${step}.match names the header x-a twice: match it once`,
    },
    {
      name: 'a header route not listed in managedRoutes',
      rollout: withSteps(['other'], header('t', exact('X-A', '1'))),
      error:
        'spec.strategy.canary.steps[1].setHeaderRoute.name "t" is not in spec.strategy.canary.trafficRouting.managedRoutes: add {name: t} there',
    },
    {
      name: 'a header route without trafficRouting',
      rollout: aRollout()
        .withoutTrafficRouting()
        .steps({ setWeight: 10 }, header('t', exact('X-A', '1'))),
      error:
        'spec.strategy.canary.steps[1].setHeaderRoute needs trafficRouting: header routes are rules KULTA adds to its HTTPRoutes',
    },
    {
      name: 'no HTTPRoute that takes header routes',
      rollout: aRollout()
        .canary(routing(['t'], { httpRoutes: [{ name: 'a' }, { name: 'b' }] }))
        .steps({ setWeight: 10 }, header('t', exact('X-A', '1'))),
      error:
        'spec.strategy.canary.trafficRouting: setHeaderRoute steps need an HTTPRoute that takes header routes: set useHeaderRoutes: true on one of httpRoutes (httpRoute always takes them)',
    },
    {
      name: 'a header route before the canary has pods',
      rollout: aRollout()
        .canary(routing(['t']))
        .steps(header('t', exact('X-A', '1')), { setWeight: 10 }),
      error:
        'spec.strategy.canary.steps[0]: a header route sends requests to the canary, which has no pods at this step; add setCanaryScale: {replicas: 1} (or a setWeight above 0) before the setHeaderRoute step',
    },
    {
      name: 'a header route still in force when the canary is scaled to nothing',
      rollout: withSteps(['t'], header('t', exact('X-A', '1')), {
        setCanaryScale: { replicas: 0 },
      }),
      error: 'spec.strategy.canary.steps[2]: a header route sends requests to the canary',
    },
    {
      name: 'a managed route listed twice',
      rollout: aRollout().canary(routing(['t', 't'])),
      error:
        'spec.strategy.canary.trafficRouting.managedRoutes lists "t" twice: list each header route once',
    },
    {
      name: 'a managed route name that cannot name a rule',
      rollout: aRollout().canary(routing(['a_b'])),
      error:
        'spec.strategy.canary.trafficRouting.managedRoutes[0].name "a_b" must be lowercase letters',
    },
    {
      name: 'a plugin-level useHeaderRoutes: false',
      rollout: aRollout().canary(routing([], { httpRoute: 'a', useHeaderRoutes: false })),
      error: `spec.strategy.canary.trafficRouting.plugins["${plugin}"].useHeaderRoutes: httpRoute always takes header routes; for httpRoutes set useHeaderRoutes on each route instead (remove this one)`,
    },
    {
      name: 'a plugin-level useHeaderRoutes beside httpRoutes',
      rollout: aRollout().canary(
        routing([], { httpRoutes: [{ name: 'a' }], useHeaderRoutes: true }),
      ),
      error: `spec.strategy.canary.trafficRouting.plugins["${plugin}"].useHeaderRoutes: httpRoute always takes header routes`,
    },
    {
      name: 'managedRoutes in a blue-green strategy',
      rollout: aRollout().spec({
        strategy: {
          blueGreen: {
            activeService: 'web-active',
            previewService: 'web-preview',
            ...routing(['t']),
          },
        },
      }),
      error:
        'spec.strategy.blueGreen.trafficRouting.managedRoutes: header routes belong to canary steps (setHeaderRoute); remove managedRoutes',
    },
    {
      name: 'a setMirrorRoute step (still not supported)',
      rollout: withSteps(['t'], { setMirrorRoute: { name: 't' } }),
      error: 'spec.strategy.canary.steps[1]: "setMirrorRoute" steps are not supported by KULTA',
    },
  ])('$name', ({ rollout, error }) => {
    const errors = errorsOf(rollout);
    expect(errors.map((e) => e.slice(0, error.length))).toContain(error);
  });
});
