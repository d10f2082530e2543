// Header routes in the planner: which are in force (from spec and committed status), a
// setHeaderRoute step that waits until every route carries them, promotion and abort that remove
// them (on abort together with the weights, before the canary scales down), and the problems
// that keep a route from taking them, reported instead of written.
import { describe, expect, it } from 'vitest';
import type { Action } from '../../functions/core/actions.ts';
import type { EventConfig } from '../../functions/core/events.ts';
import {
  desiredHeaderRoutes,
  headerRouteActions,
  headerRouteProblems,
} from '../../functions/core/header-routes.ts';
import type { Observed, ObservedRoute, ObservedRule } from '../../functions/core/observed.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type {
  HeaderRoute,
  JsonObject,
  RolloutSpec,
  RolloutStatus,
} from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../support/cdevents-schemas.ts';
import { deployedSimulation, hashOf, Simulation } from '../support/simulated-world.ts';

const plugin = 'argoproj-labs/gatewayAPI';
const exact = (headerName: string, value: string) => ({
  headerName,
  headerValue: { exact: value },
});
const testers: HeaderRoute = {
  name: 'testers',
  match: [{ headerName: 'X-Canary', type: 'Exact', value: 'yes' }],
};
const beta: HeaderRoute = {
  name: 'beta',
  match: [{ headerName: 'X-Beta', type: 'Exact', value: '1' }],
};

function routing(managed: string[], block: JsonObject = { httpRoute: 'web-route' }): JsonObject {
  return {
    trafficRouting: {
      managedRoutes: managed.map((name) => ({ name })),
      plugins: { [plugin]: block },
    },
  };
}

/** setCanaryScale 1, then header routes and pauses: the shape of an A/B test. */
function abRollout(...steps: JsonObject[]) {
  return aRollout()
    .canary(routing(['beta', 'testers']))
    .steps({ setCanaryScale: { replicas: 1 } }, ...steps);
}

function specOf(object: JsonObject): RolloutSpec {
  const parsed = parseRollout(object);
  if (!parsed.spec) throw new Error(parsed.specErrors.join('; '));
  return parsed.spec;
}

const running = (index: number, extra: RolloutStatus = {}): RolloutStatus => ({
  stableRS: 'v1',
  currentPodHash: 'v2',
  currentStepIndex: index,
  ...extra,
});

describe('desiredHeaderRoutes', () => {
  const spec = specOf(
    abRollout(
      { setHeaderRoute: { name: 'testers', match: [exact('X-Canary', 'yes')] } },
      { pause: {} },
      { setHeaderRoute: { name: 'beta', match: [exact('X-Beta', '1')] } },
      { setHeaderRoute: { name: 'testers', match: [exact('X-Canary', 'always')] } },
      { setHeaderRoute: { name: 'beta' } },
      { pause: {} },
    ).build(),
  );
  const testersAlways: HeaderRoute = {
    name: 'testers',
    match: [{ headerName: 'X-Canary', type: 'Exact', value: 'always' }],
  };

  it.each<[string, RolloutStatus, HeaderRoute[]]>([
    ['before any setHeaderRoute step', running(0), []],
    [
      'at the setHeaderRoute step (the world applies it, then the step completes)',
      running(1),
      [testers],
    ],
    ['on the steps after it', running(2), [testers]],
    ['with a second one, in managedRoutes order', running(3), [beta, testers]],
    ['when a name is set again: the last setting wins', running(4), [beta, testersAlways]],
    ['when a step without match removes one', running(5), [testersAlways]],
    ['past the last step, until the promotion', running(7), [testersAlways]],
    ['after the promotion (stable is the current revision)', { ...running(7), stableRS: 'v2' }, []],
    ['once aborted', running(3, { abort: true, abortedAt: '2026-03-01T10:00:00Z' }), []],
    ['before any revision', {}, []],
  ])('%s', (_name, status, expected) => {
    expect(desiredHeaderRoutes(spec, status)).toEqual(expected);
  });
});

const setTesters = { setHeaderRoute: { name: 'testers', match: [exact('X-Canary', 'yes')] } };

function ruleNames(sim: Simulation): unknown[] {
  return (sim.world.routeRules.spec as { rules: JsonObject[] }).rules.map((r) => r.name ?? 'split');
}

/** A deployed A/B rollout whose new revision is settled at the pause after its header route. */
function atThePause(): Simulation {
  const sim = deployedSimulation(abRollout(setTesters, { pause: {} }).build());
  sim.setImage('registry.example/web:2.0');
  expect(sim.settle()).toEqual(['revision-started', 'step-completed', 'step-completed', 'paused']);
  return sim;
}

