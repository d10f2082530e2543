// KULTA's header rules on HTTPRoutes through the Kubernetes API: observed with the route, and
// written as #setRouteWeights writes weights: read, edit (core/header-rules.ts), replace with the
// resourceVersion read, retried on conflict, fenced, with the rollout's ownership record.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { Action } from '../../core/actions.ts';
import {
  headerRecordKey,
  headerRecordValue,
  observeHeaderRules,
  readHeaderRecord,
  withHeaderRules,
} from '../../core/header-rules.ts';
import type { ObservedHeaderRoutes } from '../../core/observed.ts';
import type { JsonObject } from '../../core/rollout/types.ts';
import type { RouteBackends } from '../../core/route-weights.ts';
import type { Fence, RolloutRef } from '../../ports.ts';
import { StalledError } from '../../runtime/errors.ts';
import { retryOnConflict } from './errors.ts';
import { fenceAnnotations, isFencedOut } from './fence.ts';

type Annotations = Record<string, string>;

const routeApi = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  plural: 'httproutes',
} as const;

function annotationsOf(route: JsonObject): Annotations | undefined {
  return (route.metadata as { annotations?: Annotations } | undefined)?.annotations;
}

/** The header rules `rollout` has on `route` (read with it by the world's observation). */
export function observedHeaderRoutes(
  route: JsonObject,
  backends: RouteBackends,
  rollout: RolloutRef,
): ObservedHeaderRoutes {
  const key = headerRecordKey(rollout.namespace, rollout.name);
  return observeHeaderRules(route, backends, readHeaderRecord(annotationsOf(route), key));
}

function sameAnnotations(a: Annotations | undefined, b: Annotations): boolean {
  const before = a ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(b)]);
  return [...keys].every((k) => before[k] === b[k]);
}

/**
 * Makes KULTA's header rules on the route exactly those of the action. A rule name that belongs
 * to someone else, or a route the rules would push past the API's limits, needs a person: the
 * route is left as it is and the step reports it (the planner normally sees it first).
 */
export async function setHeaderRoutes(
  custom: CustomObjectsApi,
  read: (namespace: string, name: string) => Promise<JsonObject | undefined>,
  action: Extract<Action, { kind: 'setHeaderRoutes' }>,
  fence: Fence,
): Promise<void> {
  const { namespace, route: name } = action;
  const key = headerRecordKey(fence.rollout.namespace, fence.rollout.name);
  const backends = { stableService: action.stableService, canaryService: action.canaryService };
  await retryOnConflict(`updating HTTPRoute ${namespace}/${name}`, async () => {
    const route = await read(namespace, name);
    if (!route) return;
    const before = annotationsOf(route);
    if (isFencedOut(before, fence)) return;
    const record = readHeaderRecord(before, key);
    const edit = withHeaderRules(route, backends, action.routes, record.rules);
    if (!edit.ok) {
      throw new StalledError(`header routes on HTTPRoute ${namespace}/${name}: ${edit.problem}`);
    }
    const value = headerRecordValue({ rules: edit.owned, routes: action.routes });
    const others = Object.entries(before ?? {}).filter(([k]) => k !== key);
    const annotations: Annotations = {
      ...Object.fromEntries(others),
      ...fenceAnnotations(fence),
      ...(value === undefined ? {} : { [key]: value }),
    };
    if (!edit.changed && sameAnnotations(before, annotations)) return;
    const metadata = { ...(edit.route.metadata as JsonObject | undefined), annotations };
    const body = { ...edit.route, metadata };
    await custom.replaceNamespacedCustomObject({ ...routeApi, namespace, name, body });
  });
}
