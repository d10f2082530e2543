// The blue-green state machine: the new revision comes up behind the preview Service, is
// analysed and (optionally) waits for promote, then the active Service and route switch to it in
// one transition; a post-promotion analysis can still switch back while the old one runs.
import { addSeconds } from '../duration.ts';
import { retireOld } from '../retiring.ts';
import {
  abortCauseOf,
  abortConfirmed,
  clearedAbort,
  confirmAbort,
  describeAbortCause,
  scaleDownNote,
} from '../abort.ts';
import { createRun, decideRun, findRun, tag } from '../canary/analysis.ts';
import { findReplicaSet, type Decision, type DecideInput } from '../canary/decide.ts';
import type { Action } from '../actions.ts';
import type { Observed } from '../observed.ts';
import {
  PauseReason,
  type BlueGreenStatus,
  type BlueGreenStrategy,
  type RolloutMeta,
  type RolloutSpec,
  type RolloutStatus,
} from '../rollout/types.ts';
import { routingProblems } from '../routing.ts';

const unchanged = (status: RolloutStatus): Decision => ({ status, event: undefined, message: '' });

const noPause = { pauseConditions: undefined, controllerPause: undefined, pauseEndsAt: undefined };

const noAbort = clearedAbort;

function strategyOf(spec: RolloutSpec): BlueGreenStrategy {
  if (!spec.blueGreen) throw new Error('blue-green planner called for another strategy');
  return spec.blueGreen;
}

/** The run of the pre-promotion analysis, once the preview is ready and until the switch. */
export function preRunName(meta: RolloutMeta, status: RolloutStatus): string | undefined {
  const b = status.blueGreen;
  const hash = status.currentPodHash;
  if (!hash || b?.previewReadyAt === undefined || b.attemptStartedAt === undefined)
    return undefined;
  if (b.switchedAt !== undefined || hash === status.stableRS) return undefined;
  return `${meta.name}-${hash}-pre-${tag(b.attemptStartedAt)}`;
}

/** The run of the post-promotion analysis, from the switch until the revision is stable. */
export function postRunName(meta: RolloutMeta, status: RolloutStatus): string | undefined {
  const b = status.blueGreen;
  const hash = status.currentPodHash;
  if (!hash || b?.switchedAt === undefined || b.attemptStartedAt === undefined) return undefined;
  if (hash === status.stableRS || b.activeSelector !== hash) return undefined;
  return `${meta.name}-${hash}-post-${tag(b.attemptStartedAt)}`;
}

/** The AnalysisRuns the committed status stands for. */
export function wantedBlueGreenRuns(
  meta: RolloutMeta,
  spec: RolloutSpec,
  status: RolloutStatus,
): Action[] {
  const bg = strategyOf(spec);
  const pre = preRunName(meta, status);
  const post = postRunName(meta, status);
  const runs: Action[] = [];
  const at = { status, template: spec.templateMetadata };
  if (pre && bg.prePromotionAnalysis && status.promoteFull !== true) {
    runs.push(createRun(meta, { name: pre, role: 'prePromotion' }, bg.prePromotionAnalysis, at));
  }
  if (post && bg.postPromotionAnalysis && status.promoteFull !== true) {
    runs.push(createRun(meta, { name: post, role: 'postPromotion' }, bg.postPromotionAnalysis, at));
  }
  return runs;
}

/** Pods the new revision should have now: the preview size until scaled up for the switch. */
export function previewReplicas(spec: RolloutSpec, status: RolloutStatus): number {
  const b = status.blueGreen;
  const full = b?.scaleUpPreviewCheckPoint === true || b?.activeSelector === status.currentPodHash;
  const preview = strategyOf(spec).previewReplicaCount;
  return full || preview === undefined ? spec.replicas : Math.min(preview, spec.replicas);
}

function serviceAt(observed: Observed, name: string | undefined, hash: string | undefined) {
  if (name === undefined) return true;
  return observed.services.find((s) => s.name === name)?.podTemplateHash === hash;
}

/** The first revision, or a template reverted to the stable one: both Services select it. */
function adopt(input: DecideInput, event: 'deployed' | 'rolled-back-to-stable'): Decision {
  const { status, currentHash, now } = input;
  const dropped = status.currentPodHash;
  return {
    event,
    message:
      event === 'deployed'
        ? `revision ${currentHash} deployed as active`
        : `back to active revision ${currentHash}; preview ${dropped ?? ''} dropped`,
    status: {
      ...status,
      ...noPause,
      ...noAbort,
      currentPodHash: currentHash,
      stableRS: currentHash,
      promoteFull: undefined,
      lastProgressAt: now,
      retiring: (status.retiring ?? []).filter((r) => r.podTemplateHash !== currentHash),
      blueGreen: { activeSelector: currentHash, previewSelector: currentHash },
    },
  };
}

