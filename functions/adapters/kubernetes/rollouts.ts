// RolloutStore on the Kubernetes API: fresh reads, status commits with a resourceVersion
// precondition, the active label the tick lists by.
import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { activeLabel } from '../../core/rollout/types.ts';
import type { RolloutStatus } from '../../core/rollout/types.ts';
import type { RolloutRef, RolloutStore } from '../../ports.ts';
import { classify, isNotFound } from './errors.ts';

export const rolloutApi = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' } as const;

export class KubernetesRolloutStore implements RolloutStore {
  readonly #api: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
  }

  async get(ref: RolloutRef): Promise<unknown> {
    try {
      return (await this.#api.getNamespacedCustomObject({ ...rolloutApi, ...ref })) as unknown;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classify(error, `reading Rollout ${ref.namespace}/${ref.name}`);
    }
  }

  async commitStatus(
    ref: RolloutRef,
    resourceVersion: string,
    status: RolloutStatus,
  ): Promise<string> {
    try {
      const body = {
        apiVersion: `${rolloutApi.group}/${rolloutApi.version}`,
        kind: 'Rollout',
        metadata: { name: ref.name, namespace: ref.namespace, resourceVersion },
        status,
      };
      const written = (await this.#api.replaceNamespacedCustomObjectStatus({
        ...rolloutApi,
        ...ref,
        body,
      })) as { metadata?: { resourceVersion?: string } };
      return written.metadata?.resourceVersion ?? '';
    } catch (error) {
      throw classify(error, `writing status of Rollout ${ref.namespace}/${ref.name}`);
    }
  }

  async setActive(ref: RolloutRef, active: boolean): Promise<void> {
    try {
      await this.#api.patchNamespacedCustomObject(
        {
          ...rolloutApi,
          ...ref,
          body: { metadata: { labels: { [activeLabel]: active ? 'true' : null } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw classify(error, `labelling Rollout ${ref.namespace}/${ref.name}`);
    }
  }

  async list(options: { namespace?: string; labelSelector?: string }): Promise<unknown[]> {
    try {
      const selector = options.labelSelector ? { labelSelector: options.labelSelector } : {};
      const result = (
        options.namespace
          ? await this.#api.listNamespacedCustomObject({
              ...rolloutApi,
              namespace: options.namespace,
              ...selector,
            })
          : await this.#api.listClusterCustomObject({ ...rolloutApi, ...selector })
      ) as { items?: unknown[] };
      return result.items ?? [];
    } catch (error) {
      throw classify(error, 'listing Rollouts');
    }
  }
}
