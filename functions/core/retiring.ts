// Old revisions waiting out scaleDownDelaySeconds after a promotion (status.retiring), newest
// last. scaleDownDelayRevisionLimit bounds how many wait at once: a promotion that pushes the
// list past it moves the oldest entries' scale-down to now, so the status says when they go.
import { addSeconds } from './duration.ts';
import type { Retiring, RolloutSpec } from './rollout/types.ts';

/**
 * The retiring list after `hash` became stable and `old` (the previous stable, if any) started
 * its delay: `hash` leaves the list, `old` joins it last, and beyond the limit the oldest are due.
 */
export function retireOld(
  spec: RolloutSpec,
  retiring: readonly Retiring[] | undefined,
  change: { readonly hash: string; readonly old: string | undefined; readonly now: string },
): Retiring[] {
  const { hash, old, now } = change;
  const list = [
    ...(retiring ?? []).filter((r) => r.podTemplateHash !== hash && r.podTemplateHash !== old),
    ...(old && old !== hash
      ? [{ podTemplateHash: old, scaleDownAt: addSeconds(now, spec.canary.scaleDownDelaySeconds) }]
      : []),
  ];
  const limit = spec.canary.scaleDownDelayRevisionLimit;
  if (limit === undefined || list.length <= limit) return list;
  const due = list.length - limit;
  return list.map((r, i) => (i < due && r.scaleDownAt > now ? { ...r, scaleDownAt: now } : r));
}