describe('a canary with a setHeaderRoute step', () => {
  it('puts the header rule before the split rule, then completes the step and pauses', () => {
    const sim = atThePause();
    expect(sim.status).toMatchObject({ phase: 'Paused', currentStepIndex: 2 });
    expect(ruleNames(sim)).toEqual(['kulta-testers-0', 'split']);
    expect(sim.world.headerRecord).toEqual({ rules: ['kulta-testers-0'], routes: [testers] });
    expect(sim.status.history?.map((h) => h.message)).toContain(
      'step 1 completed: header route testers in place',
    );
  });

  it('writes nothing more once the route carries it', () => {
    const sim = atThePause();
    const p = sim.step();
    expect(p.statusChanged).toBe(false);
    expect(p.actions).toEqual([]);
  });

  it('does not complete the step until the route carries the header rule', () => {
    const sim = deployedSimulation(abRollout(setTesters, { pause: {} }).build());
    sim.world.routeExists = false;
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.status.currentStepIndex).toBe(1);
    sim.world.routeExists = true;
    expect(sim.settle()).toEqual(['step-completed', 'paused']);
  });

  it('removes the header rule at promotion', () => {
    const sim = atThePause();
    sim.patchStatus({ pauseConditions: [] });
    expect(sim.settle()).toEqual(['step-completed', 'promoted']);
    expect(ruleNames(sim)).toEqual(['split']);
    expect(sim.world.headerRecord).toEqual({ rules: [], routes: [] });
  });

  it('removes the header rule on abort with the weights, before the canary scales down', () => {
    const sim = atThePause();
    const canary = hashOf(sim.object);
    sim.patchStatus({ abort: true });
    const p = sim.step();
    expect(p.event).toBe('aborted');
    const kinds = p.actions.map((a) => a.kind);
    expect(kinds).toContain('setHeaderRoutes');
    expect(p.actions).toContainEqual(
      expect.objectContaining({ kind: 'setHeaderRoutes', route: 'web-route', routes: [] }),
    );
    expect(kinds.filter((k) => k === 'scaleReplicaSet')).toEqual([]);
    expect(ruleNames(sim)).toEqual(['split']);
    expect(sim.step().event).toBe('abort-traffic-confirmed');
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(canary)).toBe(0);
  });

  it('does not confirm the abort while the route still has the header rule', () => {
    const sim = atThePause();
    sim.patchStatus({ abort: true });
    sim.step();
    // The removal did not take (yet): the rule and its record are back.
    const before = atThePause().world;
    sim.world.routeRules = before.routeRules;
    sim.world.headerRecord = before.headerRecord;
    const p = sim.step();
    expect(p.event).toBeUndefined();
    expect(sim.status.abortScaleDownAt).toBeUndefined();
    expect(p.actions).toContainEqual(
      expect.objectContaining({ kind: 'setHeaderRoutes', routes: [] }),
    );
  });

  it('puts it back when the rollout is retried', () => {
    const sim = atThePause();
    sim.patchStatus({ abort: true });
    sim.settle();
    sim.patchStatus({ abort: false });
    expect(sim.settle()).toEqual(['retried', 'step-completed', 'step-completed', 'paused']);
    expect(ruleNames(sim)).toEqual(['kulta-testers-0', 'split']);
  });

  it('tells the step in CDEvents like any other (stepstarted kind setHeaderRoute)', () => {
    const config: EventConfig = { source: '/kulta/test', environmentId: (ns) => `test/${ns}` };
    const sim = new Simulation(abRollout(setTesters, { pause: {} }).build(), config);
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const steps = sim.sent
      .filter((e) => e.context.type.includes('stepstarted'))
      .map((e) => (e.subject.content as { step: { kind: string } }).step.kind);
    expect(steps).toEqual(['setCanaryScale', 'setHeaderRoute', 'pause']);
    const schemas = loadCDEventsSchemas();
    for (const event of sim.sent) expect(schemas.validate(event).errors).toEqual([]);
  });
});

const split: ObservedRule = {
  name: undefined,
  owned: false,
  splits: true,
  matches: 1,
  maxHeaders: 0,
};
const other: ObservedRule = {
  name: 'admin',
  owned: false,
  splits: false,
  matches: 1,
  maxHeaders: 0,
};

function aRoute(name: string, rules: ObservedRule[], recorded: HeaderRoute[] = []): ObservedRoute {
  return {
    namespace: 'shop',
    name,
    exists: true,
    hasStable: true,
    hasCanary: true,
    stableWeight: 100,
    canaryWeight: 0,
    consistent: true,
    headerRoutes: { recorded, intact: true, rules },
  };
}

function world(...routes: ObservedRoute[]): Observed {
  return { replicaSets: [], services: [], analysisRuns: [], routes };
}

