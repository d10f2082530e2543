// Hands a due rollout to reconcile as a CloudEvent (binary mode) POSTed to the sink, which is
// the Knative Broker in a cluster: the broker fans the work out over reconcile instances.
import { ceHeaders } from '../adapters/event-sink.ts';
import type { RolloutRef } from '../ports.ts';
import { TransientError } from '../runtime/errors.ts';
import { dueType } from '../runtime/incoming.ts';

export function dueEventHeaders(
  ref: RolloutRef,
  tickId: string,
  extensions: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const attributes = {
    specversion: '1.0',
    id: `${tickId}:${ref.namespace}/${ref.name}`,
    source: '/kulta/tick',
    type: dueType,
    subject: `${ref.namespace}/${ref.name}`,
  };
  return ceHeaders('application/json', attributes, extensions);
}

/** Due events to the sink, with the sink's CloudEvent extensions (K_CE_OVERRIDES) applied. */
export function sinkDispatcher(
  sink: string,
  extensions: Readonly<Record<string, string>> = {},
  timeoutMs = 5_000,
) {
  return async (ref: RolloutRef, tickId: string): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(sink, {
        method: 'POST',
        headers: dueEventHeaders(ref, tickId, extensions),
        body: JSON.stringify(ref),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TransientError(
        `sending due event for ${ref.namespace}/${ref.name} to ${sink}: ${String(error)}`,
        { cause: error },
      );
    }
    await response.body?.cancel();
    if (!response.ok) {
      throw new TransientError(
        `sink ${sink} answered ${String(response.status)} to the due event for ${ref.namespace}/${ref.name}`,
      );
    }
  };
}
