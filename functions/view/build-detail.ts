// The pure half of the read model: turns a Rollout and what it owns (ReplicaSets, pods,
// HTTPRoutes, AnalysisRuns), as the API returned them, into a RolloutDetail. No I/O; `now` is data.
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { readRouteWeights } from '../core/route-weights.ts';
import { int, isObject, obj, str, stringMap } from '../core/rollout/json-read.ts';
import { parseStatus } from '../core/rollout/parse.ts';
import { parseRouting } from '../core/rollout/parse-routing.ts';
import type { JsonObject, RolloutStatus } from '../core/rollout/types.ts';
import { analysisRunView, analysisVerdicts } from './analysis.ts';
import { stepViews } from './steps.ts';
import type {
  PauseView,
  PodView,
  RevisionRole,
  RevisionView,
  RolloutDetail,
  RouteWeightView,
  StrategyName,
} from './types.ts';

export const hashLabel = 'rollouts-pod-template-hash';
export const revisionAnnotation = 'kulta.io/revision';

/** An HTTPRoute the rollout names, as read: the object, or why there is none. */
export interface RouteRead {
  readonly namespace: string;
  readonly name: string;
  /** Undefined when the route does not exist or could not be read. */
  readonly object: JsonObject | undefined;
  readonly error?: string;
}

export interface DetailInput {
  readonly rollout: JsonObject;
  /** ReplicaSets matching the rollout's selector; those it does not own are ignored. */
  readonly replicaSets: readonly V1ReplicaSet[];
  readonly pods: readonly V1Pod[];
  readonly routes: readonly RouteRead[];
  /** AnalysisRuns labelled with the rollout's name; those it does not own are ignored. */
  readonly analysisRuns: readonly JsonObject[];
}

/** A timestamp as an ISO string, from client-node (Date) or raw JSON (string). */
export function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return str(value);
}

const strategyNames: readonly StrategyName[] = ['canary', 'blueGreen', 'simple'];

export function strategyOf(spec: JsonObject): StrategyName {
  const strategy = obj(spec.strategy);
  return strategyNames.find((name) => isObject(strategy[name])) ?? 'unknown';
}

/** The strategy's Services: stable/canary, or for blue-green active/preview. */
export function strategyServices(spec: JsonObject): {
  stable: string | undefined;
  canary: string | undefined;
} {
  const strategy = obj(spec.strategy);
  if (isObject(strategy.blueGreen)) {
    return {
      stable: str(strategy.blueGreen.activeService),
      canary: str(strategy.blueGreen.previewService),
    };
  }
  const canary = obj(strategy.canary);
  return { stable: str(canary.stableService), canary: str(canary.canaryService) };
}

/** The HTTPRoutes the rollout's traffic routing names (none without the Gateway API plugin). */
export function namedRoutes(
  spec: JsonObject,
  namespace: string,
): { namespace: string; name: string }[] {
  const kind = strategyOf(spec);
  if (kind === 'unknown') return [];
  const strategy = obj(obj(spec.strategy)[kind]);
  if (!isObject(strategy.trafficRouting)) return [];
  const routing = parseRouting(strategy, namespace, [], `spec.strategy.${kind}`);
  return (routing?.httpRoutes ?? []).map((name) => ({
    namespace: routing?.namespace ?? namespace,
    name,
  }));
}

export function templateImages(template: unknown): { container: string; image: string }[] {
  const containers = obj(obj(template).spec).containers;
  if (!Array.isArray(containers)) return [];
  return containers
    .filter(isObject)
    .map((c) => ({ container: str(c.name) ?? '', image: str(c.image) ?? '' }));
}

function ownedBy(
  owners: readonly { uid?: string; controller?: boolean }[] | undefined,
  uid: string,
) {
  return uid === '' || owners?.some((o) => o.uid === uid && o.controller === true) === true;
}

function jsonOwners(object: JsonObject): { uid?: string; controller?: boolean }[] {
  const owners = obj(object.metadata).ownerReferences;
  return Array.isArray(owners)
    ? owners.filter(isObject).map((o) => ({ uid: str(o.uid), controller: o.controller === true }))
    : [];
}

function podView(pod: V1Pod): PodView {
  const statuses = pod.status?.containerStatuses ?? [];
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    createdAt: isoTime(pod.metadata?.creationTimestamp),
    restarts: statuses.reduce((n, s) => n + s.restartCount, 0),
    deleting: pod.metadata?.deletionTimestamp !== undefined,
  };
}

function roleOf(hash: string, status: RolloutStatus, blueGreen: boolean): RevisionRole {
  if (hash === status.stableRS) return blueGreen ? 'active' : 'stable';
  if (hash === status.currentPodHash) return blueGreen ? 'preview' : 'canary';
  return 'old';
}

