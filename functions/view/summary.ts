// One line per Rollout for `kulta list rollouts` and the dashboard's list: read from the Rollout
// object alone (no owned objects), so listing costs one request.
import { int, obj, str } from '../core/rollout/json-read.ts';
import { parseStatus } from '../core/rollout/parse.ts';
import type { JsonObject } from '../core/rollout/types.ts';
import { currentStepOf, statusWeights, strategyOf, templateImages } from './build-detail.ts';
import type { RolloutSummary } from './types.ts';

export function summarizeRollout(rollout: JsonObject, now: Date): RolloutSummary {
  const metadata = obj(rollout.metadata);
  const spec = obj(rollout.spec);
  const status = parseStatus(rollout);
  const createdAt = str(metadata.creationTimestamp);
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  const generation = int(metadata.generation, 0);
  // Not yet seen by the controller: the phase is about the previous spec.
  const observed = status.observedGeneration === generation;
  return {
    name: str(metadata.name) ?? '',
    namespace: str(metadata.namespace) ?? '',
    strategy: strategyOf(spec),
    phase: status.phase ?? 'Pending',
    message: status.message,
    observed,
    step: currentStepOf(spec, status),
    weight: statusWeights(status)?.canary,
    images: templateImages(spec.template).map((c) => c.image),
    createdAt,
    ageSeconds: Number.isNaN(created)
      ? undefined
      : Math.max(0, Math.floor((now.getTime() - created) / 1000)),
  };
}
