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
import type { MetadataChange, RolloutRef, RolloutStore } from '../../ports.ts';
import { ConflictError } from '../../runtime/errors.ts';
import { classify, isNotFound, statusCode } from './errors.ts';

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

  /**
   * The finalizer first (its add may be conditional on the resourceVersion the step ended at),
   * then the label, which is unconditional; a lost race for the finalizer is reported last.
   */
  async patchMetadata(ref: RolloutRef, change: MetadataChange): Promise<void> {
    let lost: ConflictError | undefined;
    try {
      if (change.finalizer) await this.#patchFinalizers(ref, change.finalizer);
    } catch (error) {
      if (!(error instanceof ConflictError)) {
        this.#failed(ref, error);
        return;
      }
      lost = error;
    }
    try {
      if (change.active !== undefined) {
        await this.#api.patchNamespacedCustomObject(
          {
            ...rolloutApi,
            ...ref,
            body: { metadata: { labels: { [activeLabel]: change.active ? 'true' : null } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
    } catch (error) {
      this.#failed(ref, error);
    }
    if (lost) throw lost;
  }

  #failed(ref: RolloutRef, error: unknown): void {
    if (isNotFound(error)) return;
    throw classify(error, `patching the metadata of Rollout ${ref.namespace}/${ref.name}`);
  }

  /**
   * A JSON Patch that cannot take anyone else's finalizer: a removal tests the entry it removes,
   * an add to an absent list tests the resourceVersion it was read at (a 409/422 means the
   * object changed: the next step reads it again).
   */
  async #patchFinalizers(
    ref: RolloutRef,
    f: NonNullable<MetadataChange['finalizer']>,
  ): Promise<void> {
    const index = f.current.indexOf(f.name);
    const rv = { op: 'test', path: '/metadata/resourceVersion', value: f.resourceVersion };
    let ops: object[];
    if (f.action === 'remove') {
      if (index < 0) return;
      const path = `/metadata/finalizers/${String(index)}`;
      ops = [
        { op: 'test', path, value: f.name },
        { op: 'remove', path },
      ];
    } else if (index >= 0) {
      return;
    } else {
      ops =
        f.current.length === 0
          ? [rv, { op: 'add', path: '/metadata/finalizers', value: [f.name] }]
          : [{ op: 'add', path: '/metadata/finalizers/-', value: f.name }];
    }
    try {
      await this.#api.patchNamespacedCustomObject(
        { ...rolloutApi, ...ref, body: ops },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (error) {
      // A failed `test` answers 422: the finalizers changed since the read, as a 409 would say.
      if (statusCode(error) === 422) {
        throw new ConflictError(`finalizers of Rollout ${ref.namespace}/${ref.name} changed`, {
          cause: error,
        });
      }
      throw error;
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
