// World = f(spec, committed status, now): the ReplicaSets, Service selectors and route weights
// the committed status stands for, as the actions that bring the observed world there.
import type { Action } from '../actions.ts';
import { abortScaleDownDue } from '../abort.ts';
import type { Observed, ObservedReplicaSet } from '../observed.ts';
import type { JsonObject, Rollout, RolloutSpec, RolloutStatus } from '../rollout/types.ts';
import { headerRouteActions } from '../header-routes.ts';
import { committedWeight, findReplicaSet } from './decide.ts';
import { podMetadataActions } from './pod-metadata.ts';
import {
  desiredCanaryReplicas,
  desiredStableReplicas,
  type RollingCounts,
  rollingStep,
} from './replicas.ts';

export const hashLabel = 'rollouts-pod-template-hash';

export function replicaSetName(rollout: string, hash: string): string {
  return `${rollout}-${hash}`;
}

/** Desired replicas per pod-template hash; hashes not listed go to 0. */
/** Canary and stable replicas a canary in progress stands for (before rolling limits). */
function canaryCounts(spec: RolloutSpec, status: RolloutStatus, now: string): RollingCounts {
  const aborted = status.abortedAt !== undefined;
  const scaledDown = abortScaleDownDue(status, now);
  const canary = scaledDown ? 0 : desiredCanaryReplicas(spec, status.currentStepIndex ?? 0);
  const stable = aborted
    ? spec.replicas
    : desiredStableReplicas(spec, canary, committedWeight(status));
  return { canary, stable };
}

function desiredReplicas(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): Map<string, number> {
  const { stableRS: stable, currentPodHash: current } = status;
  if (!stable || !current) return new Map();
  if (stable === current) return new Map([[stable, spec.replicas]]);
  const counts = canaryCounts(spec, status, now);
  const next =
    !spec.canary.trafficRouting && status.abortedAt === undefined
      ? rollingCounts(spec, status, observed, counts)
      : counts;
  return new Map([
    [current, next.canary],
    [stable, next.stable],
  ]);
}

/** Without routing the pods are the traffic: they roll within the limits, or hold when paused. */
function rollingCounts(
  spec: RolloutSpec,
  status: RolloutStatus,
  observed: Observed,
  target: RollingCounts,
): RollingCounts {
  const canaryRs = findReplicaSet(observed, status.currentPodHash);
  const seen = {
    canary: canaryRs?.replicas ?? 0,
    stable: findReplicaSet(observed, status.stableRS)?.replicas ?? 0,
    canaryAvailable: canaryRs?.availableReplicas ?? 0,
  };
  return spec.paused ? seen : rollingStep(spec, target, seen);
}

function podTemplateFor(spec: RolloutSpec, hash: string, isStable: boolean): JsonObject {
  const template = spec.template;
  const metadata = (template.metadata ?? {}) as JsonObject;
  const extra = isStable ? spec.canary.stableMetadata : spec.canary.canaryMetadata;
  return {
    ...template,
    metadata: {
      ...metadata,
      labels: { ...spec.templateMetadata.labels, ...extra.labels, [hashLabel]: hash },
      annotations: { ...spec.templateMetadata.annotations, ...extra.annotations },
    },
  };
}

/** Creates the current revision's ReplicaSet and scales every revision to `desired`. */
export function replicaSetActions(
  rollout: Rollout,
  status: RolloutStatus,
  observed: Observed,
  target: { readonly desired: ReadonlyMap<string, number>; readonly now: string },
): Action[] {
  const { spec, metadata } = rollout;
  const { desired, now } = target;
  const actions: Action[] = [];
  const maxRevision = Math.max(0, ...observed.replicaSets.map((rs) => rs.revision));
  const current = status.currentPodHash;
  if (current && !findReplicaSet(observed, current)) {
    actions.push({
      kind: 'createReplicaSet',
      name: replicaSetName(metadata.name, current),
      podTemplateHash: current,
      revision: maxRevision + 1,
      replicas: desired.get(current) ?? 0,
      template: podTemplateFor(spec, current, current === status.stableRS),
      matchLabels: { ...spec.selector.matchLabels, [hashLabel]: current },
    });
  }
  for (const rs of observed.replicaSets) {
    const want = wantedReplicas(rs, desired, status, now);
    const revision =
      rs.podTemplateHash === current && rs.revision < maxRevision ? maxRevision + 1 : rs.revision;
    if (want !== rs.replicas || revision !== rs.revision) {
      actions.push({ kind: 'scaleReplicaSet', name: rs.name, replicas: want, revision });
    }
  }
  return actions;
}

/** Retiring revisions keep their pods until their scale-down time; others follow `desired`. */
function wantedReplicas(
  rs: ObservedReplicaSet,
  desired: ReadonlyMap<string, number>,
  status: RolloutStatus,
  now: string,
): number {
  const wanted = desired.get(rs.podTemplateHash);
  if (wanted !== undefined) return wanted;
  const retiring = status.retiring?.find((r) => r.podTemplateHash === rs.podTemplateHash);
  if (retiring && now < retiring.scaleDownAt) return rs.replicas;
  return 0;
}

