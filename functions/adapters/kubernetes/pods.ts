// Pod-level writes of the owned world: restarts (spec.restartAt) and in-place relabelling of a
// revision's pods when its role changes (canaryMetadata / stableMetadata).
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Action } from '../../core/actions.ts';
import { hashLabel } from '../../core/canary/world.ts';
import { selectorString } from '../../core/rollout/parse.ts';
import type { RolloutSpec } from '../../core/rollout/types.ts';
import type { Fence, RolloutRef } from '../../ports.ts';
import { classify, isNotFound, retryOnConflict } from './errors.ts';
import { fenceAnnotations, isFencedOut } from './fence.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * A merge patch for a pod: `want` set, and the keys the template used to have but no longer
 * wants removed (null). Keys the pod got from elsewhere stay.
 */
export function patchOf(
  previousTemplate: Readonly<Record<string, string>> | undefined,
  want: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = { ...want };
  for (const key of Object.keys(previousTemplate ?? {})) if (!(key in want)) patch[key] = null;
  return patch;
}

export class KubernetesPods {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  /**
   * The rollout's pods created before `before`, oldest first. Terminating ones count while they
   * still exist (a restart is done only when they are gone) unless `running` asks for the others.
   */
  async createdBefore(
    ref: RolloutRef,
    spec: RolloutSpec,
    before: string,
    running = false,
  ): Promise<string[]> {
    const limit = Date.parse(before);
    const created = (p: { metadata?: { creationTimestamp?: Date } }): number =>
      p.metadata?.creationTimestamp?.getTime() ?? 0;
    try {
      const pods = await this.#core.listNamespacedPod({
        namespace: ref.namespace,
        labelSelector: selectorString(spec.selector),
      });
      return pods.items
        .filter((p) => p.metadata?.labels?.[hashLabel] !== undefined)
        .filter((p) => created(p) < limit)
        .filter((p) => !running || p.metadata?.deletionTimestamp === undefined)
        .sort((a, b) => created(a) - created(b))
        .map((p) => p.metadata?.name ?? '')
        .filter((n) => n !== '');
    } catch (error) {
      throw classify(error, `listing pods of ${ref.namespace}/${ref.name}`);
    }
  }

  async restart(
    action: Extract<Action, { kind: 'restartPods' }>,
    fence: Fence,
    spec: RolloutSpec,
  ): Promise<void> {
    const namespace = fence.rollout.namespace;
    const names = (await this.createdBefore(fence.rollout, spec, action.before, true)).slice(
      0,
      action.count,
    );
    for (const name of names) {
      try {
        await this.#core.deleteNamespacedPod({ name, namespace });
      } catch (error) {
        if (!isNotFound(error)) throw classify(error, `restarting pod ${namespace}/${name}`);
      }
    }
  }

  /** Relabels a revision in place: its template (future pods) and every pod it runs now. */
  async relabel(action: Extract<Action, { kind: 'setPodMetadata' }>, fence: Fence): Promise<void> {
    const namespace = fence.rollout.namespace;
    const current = await this.#apps.readNamespacedReplicaSet({ name: action.name, namespace });
    if (isFencedOut(current.metadata?.annotations, fence)) return;
    await retryOnConflict(`relabelling ReplicaSet ${namespace}/${action.name}`, async () => {
      const rs = await this.#apps.readNamespacedReplicaSet({ name: action.name, namespace });
      if (!rs.spec?.template || isFencedOut(rs.metadata?.annotations, fence)) return;
      const { labels, annotations } = action;
      rs.spec.template.metadata = {
        ...rs.spec.template.metadata,
        labels: { ...labels },
        annotations: { ...annotations },
      };
      rs.metadata = {
        ...rs.metadata,
        annotations: { ...rs.metadata?.annotations, ...fenceAnnotations(fence) },
      };
      await this.#apps.replaceNamespacedReplicaSet({ name: action.name, namespace, body: rs });
    });
    await this.#relabelPods(namespace, action, current.spec?.template?.metadata ?? {});
  }

  async #relabelPods(
    namespace: string,
    action: Extract<Action, { kind: 'setPodMetadata' }>,
    previous: { labels?: Record<string, string>; annotations?: Record<string, string> },
  ): Promise<void> {
    const labelSelector = `${hashLabel}=${action.podTemplateHash}`;
    const pods = await this.#core.listNamespacedPod({ namespace, labelSelector });
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? '';
      const metadata = {
        labels: patchOf(previous.labels, action.labels),
        annotations: patchOf(previous.annotations, action.annotations),
      };
      try {
        await this.#core.patchNamespacedPod({ name, namespace, body: { metadata } }, mergePatch);
      } catch (error) {
        if (!isNotFound(error)) throw classify(error, `relabelling pod ${namespace}/${name}`);
      }
    }
  }
}
