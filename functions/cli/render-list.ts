// `kulta list rollouts`: one line per Rollout, like `kubectl argo rollouts list rollouts`.
import type { RolloutSummary } from '../view/types.ts';
import { age, phaseText, table } from './format.ts';
import type { Paint } from './paint.ts';

function stepText(s: RolloutSummary): string {
  if (!s.step) return '-';
  const { index, count } = s.step;
  return `${String(Math.min(index + 1, count))}/${String(count)}`;
}

export function renderRolloutList(
  rollouts: readonly RolloutSummary[],
  paint: Paint,
  withNamespace: boolean,
): string[] {
  const header = [
    ...(withNamespace ? ['NAMESPACE'] : []),
    'NAME',
    'STRATEGY',
    'STATUS',
    'STEP',
    'WEIGHT',
    'AGE',
    'IMAGES',
  ];
  const rows = rollouts.map((s) => [
    ...(withNamespace ? [s.namespace] : []),
    s.name,
    s.strategy,
    s.observed ? phaseText(s.phase, paint) : `${phaseText(s.phase, paint)}${paint.yellow('*')}`,
    stepText(s),
    s.weight === undefined ? '-' : `${String(s.weight)}%`,
    s.ageSeconds === undefined ? '-' : age(s.ageSeconds),
    s.images.join(','),
  ]);
  const footnote = rollouts.some((s) => !s.observed)
    ? [paint.dim('* the controller has not yet observed the newest spec of this rollout')]
    : [];
  return [...table([header.map((h) => paint.dim(h)), ...rows]), ...footnote];
}
