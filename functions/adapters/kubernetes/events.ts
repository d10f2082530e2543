// Kubernetes Events (events.k8s.io/v1) for each transition, so `kubectl describe rollout` and
// `kubectl events` tell the same story as the CDEvents.
import { hostname } from 'node:os';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { RolloutRef, TransitionRecorder, TransitionNote } from '../../ports.ts';
import { classify, isConflict } from './errors.ts';

const warnings = new Set([
  'aborted',
  'abort-traffic-shifted',
  'abort-traffic-confirmed',
  'rolled-back-to-stable',
  'progress-deadline-exceeded',
  'analysis-failed',
  'analysis-inconclusive',
  'action-failed',
]);

/** "weight-set" → "WeightSet": Event reasons are UpperCamelCase. */
export function eventReason(event: string): string {
  return event
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** MicroTime as the API parses it: RFC 3339 with exactly six fractional digits. */
export function microTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z').replace(/:(\d{2})Z$/, ':$1.000000Z');
}

export class KubernetesTransitionRecorder implements TransitionRecorder {
  readonly #api: CustomObjectsApi;
  readonly #instance = hostname();

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
  }

  async record(ref: RolloutRef, note: TransitionNote): Promise<void> {
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      // One Event per transition and kind: a redelivered step finds it exists and moves on.
      metadata: {
        name: `${ref.name}.${note.uid.slice(0, 8)}.${String(note.transition)}.${note.event}`,
        namespace: ref.namespace,
      },
      eventTime: microTime(note.at),
      reportingController: 'kulta.io/reconcile',
      reportingInstance: this.#instance,
      action: eventReason(note.event),
      reason: eventReason(note.event),
      note: note.message.slice(0, 1000),
      type: warnings.has(note.event) ? 'Warning' : 'Normal',
      regarding: {
        apiVersion: 'kulta.io/v1alpha1',
        kind: 'Rollout',
        name: ref.name,
        namespace: ref.namespace,
        uid: note.uid,
      },
    };
    try {
      await this.#api.createNamespacedCustomObject({
        group: 'events.k8s.io',
        version: 'v1',
        plural: 'events',
        namespace: ref.namespace,
        body,
      });
    } catch (error) {
      if (isConflict(error)) return;
      throw classify(error, `recording Event for ${ref.namespace}/${ref.name}`);
    }
  }
}