function podsOf(pods: readonly V1Pod[], rsName: string, hash: string): PodView[] {
  return pods
    .filter((p) => {
      const owners = p.metadata?.ownerReferences?.filter((o) => o.kind === 'ReplicaSet') ?? [];
      if (owners.length > 0) return owners.some((o) => o.name === rsName);
      return p.metadata?.labels?.[hashLabel] === hash;
    })
    .map(podView)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function revisionView(
  rs: V1ReplicaSet,
  input: DetailInput,
  status: RolloutStatus,
  blueGreen: boolean,
): RevisionView {
  const metadata = rs.metadata ?? {};
  const labels = metadata.labels ?? {};
  const annotations = metadata.annotations ?? {};
  const hash = labels[hashLabel] ?? '';
  const name = metadata.name ?? '';
  const counts = { readyReplicas: 0, availableReplicas: 0, ...rs.status };
  return {
    revision: Number(annotations[revisionAnnotation]) || 0,
    podTemplateHash: hash,
    replicaSet: name,
    role: roleOf(hash, status, blueGreen),
    images: templateImages(rs.spec?.template).map((c) => c.image),
    desired: int(rs.spec?.replicas, 0),
    current: int(counts.replicas, 0),
    ready: counts.readyReplicas,
    available: counts.availableReplicas,
    createdAt: isoTime(metadata.creationTimestamp),
    scaleDownAt: status.retiring?.find((r) => r.podTemplateHash === hash)?.scaleDownAt,
    pods: podsOf(input.pods, name, hash),
  };
}

function revisionViews(input: DetailInput, status: RolloutStatus, uid: string): RevisionView[] {
  const blueGreen = strategyOf(obj(input.rollout.spec)) === 'blueGreen';
  return input.replicaSets
    .filter((rs) => ownedBy(rs.metadata?.ownerReferences, uid))
    .map((rs) => revisionView(rs, input, status, blueGreen))
    .sort(
      (a, b) => b.revision - a.revision || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''),
    );
}

function routeViews(input: DetailInput, services: ReturnType<typeof strategyServices>) {
  return input.routes.map((route): RouteWeightView => {
    const base = { namespace: route.namespace, name: route.name, error: route.error };
    if (!route.object || !services.stable || !services.canary) {
      const none = { stable: undefined, canary: undefined, hasStable: false, hasCanary: false };
      return { ...base, found: route.object !== undefined, ...none, consistent: true };
    }
    const w = readRouteWeights(route.object, {
      stableService: services.stable,
      canaryService: services.canary,
    });
    return { ...base, found: true, ...w };
  });
}

function pauseView(spec: JsonObject, status: RolloutStatus, now: Date): PauseView | undefined {
  const conditions = status.pauseConditions ?? [];
  const manual = spec.paused === true;
  if (conditions.length === 0 && !manual && status.controllerPause !== true) return undefined;
  const endsAt = conditions.length > 0 ? status.pauseEndsAt : undefined;
  const left = endsAt === undefined ? undefined : Date.parse(endsAt) - now.getTime();
  return {
    reasons: conditions.map((c) => c.reason),
    manual,
    since: conditions[0]?.startTime,
    endsAt,
    remainingSeconds:
      left === undefined || Number.isNaN(left) ? undefined : Math.max(0, Math.ceil(left / 1000)),
  };
}

function rawSteps(spec: JsonObject): JsonObject[] {
  const steps = obj(obj(obj(spec.strategy).canary)).steps;
  return Array.isArray(steps) ? steps.filter(isObject) : [];
}

/** status.canary.weights as stable/canary numbers. */
export function statusWeights(status: RolloutStatus) {
  const w = status.canary?.weights;
  return w ? { stable: w.stable.weight, canary: w.canary.weight } : undefined;
}

export function currentStepOf(spec: JsonObject, status: RolloutStatus) {
  const count = rawSteps(spec).length;
  const index = status.currentStepIndex;
  return count === 0 || index === undefined ? undefined : { index: Math.min(index, count), count };
}

export function buildRolloutDetail(input: DetailInput, now: Date): RolloutDetail {
  const metadata = obj(input.rollout.metadata);
  const spec = obj(input.rollout.spec);
  const { outbox, ...status } = parseStatus(input.rollout);
  const namespace = str(metadata.namespace) ?? '';
  const uid = str(metadata.uid) ?? '';
  const generation = int(metadata.generation, 0);
  const services = strategyServices(spec);
  const runs = input.analysisRuns
    .filter((r) => ownedBy(jsonOwners(r), uid))
    .map(analysisRunView)
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  return {
    name: str(metadata.name) ?? '',
    namespace,
    uid,
    generation,
    createdAt: str(metadata.creationTimestamp),
    readAt: now.toISOString(),
    strategy: strategyOf(spec),
    spec: {
      replicas: int(spec.replicas, 1),
      paused: spec.paused === true,
      restartAt: str(spec.restartAt),
      selector: stringMap(obj(spec.selector).matchLabels),
      images: templateImages(spec.template),
      stableService: services.stable,
      canaryService: services.canary,
      routes: namedRoutes(spec, namespace),
    },
    phase: status.phase ?? 'Pending',
    message: status.message,
    aborted: status.abort === true,
    observed: status.observedGeneration === generation,
    currentStep: currentStepOf(spec, status),
    steps: stepViews(rawSteps(spec), status),
    weights: { status: statusWeights(status), routes: routeViews(input, services) },
    pause: pauseView(spec, status, now),
    revisions: revisionViews(input, status, uid),
    analysis: { verdicts: analysisVerdicts(status, runs), runs },
    conditions: status.conditions ?? [],
    history: status.history ?? [],
    status,
    outboxPending: outbox?.length ?? 0,
  };
}