/** A new pod template: it comes up behind the preview Service; active stays on stable. */
function startPreview(input: DecideInput, event: 'revision-started' | 'retried'): Decision {
  const { status, currentHash, now } = input;
  const stable = status.stableRS ?? currentHash;
  return {
    event,
    message:
      event === 'retried'
        ? `rollout retried: revision ${currentHash} back in preview`
        : `new revision ${currentHash}: preview next to active ${stable}`,
    status: {
      ...status,
      ...noPause,
      ...noAbort,
      currentPodHash: currentHash,
      promoteFull: undefined,
      lastProgressAt: now,
      blueGreen: { activeSelector: stable, previewSelector: currentHash, attemptStartedAt: now },
    },
  };
}

/** True when traffic has left the new revision: Services and routes back on stable. */
function backOnStable(input: DecideInput): boolean {
  const { spec, status, observed } = input;
  const stable = status.stableRS;
  const routing = spec.canary.trafficRouting;
  const routesBack =
    routing === undefined ||
    routing.httpRoutes.every((name) => {
      const route = observed.routes.find(
        (r) => r.name === name && r.namespace === routing.namespace,
      );
      return route?.exists === true && route.consistent && (route.canaryWeight ?? 0) === 0;
    });
  return (
    routesBack &&
    serviceAt(observed, spec.canary.stableService, stable) &&
    serviceAt(observed, spec.canary.canaryService, stable)
  );
}

/** Abort: both Services and the route back to stable, then the new revision's countdown. */
function decideAbort(input: DecideInput): Decision | undefined {
  const { spec, status, now } = input;
  const stable = status.stableRS ?? input.currentHash;
  if (status.abort === true && status.abortedAt === undefined) {
    const cause = abortCauseOf(status);
    return {
      event: 'aborted',
      message: `rollout aborted (${describeAbortCause(cause)}); active and preview Services go back to ${stable}`,
      status: {
        ...status,
        ...noPause,
        abortedAt: now,
        abortCause: cause,
        blueGreen: {
          ...status.blueGreen,
          activeSelector: stable,
          previewSelector: stable,
          switchedAt: undefined,
        },
      },
    };
  }
  if (status.abort === true) {
    if (abortConfirmed(status) || !backOnStable(input)) return unchanged(status);
    const delay = spec.canary.abortScaleDownDelaySeconds;
    return {
      event: 'abort-traffic-confirmed',
      message: `Services and routes are back on ${stable}; the new revision: ${scaleDownNote(delay)}`,
      status: confirmAbort(status, delay, now),
    };
  }
  if (status.abortedAt !== undefined) return startPreview(input, 'retried');
  return undefined;
}

function sizedAndAvailable(input: DecideInput): boolean {
  const rs = findReplicaSet(input.observed, input.status.currentPodHash);
  const want = previewReplicas(input.spec, input.status);
  return rs?.replicas === want && rs.availableReplicas >= want;
}

/** The preview reached its size behind the preview Service: analysis and pause start now. */
function previewReady(input: DecideInput, bg: BlueGreenStrategy): Decision {
  const { status, now } = input;
  const waitForPromote = !bg.autoPromotionEnabled;
  const seconds = bg.autoPromotionSeconds;
  const pause = waitForPromote || (seconds !== undefined && seconds > 0);
  const until = !waitForPromote && seconds ? addSeconds(now, seconds) : undefined;
  const hash = status.currentPodHash ?? '';
  return {
    event: pause ? 'paused' : 'preview-ready',
    message: pause
      ? `preview ${hash} is ready; paused ${until ? `until ${until}` : 'until promoted'}`
      : `preview ${hash} is ready`,
    status: {
      ...status,
      lastProgressAt: now,
      blueGreen: { ...status.blueGreen, previewReadyAt: now },
      ...(pause
        ? {
            controllerPause: true,
            pauseConditions: [{ reason: PauseReason.BlueGreenPause, startTime: now }],
            pauseEndsAt: until,
          }
        : {}),
    },
  };
}

type Gate = { readonly passed: true } | { readonly passed: false; readonly decision: Decision };

const passed: Gate = { passed: true };

/** Promoted past an inconclusive verdict: the operator cleared its pause. */
function promotedPastInconclusive(status: RolloutStatus, summary: string | undefined): boolean {
  return (
    summary === 'Inconclusive' &&
    status.controllerPause === true &&
    (status.pauseConditions ?? []).length === 0
  );
}

/** An analysis gate: passes on Successful (or promote after Inconclusive). */
function analysisGate(
  input: DecideInput,
  name: string | undefined,
  slot: 'prePromotionAnalysisRunStatus' | 'postPromotionAnalysisRunStatus',
): Gate {
  const { status } = input;
  const run = findRun(input.observed, name);
  const decision = decideRun(status, run, slot, input.now);
  if (decision) return { passed: false, decision };
  const summary = status.blueGreen?.[slot]?.status;
  if (summary === 'Successful' || promotedPastInconclusive(status, summary)) return passed;
  return { passed: false, decision: unchanged(status) };
}

