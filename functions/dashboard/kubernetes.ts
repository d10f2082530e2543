// The dashboard's ports on the Kubernetes API. Reading: the shared read model (functions/view)
// plus the timeline's sources the view leaves out (status.outbox, the Rollout's Kubernetes
// Events). Acting: the `kulta` CLI's own operator commands, so both send the same patches.
import type { KubeConfig } from '@kubernetes/client-node';
import { classify, statusCode } from '../adapters/kubernetes/errors.ts';
import { OperationError, operate } from '../cli/operate.ts';
import { obj } from '../core/rollout/json-read.ts';
import type { RolloutRef } from '../ports.ts';
import {
  listRollouts,
  readRollout,
  readRolloutDetail,
  RolloutNotFoundError,
  type RolloutDetail,
  type RolloutSummary,
  type ViewClients,
  viewClients,
} from '../view/rollout-detail.ts';
import {
  ConflictError,
  InvalidInputError,
  StalledError,
  TransientError,
} from '../runtime/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import type { DashboardDeps } from './app.ts';
import type { RolloutAction, RolloutOperator, RolloutReader } from './ports.ts';
import { buildTimeline, type TimelineEntry } from './timeline.ts';

/** What the rollout page receives. */
export interface DashboardDetail {
  readonly rollout: RolloutDetail;
  /** Newest transition first. */
  readonly timeline: readonly TimelineEntry[];
}

const eventApi = { group: 'events.k8s.io', version: 'v1', plural: 'events' } as const;

export class KubernetesRolloutReader implements RolloutReader {
  readonly #clients: ViewClients;

  constructor(kc: KubeConfig) {
    this.#clients = viewClients(kc);
  }

  list(namespace: string | undefined): Promise<RolloutSummary[]> {
    return listRollouts(this.#clients, namespace);
  }

  async detail(ref: RolloutRef): Promise<DashboardDetail | undefined> {
    try {
      const [rollout, raw, events] = await Promise.all([
        readRolloutDetail(this.#clients, ref.namespace, ref.name),
        // The view leaves the outbox out of its status; the timeline shows what it holds.
        readRollout(this.#clients, ref.namespace, ref.name),
        this.#events(ref),
      ]);
      const outbox = obj(raw.status).outbox;
      const timeline = buildTimeline({
        uid: rollout.uid,
        history: rollout.history,
        outbox: Array.isArray(outbox) ? outbox : [],
        events,
      });
      return { rollout, timeline };
    } catch (error) {
      if (error instanceof RolloutNotFoundError) return undefined;
      throw error;
    }
  }

  /** The Events regarding the Rollout (events.k8s.io/v1), as the transition recorder wrote them. */
  async #events(ref: RolloutRef): Promise<unknown[]> {
    try {
      const list = (await this.#clients.custom.listNamespacedCustomObject({
        ...eventApi,
        namespace: ref.namespace,
        fieldSelector: `regarding.kind=Rollout,regarding.name=${ref.name}`,
      })) as { items?: unknown[] };
      return list.items ?? [];
    } catch (error) {
      throw classify(error, `listing the Events of Rollout ${ref.namespace}/${ref.name}`);
    }
  }
}

/** A refused write as a handling policy, from the API's status code behind the CLI's message. */
export function operationPolicy(error: OperationError): Error {
  const code = statusCode(error.cause);
  const options = { cause: error };
  if (code === 409) return new ConflictError(error.message, options);
  if (code === 401 || code === 403) return new StalledError(error.message, options);
  if (code === 400 || code === 422) return new InvalidInputError(error.message, options);
  return new TransientError(error.message, options);
}

export class KubernetesRolloutOperator implements RolloutOperator {
  readonly #clients: ViewClients;

  constructor(kc: KubeConfig) {
    this.#clients = viewClients(kc);
  }

  async act(ref: RolloutRef, action: RolloutAction): Promise<string> {
    const command =
      action === 'promote'
        ? { kind: action, name: ref.name, full: false }
        : { kind: action, name: ref.name };
    try {
      return await operate(this.#clients, ref.namespace, command, new Date());
    } catch (error) {
      throw error instanceof OperationError ? operationPolicy(error) : error;
    }
  }
}

/** The dashboard's dependencies on a cluster: reader and operator on one kubeconfig. */
export function kubernetesDashboardDeps(
  kc: KubeConfig,
  logger: Logger,
  stream?: DashboardDeps['stream'],
): DashboardDeps {
  return {
    reader: new KubernetesRolloutReader(kc),
    operator: new KubernetesRolloutOperator(kc),
    logger,
    ...(stream ? { stream } : {}),
  };
}