/** Old revisions at 0 replicas beyond revisionHistoryLimit, oldest first. */
export function deletions(rollout: Rollout, status: RolloutStatus, observed: Observed): Action[] {
  const keep = new Set([
    status.stableRS,
    status.currentPodHash,
    ...(status.retiring ?? []).map((r) => r.podTemplateHash),
  ]);
  const old = observed.replicaSets
    .filter((rs) => !keep.has(rs.podTemplateHash) && rs.replicas === 0 && rs.currentReplicas === 0)
    .sort((a, b) => b.revision - a.revision);
  return old
    .slice(rollout.spec.revisionHistoryLimit)
    .map((rs) => ({ kind: 'deleteReplicaSet', name: rs.name }) as const);
}

/** Service name → the revision hash it should select. */
export type ServiceTargets = readonly (readonly [string | undefined, string | undefined])[];

function serviceActions(spec: RolloutSpec, status: RolloutStatus, observed: Observed): Action[] {
  return serviceSelectorActions(
    [
      [spec.canary.stableService, status.stableRS],
      [spec.canary.canaryService, status.currentPodHash],
    ],
    observed,
  );
}

/** Re-points the Services that exist and select another revision. */
export function serviceSelectorActions(targets: ServiceTargets, observed: Observed): Action[] {
  const actions: Action[] = [];
  for (const [service, hash] of targets) {
    if (!service || !hash) continue;
    const seen = observed.services.find((s) => s.name === service);
    if (seen?.exists === true && seen.podTemplateHash !== hash) {
      actions.push({ kind: 'setServiceSelector', service, podTemplateHash: hash });
    }
  }
  return actions;
}

/** The in-progress label as a route should carry it (undefined: disabled). */
function wantedLabel(
  routing: NonNullable<RolloutSpec['canary']['trafficRouting']>,
  inProgress: boolean,
): NonNullable<Extract<Action, { kind: 'setRouteWeights' }>['inProgressLabel']> | undefined {
  const label = routing.inProgressLabel;
  return label ? { ...label, present: inProgress } : undefined;
}

function routeInPlace(route: Observed['routes'][number], canaryWeight: number): boolean {
  return (
    route.consistent &&
    route.canaryWeight === canaryWeight &&
    route.stableWeight === 100 - canaryWeight
  );
}

function labelInPlace(
  route: Observed['routes'][number],
  label: ReturnType<typeof wantedLabel>,
): boolean {
  if (!label) return true;
  return label.present
    ? route.inProgressLabel === label.value
    : route.inProgressLabel === undefined;
}

/**
 * Sets every route's split to `canaryWeight` for the second backend (canary, or preview), and
 * its in-progress label while `inProgress` (a rollout moving traffic on it).
 */
export function routeActions(
  spec: RolloutSpec,
  canaryWeight: number,
  observed: Observed,
  inProgress: boolean,
): Action[] {
  const routing = spec.canary.trafficRouting;
  const { stableService, canaryService } = spec.canary;
  if (!routing || !stableService || !canaryService) return [];
  const label = wantedLabel(routing, inProgress);
  const actions: Action[] = [];
  for (const name of routing.httpRoutes) {
    const route = observed.routes.find((r) => r.name === name && r.namespace === routing.namespace);
    if (!route?.exists || !route.hasStable || !route.hasCanary) continue;
    if (routeInPlace(route, canaryWeight) && labelInPlace(route, label)) continue;
    actions.push({
      kind: 'setRouteWeights',
      namespace: routing.namespace,
      route: name,
      stableService,
      canaryService,
      stableWeight: 100 - canaryWeight,
      canaryWeight,
      ...(label ? { inProgressLabel: label } : {}),
    });
  }
  return actions;
}

/** A canary moves traffic while its revision runs (not aborted), or while weight is on it. */
function canaryInProgress(status: RolloutStatus): boolean {
  const running = status.currentPodHash !== status.stableRS && status.abortedAt === undefined;
  return running || committedWeight(status) > 0;
}

export function isScaleUp(action: Action, observed: Observed): boolean {
  if (action.kind === 'createReplicaSet') return true;
  if (action.kind !== 'scaleReplicaSet') return false;
  const rs = observed.replicaSets.find((r) => r.name === action.name);
  return rs === undefined || action.replicas >= rs.replicas;
}

/**
 * The actions, in a safe order: new pods first; traffic off a canary Service before that
 * Service is re-pointed (a new revision), but a stable Service re-pointed before the route
 * returns to it (a promotion); pods removed last.
 */
export function deriveWorldActions(
  rollout: Rollout,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): Action[] {
  const desired = desiredReplicas(rollout.spec, status, observed, now);
  const rsActions = replicaSetActions(rollout, status, observed, { desired, now });
  const services = serviceActions(rollout.spec, status, observed);
  // Header rules move with the weights: on abort both leave the canary before any scale-down.
  const routes = [
    ...routeActions(rollout.spec, committedWeight(status), observed, canaryInProgress(status)),
    ...headerRouteActions(rollout.spec, status, observed),
  ];
  const canaryRepointed = services.some(
    (a) => a.kind === 'setServiceSelector' && a.service === rollout.spec.canary.canaryService,
  );
  const traffic = canaryRepointed ? [...routes, ...services] : [...services, ...routes];
  return [
    ...rsActions.filter((a) => isScaleUp(a, observed)),
    ...podMetadataActions(rollout.spec, status, observed),
    ...traffic,
    ...rsActions.filter((a) => !isScaleUp(a, observed)),
    ...deletions(rollout, status, observed),
  ];
}
