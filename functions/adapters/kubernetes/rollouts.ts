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
  readonly #pageSize: number;

  /** `pageSize`: Rollouts per list request (default 500). */
  constructor(kc: KubeConfig, options: { readonly pageSize?: number } = {}) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.#pageSize = options.pageSize ?? 500;
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

  /**
   * Lists in pages (500 Rollouts by default), keeping of each Rollout only what the tick reads (its name,
   * namespace, generation, labels and status.observedGeneration): a resync over thousands of
   * Rollouts then never holds them whole.
   */
  async list(options: { namespace?: string; labelSelector?: string }): Promise<unknown[]> {
    const items: unknown[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#page(options, token);
        items.push(...(page.items ?? []).map(listedRollout));
        // The last page has no continue token (or an empty one).
        const next = page.metadata?.continue;
        token = next === undefined || next === '' ? undefined : next;
      } while (token !== undefined);
      return items;
    } catch (error) {
      throw classify(error, 'listing Rollouts');
    }
  }

  async #page(
    options: { namespace?: string; labelSelector?: string },
    token: string | undefined,
  ): Promise<{ items?: unknown[]; metadata?: { continue?: string } }> {
    const query = {
      ...rolloutApi,
      limit: this.#pageSize,
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      ...(token ? { _continue: token } : {}),
    };
    return (await (options.namespace
      ? this.#api.listNamespacedCustomObject({ ...query, namespace: options.namespace })
      : this.#api.listClusterCustomObject(query))) as {
      items?: unknown[];
      metadata?: { continue?: string };
    };
  }
}

interface RawRollout {
  readonly metadata?: {
    readonly name?: unknown;
    readonly namespace?: unknown;
    readonly generation?: unknown;
    readonly labels?: unknown;
  };
  readonly status?: { readonly observedGeneration?: unknown };
}

/** The part of a listed Rollout the tick reads. */
function listedRollout(item: unknown): unknown {
  const { metadata = {}, status = {} } = (item ?? {}) as RawRollout;
  return {
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      generation: metadata.generation,
      labels: metadata.labels,
    },
    status: { observedGeneration: status.observedGeneration },
  };
}