/** The pause of the preview: ends at autoPromotionSeconds, or when promote clears it. */
function pauseGate(input: DecideInput): Gate {
  const { status, now } = input;
  if ((status.pauseConditions ?? []).length === 0) return passed;
  if (status.pauseEndsAt !== undefined && Date.parse(now) >= Date.parse(status.pauseEndsAt)) {
    return {
      passed: false,
      decision: {
        event: 'resumed',
        message: 'autoPromotionSeconds passed: promoting',
        status: { ...status, ...noPause, controllerPause: true },
      },
    };
  }
  return { passed: false, decision: unchanged(status) };
}

/** The switch: active Service (and route) to the new revision, in one transition. */
function switchOver(input: DecideInput, bg: BlueGreenStrategy): Decision {
  const { status, now } = input;
  const hash = status.currentPodHash ?? input.currentHash;
  const blueGreen: BlueGreenStatus = { ...status.blueGreen, activeSelector: hash, switchedAt: now };
  const switched: RolloutStatus = { ...status, ...noPause, lastProgressAt: now, blueGreen };
  if (!bg.postPromotionAnalysis || status.promoteFull === true) return complete(input, switched);
  return {
    event: 'switched',
    message: `active Service switched to ${hash}; the post-promotion analysis decides whether it stays`,
    status: switched,
  };
}

/** The new revision is stable; the previous one retires after scaleDownDelaySeconds. */
function complete(input: DecideInput, status: RolloutStatus): Decision {
  const { spec, now } = input;
  const hash = status.currentPodHash ?? input.currentHash;
  const old = status.stableRS;
  const delay = spec.canary.scaleDownDelaySeconds;
  const retiring = retireOld(spec, status.retiring, { hash, old, now });
  return {
    event: 'promoted',
    message: `revision ${hash} promoted to active; ${old ?? ''} scales down in ${String(delay)}s`,
    status: {
      ...status,
      ...noPause,
      stableRS: hash,
      promoteFull: undefined,
      retiring,
      lastProgressAt: now,
      blueGreen: { ...status.blueGreen, previewSelector: hash },
    },
  };
}

/** What must pass before the switch (promote --full skips it): pre-promotion analysis, pause. */
function promotionGate(input: DecideInput, bg: BlueGreenStrategy): Gate {
  if (input.status.promoteFull === true) return passed;
  if (bg.prePromotionAnalysis) {
    const name = preRunName(input.meta, input.status);
    const analysis = analysisGate(input, name, 'prePromotionAnalysisRunStatus');
    if (!analysis.passed) return analysis;
  }
  return pauseGate(input);
}

/** Before the switch: preview size, readiness, analysis, pause, scale-up, then the switch. */
function decidePreview(input: DecideInput, bg: BlueGreenStrategy): Decision {
  const { spec, status, observed } = input;
  const b = status.blueGreen;
  const previewOnNew = serviceAt(observed, spec.canary.canaryService, status.currentPodHash);
  if (b?.previewReadyAt === undefined) {
    const ready = sizedAndAvailable(input) && previewOnNew;
    return ready && routingProblems(spec, observed).length === 0
      ? previewReady(input, bg)
      : unchanged(status);
  }
  const gate = promotionGate(input, bg);
  if (!gate.passed) return gate.decision;
  if (b.scaleUpPreviewCheckPoint !== true && previewReplicas(spec, status) < spec.replicas) {
    return {
      event: 'preview-scaled-up',
      message: `preview scaled to ${String(spec.replicas)} pods for the switch`,
      status: { ...status, ...noPause, blueGreen: { ...b, scaleUpPreviewCheckPoint: true } },
    };
  }
  return sizedAndAvailable(input) ? switchOver(input, bg) : unchanged(status);
}

/** After the switch: the post-promotion analysis keeps the new revision, or aborts. */
function decideAfterSwitch(input: DecideInput): Decision {
  const { status } = input;
  if (status.promoteFull === true) return complete(input, status);
  const gate = analysisGate(
    input,
    postRunName(input.meta, status),
    'postPromotionAnalysisRunStatus',
  );
  return gate.passed ? complete(input, status) : gate.decision;
}

/** The transition this step makes, if any. Bookkeeping (history, counts, phase) is elsewhere. */
export function decideBlueGreen(input: DecideInput): Decision {
  const { status, currentHash } = input;
  const bg = strategyOf(input.spec);
  if (status.stableRS === undefined) return adopt(input, 'deployed');
  if (status.currentPodHash !== currentHash) {
    return currentHash === status.stableRS
      ? adopt(input, 'rolled-back-to-stable')
      : startPreview(input, 'revision-started');
  }
  const aborting = decideAbort(input);
  if (aborting) return aborting;
  if (status.currentPodHash === status.stableRS || input.spec.paused) return unchanged(status);
  const switched = status.blueGreen?.activeSelector === status.currentPodHash;
  return switched ? decideAfterSwitch(input) : decidePreview(input, bg);
}
