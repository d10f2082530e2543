// World = f(spec, committed status, now) for blue-green: both revisions' ReplicaSets, the active
// and preview Services' selectors, and (with trafficRouting) the route's active/preview split.
import type { Action } from '../actions.ts';
import { abortScaleDownDue } from '../abort.ts';
import {
  deletions,
  isScaleUp,
  replicaSetActions,
  routeActions,
  serviceSelectorActions,
} from '../canary/world.ts';
import { podMetadataActions } from '../canary/pod-metadata.ts';
import type { Observed } from '../observed.ts';
import type { Rollout, RolloutSpec, RolloutStatus } from '../rollout/types.ts';
import { previewReplicas, wantedBlueGreenRuns } from './decide.ts';
import { runActions } from '../canary/analysis.ts';

function desiredReplicas(
  spec: RolloutSpec,
  status: RolloutStatus,
  now: string,
): Map<string, number> {
  const { stableRS: stable, currentPodHash: current } = status;
  if (!stable || !current) return new Map();
  if (stable === current) return new Map([[stable, spec.replicas]]);
  const scaledDown = abortScaleDownDue(status, now);
  return new Map([
    [current, scaledDown ? 0 : previewReplicas(spec, status)],
    [stable, spec.replicas],
  ]);
}

/**
 * The route's weight on the preview backend: 100 from the switch until scaleDownDelaySeconds
 * have passed, so the switch is one atomic route edit while the active Service's endpoints
 * catch up; 0 otherwise (then both Services select the new revision, and the route is back on
 * the active backend).
 */
export function previewWeight(spec: RolloutSpec, status: RolloutStatus, now: string): number {
  const b = status.blueGreen;
  const current = status.currentPodHash;
  if (b?.switchedAt === undefined || status.abortedAt !== undefined) return 0;
  if (b.activeSelector !== current || b.previewSelector !== current) return 0;
  const until = Date.parse(b.switchedAt) + spec.canary.scaleDownDelaySeconds * 1000;
  return Date.parse(now) < until ? 100 : 0;
}

export function deriveBlueGreenWorld(
  rollout: Rollout,
  status: RolloutStatus,
  observed: Observed,
  now: string,
): Action[] {
  const { spec } = rollout;
  const desired = desiredReplicas(spec, status, now);
  const rsActions = replicaSetActions(rollout, status, observed, { desired, now });
  const b = status.blueGreen;
  const services = serviceSelectorActions(
    [
      [spec.canary.stableService, b?.activeSelector ?? status.stableRS],
      [spec.canary.canaryService, b?.previewSelector ?? status.currentPodHash],
    ],
    observed,
  );
  const weight = previewWeight(spec, status, now);
  const routes = routeActions(spec, weight, observed, weight > 0);
  // Traffic leaves the preview backend before the preview Service is re-pointed, and reaches it
  // before the active Service is; it returns to the active backend after the active Service moved.
  const previewRepointed = services.some(
    (a) => a.kind === 'setServiceSelector' && a.service === spec.canary.canaryService,
  );
  const traffic =
    previewRepointed || weight > 0 ? [...routes, ...services] : [...services, ...routes];
  const inProgress = status.currentPodHash !== status.stableRS && status.abortedAt === undefined;
  return [
    ...rsActions.filter((a) => isScaleUp(a, observed)),
    ...podMetadataActions(spec, status, observed),
    ...traffic,
    ...rsActions.filter((a) => !isScaleUp(a, observed)),
    ...deletions(rollout, status, observed),
    ...runActions(inProgress ? wantedBlueGreenRuns(rollout.metadata, spec, status) : [], observed),
  ];
}
