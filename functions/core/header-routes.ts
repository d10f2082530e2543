// Header routes (A/B routing, Argo's setHeaderRoute): which are in force, as a function of spec and
// committed status, the actions that put exactly those on each HTTPRoute, whether the routes
// carry them, and what keeps a route from taking them. The rule editing is in header-rules.ts.
import type { Action } from './actions.ts';
import { headerRuleName, limitProblem, nameTaken } from './header-rules.ts';
import type { Observed, ObservedHeaderRoutes, ObservedRoute, ObservedRule } from './observed.ts';
import { canonicalJson } from './rollout/hash.ts';
import type { HeaderRoute, RolloutSpec, RolloutStatus } from './rollout/types.ts';

const none: ObservedHeaderRoutes = { recorded: [], intact: true, rules: [] };

/** The header routes the steps up to `index` leave in force, in managedRoutes order. */
function foldSteps(spec: RolloutSpec, index: number): HeaderRoute[] {
  const active = new Map<string, HeaderRoute>();
  for (const step of spec.canary.steps.slice(0, index + 1)) {
    if (step.kind !== 'setHeaderRoute') continue;
    if (step.match.length === 0) active.delete(step.name);
    else active.set(step.name, { name: step.name, match: step.match });
  }
  const order = spec.canary.trafficRouting?.managedRoutes ?? [];
  return order.map((name) => active.get(name)).filter((r) => r !== undefined);
}

/**
 * The header routes in force: those the steps so far set (the last setting of a name wins, one
 * without match removes it) while a canary runs and is not aborted; none otherwise, so promotion
 * and abort remove them.
 */
export function desiredHeaderRoutes(spec: RolloutSpec, status: RolloutStatus): HeaderRoute[] {
  const canaryRunning =
    status.currentPodHash !== undefined && status.currentPodHash !== status.stableRS;
  if (!canaryRunning || status.abortedAt !== undefined) return [];
  return foldSteps(spec, status.currentStepIndex ?? 0);
}

/** The header routes for one HTTPRoute: none unless it takes header routes. */
function wantedOn(spec: RolloutSpec, route: string, desired: readonly HeaderRoute[]) {
  return spec.canary.trafficRouting?.headerRoutes.includes(route) === true ? desired : [];
}

/** True when the route has exactly KULTA's rules for `wanted` (and something to copy them from). */
export function routeCarries(route: ObservedRoute, wanted: readonly HeaderRoute[]): boolean {
  const seen = route.headerRoutes ?? none;
  if (!seen.intact || canonicalJson(seen.recorded as never) !== canonicalJson(wanted as never)) {
    return false;
  }
  return wanted.length === 0 || seen.rules.some((r) => r.splits && !r.owned);
}

function observedRoute(spec: RolloutSpec, observed: Observed, name: string) {
  const namespace = spec.canary.trafficRouting?.namespace;
  return observed.routes.find((r) => r.name === name && r.namespace === namespace);
}

/** True when every HTTPRoute carries exactly the header routes in force (a step may go on). */
export function headerRoutesInPlace(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): boolean {
  const desired = desiredHeaderRoutes(spec, status);
  return (spec.canary.trafficRouting?.httpRoutes ?? []).every((name) => {
    const route = observedRoute(spec, observed, name);
    const wanted = wantedOn(spec, name, desired);
    if (!route?.exists) return wanted.length === 0;
    return routeCarries(route, wanted);
  });
}

/**
 * The setHeaderRoutes actions that bring every HTTPRoute to the header routes in force. A route
 * that cannot take them (see headerRouteProblems) gets only removals, never a failing write.
 */
export function headerRouteActions(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
): Action[] {
  const routing = spec.canary.trafficRouting;
  const { stableService, canaryService } = spec.canary;
  if (!routing || !stableService || !canaryService) return [];
  const desired = desiredHeaderRoutes(spec, status);
  return routing.httpRoutes.flatMap((name): Action[] => {
    const route = observedRoute(spec, observed, name);
    const wanted = wantedOn(spec, name, desired);
    if (!route?.exists || routeCarries(route, wanted)) return [];
    if (wanted.length > 0 && routeProblem(spec, route) !== undefined) return [];
    return [
      {
        kind: 'setHeaderRoutes',
        namespace: routing.namespace,
        route: name,
        stableService,
        canaryService,
        routes: wanted,
      },
    ];
  });
}

/** The header routes the steps ever put in force together (each step's set, deduplicated). */
function stepSets(spec: RolloutSpec): HeaderRoute[][] {
  const sets = new Map<string, HeaderRoute[]>();
  spec.canary.steps.forEach((_, i) => {
    const set = foldSteps(spec, i);
    if (set.length > 0) sets.set(set.map((r) => r.name).join(','), set);
  });
  return [...sets.values()];
}

/** The rules a route would have with `routes` in force (KULTA's current rules replaced). */
function rulesWith(rules: readonly ObservedRule[], routes: readonly HeaderRoute[]): ObservedRule[] {
  const theirs = rules.filter((r) => !r.owned);
  const headers = Math.max(0, ...routes.map((r) => r.match.length));
  const added = theirs
    .filter((r) => r.splits)
    .flatMap((r) =>
      routes.map(() => ({ ...r, owned: true, splits: false, maxHeaders: r.maxHeaders + headers })),
    );
  return [...theirs, ...added];
}

/** Why this route cannot take the spec's header routes, if it cannot. */
function routeProblem(spec: RolloutSpec, route: ObservedRoute): string | undefined {
  const rules = (route.headerRoutes ?? none).rules;
  const theirs = rules.filter((r) => !r.owned);
  const splits = theirs.filter((r) => r.splits).length;
  const sets = stepSets(spec);
  if (sets.length === 0) return undefined;
  if (splits === 0) {
    return 'no rule splits traffic between the stable and canary Services, so there is nothing to copy header rules from: put both backendRefs in the rule that serves the app';
  }
  const names = new Set(sets.flat().map((r) => r.name));
  for (const name of names) {
    for (let n = 0; n < splits; n += 1) {
      const rule = headerRuleName(name, n);
      if (theirs.some((r) => r.name === rule)) return nameTaken(rule);
    }
  }
  for (const set of sets) {
    const problem = limitProblem(rulesWith(rules, set));
    if (problem !== undefined) {
      return `with header routes ${set.map((r) => r.name).join(', ')} ${problem}: use fewer header routes at once or fewer rules`;
    }
  }
  return undefined;
}

/** What keeps the HTTPRoutes from taking the spec's header routes (TrafficRoutingReady). */
export function headerRouteProblems(spec: RolloutSpec, observed: Observed): string[] {
  const routing = spec.canary.trafficRouting;
  if (!routing) return [];
  return routing.headerRoutes.flatMap((name) => {
    const route = observedRoute(spec, observed, name);
    const problem = route?.exists === true ? routeProblem(spec, route) : undefined;
    return problem === undefined ? [] : [`HTTPRoute ${routing.namespace}/${name}: ${problem}`];
  });
}