describe('headerRouteActions', () => {
  const spec = specOf(
    aRollout()
      .canary(
        routing(['testers'], {
          httpRoutes: [{ name: 'web', useHeaderRoutes: true }, { name: 'api' }],
        }),
      )
      .steps({ setWeight: 10 }, setTesters)
      .build(),
  );

  it('asks only the routes that take header routes for them, and clears the others', () => {
    const actions = headerRouteActions(
      spec,
      running(1),
      world(aRoute('web', [split]), aRoute('api', [split], [testers])),
    );
    const base = { namespace: 'shop', stableService: 'web-stable', canaryService: 'web-canary' };
    expect(actions).toEqual<Action[]>([
      { kind: 'setHeaderRoutes', route: 'web', routes: [testers], ...base },
      { kind: 'setHeaderRoutes', route: 'api', routes: [], ...base },
    ]);
  });

  it('asks nothing of routes that already carry them', () => {
    const observed = world(aRoute('web', [split], [testers]), aRoute('api', [split]));
    expect(headerRouteActions(spec, running(1), observed)).toEqual([]);
  });

  it('rewrites KULTA rules that are no longer what the record says', () => {
    const web = aRoute('web', [split], [testers]);
    const edited = { ...web, headerRoutes: { recorded: [testers], intact: false, rules: [split] } };
    expect(headerRouteActions(spec, running(1), world(edited, aRoute('api', [split])))).toEqual([
      expect.objectContaining({ route: 'web', routes: [testers] }),
    ]);
  });
});

describe('headerRouteProblems (TrafficRoutingReady), and no write a route would refuse', () => {
  const spec = specOf(
    abRollout(setTesters, {
      setHeaderRoute: { name: 'beta', match: [exact('X-Beta', '1')] },
    }).build(),
  );

  it.each<[string, ObservedRule[], string]>([
    [
      'no rule splits traffic between our Services',
      [other],
      'HTTPRoute shop/web-route: no rule splits traffic between the stable and canary Services, so there is nothing to copy header rules from: put both backendRefs in the rule that serves the app',
    ],
    [
      "a user's rule has a name KULTA needs",
      [{ ...other, name: 'kulta-beta-0' }, split],
      'HTTPRoute shop/web-route: a rule named "kulta-beta-0" that KULTA does not own is on the route: rename that rule or the managed route',
    ],
    [
      'the route would exceed 16 rules',
      [...Array.from({ length: 11 }, () => other), split, split],
      'HTTPRoute shop/web-route: with header routes beta, testers it would need 17 rules (the HTTPRoute limit is 16): use fewer header routes at once or fewer rules',
    ],
  ])('reports %s', (_name, rules, problem) => {
    const observed = world(aRoute('web-route', rules));
    const problems = headerRouteProblems(spec, observed);
    expect(problems.map((p) => p.slice(0, problem.length))).toEqual([problem]);
    expect(headerRouteActions(spec, running(2), observed)).toEqual([]);
  });

  it('counts exactly: 10 other rules and two split rules with two header routes fit (16)', () => {
    const rules = [...Array.from({ length: 10 }, () => other), split, split];
    expect(headerRouteProblems(spec, world(aRoute('web-route', rules)))).toEqual([]);
    const more = [...Array.from({ length: 11 }, () => other), split, split];
    expect(headerRouteProblems(spec, world(aRoute('web-route', more)))).toHaveLength(1);
  });

  it('still removes KULTA rules from a route with a problem', () => {
    const observed = world(aRoute('web-route', [other], [testers]));
    expect(headerRouteActions(spec, { ...running(2), abortedAt: 'x' }, observed)).toEqual([
      expect.objectContaining({ kind: 'setHeaderRoutes', routes: [] }),
    ]);
  });

  it('has nothing to report without header routes', () => {
    const plain = specOf(aRollout().build());
    expect(headerRouteProblems(plain, world(aRoute('web-route', [other])))).toEqual([]);
  });
});

describe('the condition on the rollout', () => {
  it('says why a header step waits, and the step does not advance', () => {
    const sim = deployedSimulation(abRollout(setTesters, { pause: {} }).build());
    sim.world.routeRules = {
      spec: {
        rules: [
          { name: 'kulta-testers-0', backendRefs: [{ name: 'legacy' }] },
          ...(sim.world.routeRules.spec as { rules: JsonObject[] }).rules,
        ],
      },
    };
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.status.currentStepIndex).toBe(1);
    const condition = sim.status.conditions?.find((c) => c.type === 'TrafficRoutingReady');
    expect(condition).toMatchObject({ status: 'False', reason: 'RoutingProblem' });
    expect(condition?.message).toContain('a rule named "kulta-testers-0" that KULTA does not own');
  });
});
