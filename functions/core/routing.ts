// What only the controller can see about traffic routing: missing Services, missing routes,
// routes without our backends. Each becomes part of the TrafficRoutingReady condition.
import { headerRouteProblems } from './header-routes.ts';
import type { Observed } from './observed.ts';
import type { RolloutSpec } from './rollout/types.ts';

export function routingProblems(spec: RolloutSpec, observed: Observed): string[] {
  return [
    ...serviceProblems(spec, observed),
    ...routeProblems(spec, observed),
    ...headerRouteProblems(spec, observed),
  ];
}

function serviceProblems(spec: RolloutSpec, observed: Observed): string[] {
  const problems: string[] = [];
  const { stableService, canaryService } = spec.canary;
  const [stableRole, canaryRole] =
    spec.strategy === 'blueGreen'
      ? ['blueGreen.activeService', 'blueGreen.previewService']
      : ['canary.stableService', 'canary.canaryService'];
  for (const [role, name] of [
    [stableRole, stableService],
    [canaryRole, canaryService],
  ] as const) {
    if (name && observed.services.find((s) => s.name === name)?.exists !== true) {
      problems.push(`Service "${name}" (spec.strategy.${role}) does not exist: create it`);
    }
  }
  return problems;
}

function routeProblems(spec: RolloutSpec, observed: Observed): string[] {
  const { stableService, canaryService, trafficRouting } = spec.canary;
  if (!trafficRouting) return [];
  const problems: string[] = [];
  for (const name of trafficRouting.httpRoutes) {
    const route = observed.routes.find(
      (r) => r.name === name && r.namespace === trafficRouting.namespace,
    );
    const ref = `HTTPRoute ${trafficRouting.namespace}/${name}`;
    if (!route?.exists) {
      problems.push(
        `${ref} does not exist: create it with backendRefs to "${stableService ?? ''}" and "${canaryService ?? ''}"`,
      );
    } else if (!route.hasStable || !route.hasCanary) {
      const missing = [
        !route.hasStable ? stableService : undefined,
        !route.hasCanary ? canaryService : undefined,
      ]
        .filter(Boolean)
        .join('" and "');
      problems.push(
        `${ref} has no backendRef to "${missing}": add it to the rule that serves this app`,
      );
    }
  }
  return problems;
}
