// The tick function: on each PingSource ping, find the rollouts that need a visit and hand
// each to reconcile. Only ACTIVE rollouts are listed (a label reconcile maintains), so its cost
// follows active rollouts, not all; a resync ping also lists rollouts whose spec changed unseen.
import { activeLabel } from '../core/rollout/types.ts';
import type { RolloutRef, RolloutStore } from '../ports.ts';
import { InvalidInputError } from '../runtime/errors.ts';
import type { Incoming } from '../runtime/incoming.ts';
import type { Logger } from '../runtime/logger.ts';

export interface TickDeps {
  readonly rollouts: RolloutStore;
  /** Hands one rollout to reconcile: as an event through the sink, or directly when local. */
  readonly dispatch: (ref: RolloutRef, tickId: string) => Promise<void>;
}

interface ListedRollout {
  readonly metadata?: {
    readonly namespace?: string;
    readonly name?: string;
    readonly generation?: number;
  };
  /** An integer; a string from KULTA before it wrote integers (kstatus reads integers only). */
  readonly status?: { readonly observedGeneration?: number | string };
}

function refOf(item: ListedRollout): RolloutRef | undefined {
  const { namespace, name } = item.metadata ?? {};
  return namespace && name ? { namespace, name } : undefined;
}

/** Rollouts whose spec moved on without reconcile seeing it (events are not replayed). */
function unseen(item: ListedRollout): boolean {
  return String(item.metadata?.generation ?? '') !== String(item.status?.observedGeneration ?? '');
}

export async function dueRollouts(rollouts: RolloutStore, resync: boolean): Promise<RolloutRef[]> {
  const active = (await rollouts.list({ labelSelector: `${activeLabel}=true` })) as ListedRollout[];
  const refs = new Map<string, RolloutRef>();
  const add = (item: ListedRollout): void => {
    const ref = refOf(item);
    if (ref) refs.set(`${ref.namespace}/${ref.name}`, ref);
  };
  active.forEach(add);
  if (resync) ((await rollouts.list({})) as ListedRollout[]).filter(unseen).forEach(add);
  return [...refs.values()];
}

export function createTickHandler(deps: TickDeps) {
  return async (event: Incoming, log: Logger): Promise<void> => {
    if (event.kind !== 'ping') {
      throw new InvalidInputError(`tick takes PingSource events, not ${event.kind} events`);
    }
    const resync = event.data.resync === true;
    const due = await dueRollouts(deps.rollouts, resync);
    for (const ref of due) await deps.dispatch(ref, event.id);
    log.debug({ due: due.length, resync }, 'tick');
  };
}
