// The owned world on the Kubernetes API: observes a rollout's ReplicaSets, Services and
// HTTPRoutes, and applies actions with a resourceVersion precondition and the fence.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { type Action, assertNever } from '../../core/actions.ts';
import { hashLabel } from '../../core/canary/world.ts';
import type {
  Observed,
  ObservedReplicaSet,
  ObservedRoute,
  ObservedService,
} from '../../core/observed.ts';
import { templateImage } from '../../core/events.ts';
import { readRouteWeights, withRouteWeights } from '../../core/route-weights.ts';
import { selectorString } from '../../core/rollout/parse.ts';
import type { JsonObject, PodMetadata, RolloutSpec } from '../../core/rollout/types.ts';
import type { Fence, RolloutRef, World } from '../../ports.ts';
import { classify, isConflict, isNotFound, retryOnConflict } from './errors.ts';
import { fenceAnnotations, fenceKey, isFencedOut, rolloutOwnerReference } from './fence.ts';
import { AnalysisRunLauncher } from './analysis-launch.ts';
import { observedHeaderRoutes, setHeaderRoutes } from './header-routes.ts';
import { gatewaysTookRoute } from './route-status.ts';
import { KubernetesPods } from './pods.ts';

export const revisionAnnotation = 'kulta.io/revision';
const routeApi = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  plural: 'httproutes',
} as const;

function replicaCounts(rs: V1ReplicaSet) {
  const status = rs.status;
  return {
    replicas: rs.spec?.replicas ?? 0,
    currentReplicas: status?.replicas ?? 0,
    readyReplicas: status?.readyReplicas ?? 0,
    availableReplicas: status?.availableReplicas ?? 0,
  };
}

function templateMetadata(rs: V1ReplicaSet): PodMetadata {
  const metadata = rs.spec?.template?.metadata;
  return { labels: { ...metadata?.labels }, annotations: { ...metadata?.annotations } };
}

function toObservedReplicaSet(rs: V1ReplicaSet): ObservedReplicaSet | undefined {
  const metadata = rs.metadata;
  const hash = metadata?.labels?.[hashLabel];
  if (!hash || !metadata.name) return undefined;
  return {
    name: metadata.name,
    podTemplateHash: hash,
    revision: Number(metadata.annotations?.[revisionAnnotation] ?? '0') || 0,
    createdAt: metadata.creationTimestamp?.toISOString() ?? '',
    image: templateImage(rs.spec?.template),
    podMetadata: templateMetadata(rs),
    ...replicaCounts(rs),
  };
}

/** Only rollouts with analysis pay for listing AnalysisRuns. */
function usesAnalysis(spec: RolloutSpec): boolean {
  const bg = spec.blueGreen;
  return (
    spec.canary.analysis !== undefined ||
    spec.canary.steps.some((s) => s.kind === 'analysis') ||
    bg?.prePromotionAnalysis !== undefined ||
    bg?.postPromotionAnalysis !== undefined
  );
}

export class KubernetesWorld implements World {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #pods: KubernetesPods;
  readonly #runs: AnalysisRunLauncher;

  constructor(kc: KubeConfig) {
    this.#runs = new AnalysisRunLauncher(kc);
    this.#pods = new KubernetesPods(kc);
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
  }

  async observe(
    ref: RolloutRef,
    uid: string,
    spec: RolloutSpec,
    restartBefore?: string,
  ): Promise<Observed> {
    const [replicaSets, services, routes, analysisRuns, old] = await Promise.all([
      this.#replicaSets(ref, uid, spec),
      this.#services(ref, spec),
      this.#routes(ref, spec),
      usesAnalysis(spec) ? this.#runs.list(ref, uid) : [],
      restartBefore === undefined ? undefined : this.#pods.createdBefore(ref, spec, restartBefore),
    ]);
    return {
      replicaSets,
      services,
      routes,
      analysisRuns,
      ...(old ? { podsToRestart: old.length } : {}),
    };
  }

