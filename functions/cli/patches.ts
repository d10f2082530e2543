// The operator's patches, the same as `kubectl argo rollouts` sends (DESIGN.md §3): pure
// functions from the Rollout as read to merge patches of spec and of the status subresource.
import { isObject, obj, str } from '../core/rollout/json-read.ts';
import { parseStatus } from '../core/rollout/parse.ts';
import type { Json, JsonObject } from '../core/rollout/types.ts';
import type { PatchAction } from './args.ts';

/** Merge patches for the Rollout and its status subresource; either may be absent. */
export interface RolloutPatches {
  readonly spec?: JsonObject;
  readonly status?: JsonObject;
  /** Sent with the spec patch: the write fails with 409 if the Rollout changed since it was read. */
  readonly resourceVersion?: string;
  /** What was done, for the person: "promoted (pause conditions cleared)". */
  readonly done: string;
}

/** Nothing to do: the message says why (exit 0, nothing written). */
export interface NothingToDo {
  readonly nothing: string;
}

function canarySteps(rollout: JsonObject): number | undefined {
  const canary = obj(obj(rollout.spec).strategy).canary;
  if (!isObject(canary)) return undefined;
  return Array.isArray(canary.steps) ? canary.steps.length : 0;
}

/** A canary with steps left skips its current one (Argo: currentStepIndex + 1). */
function skipStep(steps: number, index: number): RolloutPatches | undefined {
  if (index >= steps) return undefined;
  const next = index + 1;
  return {
    status: { pauseConditions: null, currentStepIndex: next },
    done: `promoted: step ${String(index)} skipped, on to step ${String(next)}`,
  };
}

/**
 * `promote`: unpause (spec.paused) and clear the pause conditions; a canary that is not paused
 * skips its current step instead (status.currentStepIndex + 1), as Argo's CLI does.
 * `promote --full`: status.promoteFull, unless the current revision is already stable.
 */
export function promotePatches(rollout: JsonObject, full: boolean): RolloutPatches | NothingToDo {
  const status = parseStatus(rollout);
  if (full) {
    if (status.currentPodHash !== undefined && status.currentPodHash === status.stableRS) {
      return { nothing: `revision ${status.currentPodHash} is already fully promoted` };
    }
    return { status: { promoteFull: true }, done: 'promoted fully (status.promoteFull)' };
  }
  const spec = obj(rollout.spec).paused === true ? { paused: false } : undefined;
  const withSpec = spec ? { spec } : {};
  if ((status.pauseConditions ?? []).length > 0) {
    return { ...withSpec, status: { pauseConditions: null }, done: 'promoted (pause cleared)' };
  }
  const skip = skipStep(canarySteps(rollout) ?? 0, status.currentStepIndex ?? 0);
  if (skip) return { ...withSpec, ...skip };
  if (spec) return { spec, done: 'promoted (unpaused)' };
  return { nothing: 'it is not paused and has no step left to skip' };
}

/** abort, retry, pause, resume, restart: one fixed patch each (restart is stamped `now`). */
export function actionPatches(action: PatchAction, now: Date): RolloutPatches {
  switch (action) {
    case 'abort':
      return { status: { abort: true }, done: 'aborted: traffic goes back to stable' };
    case 'retry':
      return { status: { abort: false }, done: 'retried: the canary starts again' };
    case 'pause':
      return { spec: { paused: true }, done: 'paused' };
    case 'resume':
      return { spec: { paused: false }, done: 'resumed' };
    case 'restart': {
      // Whole seconds, as Argo writes it (metav1.Time).
      const at = new Date(Math.floor(now.getTime() / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
      return {
        spec: { restartAt: at },
        done: `restarting: pods created before ${at} are replaced`,
      };
    }
  }
}

const containerLists = ['initContainers', 'containers', 'ephemeralContainers'] as const;

function withImages(
  list: Json | undefined,
  images: readonly { container: string; image: string }[],
  matched: Set<string>,
): Json[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const next = list.map((c) => {
    if (!isObject(c)) return c;
    const name = str(c.name) ?? '';
    const wanted = images.find((i) => i.container === name || i.container === '*');
    if (!wanted) return c;
    matched.add(wanted.container);
    return c.image === wanted.image ? c : { ...c, image: wanted.image };
  });
  return next.some((c, i) => c !== list[i]) ? next : undefined;
}

function containerNames(podSpec: JsonObject): string[] {
  return containerLists.flatMap((key) => {
    const list = podSpec[key];
    return Array.isArray(list) ? list.map((c) => str(obj(c).name) ?? '') : [];
  });
}

/**
 * `set image`: the container lists of spec.template with the new images (a merge patch replaces
 * a list whole, so each changed list is sent whole), fenced by the resourceVersion read.
 */
export function setImagePatch(
  rollout: JsonObject,
  images: readonly { container: string; image: string }[],
): RolloutPatches | NothingToDo {
  const podSpec = obj(obj(obj(rollout.spec).template).spec);
  const matched = new Set<string>();
  const lists: JsonObject = {};
  for (const key of containerLists) {
    const next = withImages(podSpec[key], images, matched);
    if (next) lists[key] = next;
  }
  const missing = images.filter((i) => !matched.has(i.container)).map((i) => i.container);
  if (missing.length > 0) {
    throw new PatchError(
      `has no container named ${missing.map((m) => `"${m}"`).join(', ')}; its containers are: ${containerNames(podSpec).join(', ')} (or use *=IMAGE for all)`,
    );
  }
  if (Object.keys(lists).length === 0)
    return { nothing: 'every named container already runs that image' };
  const resourceVersion = str(obj(rollout.metadata).resourceVersion);
  return {
    spec: { template: { spec: lists } },
    ...(resourceVersion ? { resourceVersion } : {}),
    done: `image set: ${images.map((i) => `${i.container}=${i.image}`).join(', ')}`,
  };
}

/** A patch that cannot be made from what the Rollout is: the message completes "Rollout ns/name …". */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}
