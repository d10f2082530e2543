// The reading half of the read model: fetches a Rollout and what it owns in parallel (one GET,
// four lists or GETs), then builds the view with the pure half (build-detail.ts).
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { classify, isNotFound } from '../adapters/kubernetes/errors.ts';
import { obj, str, stringMap } from '../core/rollout/json-read.ts';
import type { JsonObject } from '../core/rollout/types.ts';
import { buildRolloutDetail, namedRoutes, type RouteRead } from './build-detail.ts';
import { summarizeRollout } from './summary.ts';
import type { RolloutDetail, RolloutSummary } from './types.ts';

export type * from './types.ts';
export { buildRolloutDetail, type DetailInput, type RouteRead } from './build-detail.ts';
export { summarizeRollout } from './summary.ts';
export { stepLabel } from './steps.ts';

export const rolloutApi = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' } as const;
const routeApi = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  plural: 'httproutes',
} as const;
const runApi = { group: 'kulta.io', version: 'v1alpha1', plural: 'analysisruns' } as const;

/** The API clients the view reads with (a TestKube, or viewClients(kc)). */
export interface ViewClients {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
}

export function viewClients(kc: KubeConfig): ViewClients {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** The Rollout does not exist: the message names it and how to find the right one. */
export class RolloutNotFoundError extends Error {
  override readonly name = 'RolloutNotFoundError';
  constructor(namespace: string, name: string, options?: ErrorOptions) {
    super(
      `Rollout ${namespace}/${name} not found: check the name with \`kulta list rollouts -n ${namespace}\`, or pick the namespace with -n`,
      options,
    );
  }
}

/** A fresh GET of the Rollout as the API returns it. */
export async function readRollout(
  clients: ViewClients,
  namespace: string,
  name: string,
): Promise<JsonObject> {
  try {
    return (await clients.custom.getNamespacedCustomObject({
      ...rolloutApi,
      namespace,
      name,
    })) as JsonObject;
  } catch (error) {
    if (isNotFound(error)) throw new RolloutNotFoundError(namespace, name, { cause: error });
    throw classify(error, `reading Rollout ${namespace}/${name}`);
  }
}

async function readRoute(
  clients: ViewClients,
  ref: { namespace: string; name: string },
): Promise<RouteRead> {
  try {
    const object = (await clients.custom.getNamespacedCustomObject({
      ...routeApi,
      ...ref,
    })) as JsonObject;
    return { ...ref, object };
  } catch (error) {
    if (isNotFound(error)) return { ...ref, object: undefined };
    const message = classify(error, `reading HTTPRoute ${ref.namespace}/${ref.name}`).message;
    return { ...ref, object: undefined, error: message };
  }
}

function selectorOf(rollout: JsonObject): string | undefined {
  const labels = stringMap(obj(obj(obj(rollout.spec).selector)).matchLabels);
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(',') : undefined;
}

async function listOwned(clients: ViewClients, namespace: string, rollout: JsonObject) {
  const selector = selectorOf(rollout);
  const name = str(obj(rollout.metadata).name) ?? '';
  const what = `of Rollout ${namespace}/${name}`;
  // Without a selector the rollout owns no pods; ReplicaSets are still filtered by owner.
  const labelSelector = selector === undefined ? {} : { labelSelector: selector };
  try {
    return await Promise.all([
      clients.apps.listNamespacedReplicaSet({ namespace, ...labelSelector }),
      selector === undefined
        ? Promise.resolve({ items: [] as V1Pod[] })
        : clients.core.listNamespacedPod({ namespace, labelSelector: selector }),
      clients.custom.listNamespacedCustomObject({
        ...runApi,
        namespace,
        labelSelector: `kulta.io/rollout=${name}`,
      }) as Promise<{ items?: JsonObject[] }>,
    ]);
  } catch (error) {
    throw classify(error, `listing ReplicaSets, pods and AnalysisRuns ${what}`);
  }
}

/** Everything a person wants to see about one Rollout, read now. */
export async function readRolloutDetail(
  clients: ViewClients,
  namespace: string,
  name: string,
  now: () => Date = () => new Date(),
): Promise<RolloutDetail> {
  const rollout = await readRollout(clients, namespace, name);
  const routes = namedRoutes(obj(rollout.spec), namespace);
  const [[sets, pods, runs], routeReads] = await Promise.all([
    listOwned(clients, namespace, rollout),
    Promise.all(routes.map((ref) => readRoute(clients, ref))),
  ]);
  const replicaSets: readonly V1ReplicaSet[] = sets.items;
  return buildRolloutDetail(
    { rollout, replicaSets, pods: pods.items, routes: routeReads, analysisRuns: runs.items ?? [] },
    now(),
  );
}

/** Summaries of the Rollouts in a namespace (all namespaces when undefined), by namespace/name. */
export async function listRollouts(
  clients: ViewClients,
  namespace: string | undefined,
  now: () => Date = () => new Date(),
): Promise<RolloutSummary[]> {
  let items: JsonObject[];
  try {
    const list = (await (namespace === undefined
      ? clients.custom.listClusterCustomObject(rolloutApi)
      : clients.custom.listNamespacedCustomObject({ ...rolloutApi, namespace }))) as {
      items?: JsonObject[];
    };
    items = list.items ?? [];
  } catch (error) {
    throw classify(error, `listing Rollouts${namespace === undefined ? '' : ` in ${namespace}`}`);
  }
  const at = now();
  return items
    .map((r) => summarizeRollout(r, at))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