  async #replicaSets(
    ref: RolloutRef,
    uid: string,
    spec: RolloutSpec,
  ): Promise<ObservedReplicaSet[]> {
    const labelSelector = selectorString(spec.selector);
    try {
      const list = await this.#apps.listNamespacedReplicaSet({
        namespace: ref.namespace,
        labelSelector,
      });
      return list.items
        .filter((rs) =>
          rs.metadata?.ownerReferences?.some((o) => o.uid === uid && o.controller === true),
        )
        .map(toObservedReplicaSet)
        .filter((rs) => rs !== undefined);
    } catch (error) {
      throw classify(error, `listing ReplicaSets of ${ref.namespace}/${ref.name}`);
    }
  }

  async #services(ref: RolloutRef, spec: RolloutSpec): Promise<ObservedService[]> {
    const names = [spec.canary.stableService, spec.canary.canaryService].filter(
      (n) => n !== undefined,
    );
    return Promise.all(
      names.map(async (name) => {
        try {
          const svc = await this.#core.readNamespacedService({ name, namespace: ref.namespace });
          return { name, exists: true, podTemplateHash: svc.spec?.selector?.[hashLabel] };
        } catch (error) {
          if (isNotFound(error)) return { name, exists: false, podTemplateHash: undefined };
          throw classify(error, `reading Service ${ref.namespace}/${name}`);
        }
      }),
    );
  }

  async #routes(ref: RolloutRef, spec: RolloutSpec): Promise<ObservedRoute[]> {
    const routing = spec.canary.trafficRouting;
    const { stableService, canaryService } = spec.canary;
    if (!routing || !stableService || !canaryService) return [];
    const namespace = routing.namespace;
    return Promise.all(
      routing.httpRoutes.map(async (name): Promise<ObservedRoute> => {
        const route = await this.#readRoute(namespace, name);
        if (!route) {
          return {
            namespace,
            name,
            exists: false,
            hasStable: false,
            hasCanary: false,
            stableWeight: undefined,
            canaryWeight: undefined,
            consistent: true,
          };
        }
        const w = readRouteWeights(route, { stableService, canaryService });
        const key = routing.inProgressLabel?.key;
        const labels = (route.metadata as { labels?: Record<string, string> } | undefined)?.labels;
        const inProgressLabel = key === undefined ? undefined : labels?.[key];
        const headerRoutes = observedHeaderRoutes(route, { stableService, canaryService }, ref);
        return {
          namespace,
          name,
          exists: true,
          hasStable: w.hasStable,
          hasCanary: w.hasCanary,
          stableWeight: w.stable,
          canaryWeight: w.canary,
          // Weights count as in place once the gateways reporting on the route took this spec.
          consistent: w.consistent && gatewaysTookRoute(route),
          headerRoutes,
          ...(inProgressLabel === undefined ? {} : { inProgressLabel }),
        };
      }),
    );
  }

  async #readRoute(namespace: string, name: string): Promise<JsonObject | undefined> {
    try {
      return (await this.#custom.getNamespacedCustomObject({
        ...routeApi,
        namespace,
        name,
      })) as JsonObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classify(error, `reading HTTPRoute ${namespace}/${name}`);
    }
  }

  async apply(action: Action, fence: Fence, spec: RolloutSpec): Promise<void> {
    switch (action.kind) {
      case 'createReplicaSet':
        return this.#createReplicaSet(action, fence, spec);
      case 'scaleReplicaSet':
        return this.#scaleReplicaSet(action, fence);
      case 'deleteReplicaSet':
        return this.#deleteReplicaSet(action.name, fence);
      case 'restartPods':
        return this.#pods.restart(action, fence, spec);
      case 'setPodMetadata':
        return this.#pods.relabel(action, fence);
      case 'createAnalysisRun':
        return this.#runs.create(action, fence);
      case 'terminateAnalysisRun':
        return this.#runs.terminate(action.name, fence);
      case 'setServiceSelector':
        return this.#setServiceSelector(action, fence);
      case 'setRouteWeights':
        return this.#setRouteWeights(action, fence);
      case 'setHeaderRoutes':
        return setHeaderRoutes(this.#custom, (ns, n) => this.#readRoute(ns, n), action, fence);
      default:
        return assertNever(action);
    }
  }

  async #createReplicaSet(
    action: Extract<Action, { kind: 'createReplicaSet' }>,
    fence: Fence,
    spec: RolloutSpec,
  ): Promise<void> {
    const { namespace } = fence.rollout;
    const templateLabels =
      (action.template.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    try {
      await this.#apps.createNamespacedReplicaSet({
        namespace,
        body: {
          metadata: {
            name: action.name,
            labels: templateLabels,
            annotations: {
              [revisionAnnotation]: String(action.revision),
              ...fenceAnnotations(fence),
            },
            ownerReferences: [rolloutOwnerReference(fence)],
          },
          spec: {
            replicas: action.replicas,
            minReadySeconds: spec.minReadySeconds,
            selector: { matchLabels: action.matchLabels },
            template: action.template,
          },
        },
      });
    } catch (error) {
      // Already there: an earlier step created it; the next step scales it from what it sees.
      if (isConflict(error)) return;
      throw classify(error, `creating ReplicaSet ${namespace}/${action.name}`);
    }
  }

  async #scaleReplicaSet(
    action: Extract<Action, { kind: 'scaleReplicaSet' }>,
    fence: Fence,
  ): Promise<void> {
    const namespace = fence.rollout.namespace;
    await retryOnConflict(`scaling ReplicaSet ${namespace}/${action.name}`, async () => {
      const rs = await this.#apps.readNamespacedReplicaSet({ name: action.name, namespace });
      if (isFencedOut(rs.metadata?.annotations, fence)) return;
      rs.spec = { ...rs.spec, replicas: action.replicas } as typeof rs.spec;
      rs.metadata = {
        ...rs.metadata,
        annotations: {
          ...rs.metadata?.annotations,
          [revisionAnnotation]: String(action.revision),
          ...fenceAnnotations(fence),
        },
      };
      await this.#apps.replaceNamespacedReplicaSet({ name: action.name, namespace, body: rs });
    });
  }

  async #deleteReplicaSet(name: string, fence: Fence): Promise<void> {
    const namespace = fence.rollout.namespace;
    try {
      const rs = await this.#apps.readNamespacedReplicaSet({ name, namespace });
      if (isFencedOut(rs.metadata?.annotations, fence)) return;
      await this.#apps.deleteNamespacedReplicaSet({
        name,
        namespace,
        body: { preconditions: { resourceVersion: rs.metadata?.resourceVersion ?? '' } },
      });
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) return;
      throw classify(error, `deleting ReplicaSet ${namespace}/${name}`);
    }
  }

  async #setServiceSelector(
    action: Extract<Action, { kind: 'setServiceSelector' }>,
    fence: Fence,
  ): Promise<void> {
    const namespace = fence.rollout.namespace;
    await retryOnConflict(`updating Service ${namespace}/${action.service}`, async () => {
      const svc = await this.#core.readNamespacedService({ name: action.service, namespace });
      if (isFencedOut(svc.metadata?.annotations, fence)) return;
      if (svc.spec?.selector?.[hashLabel] === action.podTemplateHash) return;
      svc.spec = {
        ...svc.spec,
        selector: { ...svc.spec?.selector, [hashLabel]: action.podTemplateHash },
      };
      svc.metadata = {
        ...svc.metadata,
        annotations: { ...svc.metadata?.annotations, ...fenceAnnotations(fence) },
      };
      await this.#core.replaceNamespacedService({ name: action.service, namespace, body: svc });
    });
  }

  async #setRouteWeights(
    action: Extract<Action, { kind: 'setRouteWeights' }>,
    fence: Fence,
  ): Promise<void> {
    const { namespace, route: name } = action;
    await retryOnConflict(`updating HTTPRoute ${namespace}/${name}`, async () => {
      const route = await this.#readRoute(namespace, name);
      if (!route) return;
      const metadata = (route.metadata ?? {}) as {
        annotations?: Record<string, string>;
        labels?: Record<string, string>;
      };
      if (isFencedOut(metadata.annotations, fence)) return;
      const edited = withRouteWeights(
        route,
        { stableService: action.stableService, canaryService: action.canaryService },
        { stable: action.stableWeight, canary: action.canaryWeight },
      );
      const annotations = { ...metadata.annotations, ...fenceAnnotations(fence) };
      const fenceUnchanged =
        metadata.annotations?.[fenceKey(fence)] === annotations[fenceKey(fence)];
      const labels = withInProgressLabel(metadata.labels, action.inProgressLabel);
      if (!edited && fenceUnchanged && labels === metadata.labels) return;
      const body = {
        ...(edited ?? route),
        metadata: { ...metadata, annotations, ...(labels ? { labels } : {}) },
      };
      if (!labels) delete (body.metadata as { labels?: unknown }).labels;
      await this.#custom.replaceNamespacedCustomObject({ ...routeApi, namespace, name, body });
    });
  }
}

/**
 * The route's labels with the in-progress label set or removed as the action says; the same
 * object when nothing changes (then nothing is written for it).
 */
export function withInProgressLabel(
  labels: Record<string, string> | undefined,
  label: Extract<Action, { kind: 'setRouteWeights' }>['inProgressLabel'],
): Record<string, string> | undefined {
  if (!label) return labels;
  const current = labels?.[label.key];
  if (label.present) {
    return current === label.value ? labels : { ...labels, [label.key]: label.value };
  }
  if (current === undefined || !labels) return labels;
  const rest = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== label.key));
  return Object.keys(rest).length > 0 ? rest : undefined;
}
