// The reconcile function's event handler: which Rollout an event is about, then one step.
import type { RolloutRef } from '../ports.ts';
import { InvalidInputError } from '../runtime/errors.ts';
import type { Incoming } from '../runtime/incoming.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { reconcileStep, type StepDeps } from '../runtime/step.ts';

interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly controller?: boolean;
}

/** The Rollout that controls an owned object (a ReplicaSet), from its ownerReferences. */
function controllingRollout(object: Record<string, unknown>): string | undefined {
  const metadata = (object.metadata ?? {}) as { ownerReferences?: OwnerReference[] };
  const owner = metadata.ownerReferences?.find(
    (o) =>
      o.controller === true &&
      o.kind === 'Rollout' &&
      o.apiVersion?.startsWith('kulta.io/') === true,
  );
  return owner?.name;
}

/** The Rollout an event concerns, or undefined when it concerns none of ours. */
export function rolloutFor(event: Incoming): RolloutRef | undefined {
  switch (event.kind) {
    case 'due':
      return { namespace: event.namespace, name: event.name };
    case 'ping':
      throw new InvalidInputError('reconcile does not take PingSource events; send them to tick');
    case 'resource': {
      if (event.objectKind === 'Rollout') return { namespace: event.namespace, name: event.name };
      const owner = controllingRollout(event.object);
      return owner ? { namespace: event.namespace, name: owner } : undefined;
    }
  }
}

export function createReconcileHandler(deps: StepDeps & { readonly metrics: Metrics }) {
  return async (event: Incoming, log: Logger): Promise<void> => {
    const ref = rolloutFor(event);
    if (!ref) {
      log.debug({ event: event.kind }, 'event concerns no Rollout of ours');
      return;
    }
    const stepLog = log.child({ rollout: `${ref.namespace}/${ref.name}` });
    const end = deps.metrics.stepSeconds.startTimer();
    const outcome = await reconcileStep(deps, ref);
    end();
    deps.metrics.steps.inc({ outcome: outcome.kind });
    if (outcome.kind === 'applied') {
      stepLog.info(
        {
          transition: outcome.plan.nextStatus.transition,
          event: outcome.plan.event,
          phase: outcome.plan.nextStatus.phase,
          actions: outcome.plan.actions.map((a) => a.kind),
        },
        'step applied',
      );
    } else {
      stepLog.debug({ outcome: outcome.kind }, 'step done');
    }
  };
}
