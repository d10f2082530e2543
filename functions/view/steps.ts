// Steps as people read them: a short label per raw spec step, and where the rollout is with each.
import { isObject, obj, str } from '../core/rollout/json-read.ts';
import type { JsonObject, RolloutStatus } from '../core/rollout/types.ts';
import type { StepView } from './types.ts';

function pauseLabel(pause: unknown): string {
  const duration = obj(pause).duration;
  if (typeof duration === 'number') return `pause ${String(duration)}s`;
  if (typeof duration === 'string') return `pause ${duration}`;
  return 'pause (until promoted)';
}

function canaryScaleLabel(scale: unknown): string {
  const s = obj(scale);
  if (s.matchTrafficWeight === true) return 'setCanaryScale matchTrafficWeight';
  if (typeof s.replicas === 'number') return `setCanaryScale ${String(s.replicas)} replicas`;
  if (typeof s.weight === 'number') return `setCanaryScale ${String(s.weight)}%`;
  return 'setCanaryScale';
}

function analysisLabel(analysis: unknown): string {
  const templates = obj(analysis).templates;
  const names = Array.isArray(templates)
    ? templates.map((t) => str(obj(t).templateName)).filter((n) => n !== undefined)
    : [];
  return names.length > 0 ? `analysis ${names.join(', ')}` : 'analysis';
}

/** "setWeight 20%", "pause 3s", "pause (until promoted)", "analysis error-rate", … */
export function stepLabel(step: JsonObject): string {
  const [kind] = Object.keys(step);
  if (kind === undefined) return '(empty step)';
  const value = step[kind];
  switch (kind) {
    case 'setWeight':
      return typeof value === 'number' ? `setWeight ${String(value)}%` : 'setWeight';
    case 'pause':
      return pauseLabel(value);
    case 'setCanaryScale':
      return canaryScaleLabel(value);
    case 'analysis':
      return analysisLabel(value);
    default: {
      // setHeaderRoute, setMirrorRoute, …: their name says which route rule they set.
      const name = isObject(value) ? str(value.name) : undefined;
      return name === undefined ? kind : `${kind} ${name}`;
    }
  }
}

function stateOf(index: number, current: number | undefined): StepView['state'] {
  if (current === undefined) return 'pending';
  if (index < current) return 'done';
  return index === current ? 'current' : 'pending';
}

/** The steps of the spec with their state and their times from status.stepHistory. */
export function stepViews(steps: readonly JsonObject[], status: RolloutStatus): StepView[] {
  const current = status.currentStepIndex;
  return steps.map((step, index) => {
    const state = stateOf(index, current);
    // A pending step's record, if any, is from an earlier revision's attempt.
    const record =
      state === 'pending'
        ? undefined
        : (status.stepHistory ?? []).findLast((r) => r.index === index);
    return {
      index,
      label: stepLabel(step),
      kind: Object.keys(step)[0] ?? '',
      state,
      startedAt: record?.startedAt,
      finishedAt: record?.finishedAt,
      durationSeconds: record?.durationSeconds,
    };
  });
}
