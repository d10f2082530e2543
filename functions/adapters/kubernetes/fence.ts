// Fencing: every owned write carries the rollout's uid and transition counter in an
// annotation; a writer whose transition is older than the one on the object does nothing, so a
// slow, stale instance can never move traffic backwards or re-open traffic after an abort.
import { fnv1a32 } from '../../core/rollout/hash.ts';
import type { Fence } from '../../ports.ts';

const prefix = 'fence.kulta.io/';

/**
 * One annotation key per rollout (`<namespace>.<name>`), so several rollouts, from any
 * namespace, can share an HTTPRoute.
 */
export function fenceKey(fence: Fence): string {
  const name = `${fence.rollout.namespace}.${fence.rollout.name}`;
  // Annotation names are at most 63 characters; long ones keep a hashed suffix.
  if (name.length <= 63) return `${prefix}${name}`;
  return `${prefix}${name.slice(0, 54)}-${fnv1a32(name).toString(16).padStart(8, '0')}`;
}

export function fenceAnnotations(fence: Fence): Record<string, string> {
  return { [fenceKey(fence)]: `${fence.uid}/${String(fence.transition)}` };
}

/** True when the object was written by a newer transition of the same rollout. */
export function isFencedOut(
  annotations: Readonly<Record<string, string>> | undefined,
  fence: Fence,
): boolean {
  const value = annotations?.[fenceKey(fence)];
  if (!value) return false;
  const [uid, counter] = value.split('/');
  if (uid !== fence.uid) return false;
  return Number(counter) > fence.transition;
}

/** The controller ownerReference of everything a rollout creates (garbage-collected with it). */
export function rolloutOwnerReference(fence: Fence) {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    name: fence.rollout.name,
    uid: fence.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
