// The reconcile function's event handler: which Rollout an event is about, then one step.
import type { RolloutRef } from '../ports.ts';
import { removalEvent } from '../core/events.ts';
import { removedEvent } from '../core/removal.ts';
import { MalformedObjectError, parseMetadata, parseStatus } from '../core/rollout/parse.ts';
import { InvalidInputError, TransientError } from '../runtime/errors.ts';
import type { Incoming } from '../runtime/incoming.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Metrics } from '../runtime/metrics.ts';
import { reconcileStep, type StepDeps, type StepOutcome } from '../runtime/step.ts';

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

/** A deleted Rollout: tell the story's end (service.removed); GC removes its ReplicaSets. */
async function announceRemoval(
  deps: StepDeps,
  object: Record<string, unknown>,
  time: string,
  log: Logger,
): Promise<void> {
  if (!deps.events) return;
  let parsed;
  try {
    parsed = { metadata: parseMetadata(object), status: parseStatus(object) };
  } catch (error) {
    if (error instanceof MalformedObjectError)
      throw new InvalidInputError(error.message, { cause: error });
    throw error;
  }
  // A Rollout that carried KULTA's finalizer told its removal before it went.
  if ((parsed.status.history ?? []).some((h) => h.event === removedEvent)) return;
  const event = removalEvent(parsed, parsed.metadata.deletionTimestamp ?? time, deps.events.config);
  const report = await deps.events.sink.deliver([event]);
  const failure = report.failed[0];
  if (failure)
    throw new TransientError(
      `service.removed for ${parsed.metadata.namespace}/${parsed.metadata.name} not delivered: ${failure.error}`,
    );
  log.info(
    { rollout: `${parsed.metadata.namespace}/${parsed.metadata.name}` },
    'Rollout deleted: service.removed sent',
  );
}

/** A sink that turns every event away needs a person: say so loudly, once per step. */
function reportStoppedDelivery(log: Logger, outcome: StepOutcome): void {
  if (outcome.kind !== 'applied' && outcome.kind !== 'noop' && outcome.kind !== 'removing') return;
  const stopped = outcome.delivery?.stoppedBy;
  if (!stopped) return;
  if (stopped.retryable) {
    log.warn({ error: stopped.error }, 'CDEvents wait in the outbox: the sink did not take them');
  } else {
    log.error(
      { error: stopped.error },
      'the event sink refuses every CDEvent (check K_SINK and its credentials); they wait in the outbox',
    );
  }
}

function countDelivery(metrics: Metrics, rollout: string, outcome: StepOutcome): void {
  if (outcome.kind !== 'applied' && outcome.kind !== 'noop' && outcome.kind !== 'removing') return;
  if (outcome.kind === 'removing') metrics.cdeventsDropped.inc(outcome.dropped);
  const { delivery } = outcome;
  if (!delivery) return;
  metrics.cdeventsSent.inc(delivery.sent);
  metrics.cdeventsFailed.inc(delivery.failed);
  metrics.cdeventsDeadLettered.inc(delivery.deadLettered);
  metrics.cdeventsPending.set({ rollout }, delivery.pending);
}

export function createReconcileHandler(deps: StepDeps & { readonly metrics: Metrics }) {
  return async (event: Incoming, log: Logger): Promise<void> => {
    if (event.kind === 'resource' && event.action === 'delete' && event.objectKind === 'Rollout') {
      await announceRemoval(deps, event.object, event.time ?? deps.clock.now(), log);
      return;
    }
    const ref = rolloutFor(event);
    if (!ref) {
      log.debug({ event: event.kind }, 'event concerns no Rollout of ours');
      return;
    }
    const stepLog = log.child({ rollout: `${ref.namespace}/${ref.name}` });
    const end = deps.metrics.stepSeconds.startTimer();
    const notes = {
      eventNotRecorded: (error: unknown, note: { event: string; transition: number }) => {
        deps.metrics.kubernetesEventsFailed.inc();
        stepLog.warn(
          { err: error, event: note.event, transition: note.transition },
          'Kubernetes Event not recorded (the step went on)',
        );
      },
    };
    const outcome = await reconcileStep({ ...deps, notes }, ref);
    end();
    deps.metrics.steps.inc({ outcome: outcome.kind });
    countDelivery(deps.metrics, `${ref.namespace}/${ref.name}`, outcome);
    reportStoppedDelivery(stepLog, outcome);
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
