// The local event bridge: turns Kubernetes watches into ApiServerSource-shaped CloudEvents and
// a timer into PingSource-shaped ones, so local runs take the same code path as Knative.
import { randomUUID } from 'node:crypto';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { ceHeaders } from '../adapters/event-sink.ts';
import { apiServerTypes, pingType } from '../runtime/incoming.ts';
import type { Logger } from '../runtime/logger.ts';

/** Delivers one CloudEvent (headers + JSON body) and resolves with the HTTP status. */
export type Deliver = (headers: Record<string, string>, body: string) => Promise<number>;

interface Watched {
  readonly path: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
}

export const watchedResources: readonly Watched[] = [
  {
    path: '/apis/kulta.io/v1alpha1/rollouts',
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    plural: 'rollouts',
  },
  {
    path: '/apis/apps/v1/replicasets',
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
  },
  {
    path: '/apis/kulta.io/v1alpha1/analysisruns',
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisRun',
    plural: 'analysisruns',
  },
];

const phaseAction = { ADDED: 'add', MODIFIED: 'update', DELETED: 'delete' } as const;

interface ObjectMeta {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
}

/** The CloudEvent an ApiServerSource in Resource mode sends for one watch event. */
export function apiServerEvent(
  source: string,
  resource: Watched,
  phase: keyof typeof phaseAction,
  object: ObjectMeta,
): { headers: Record<string, string>; body: string } {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace ?? '';
  const prefix = resource.apiVersion.includes('/')
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  const attributes = {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: apiServerTypes[phaseAction[phase]],
    subject: `${prefix}/namespaces/${namespace}/${resource.plural}/${name}`,
    kind: resource.kind,
    apiversion: resource.apiVersion,
    name,
    namespace,
  };
  return { headers: ceHeaders('application/json', attributes), body: JSON.stringify(object) };
}

export function pingEvent(data: Record<string, unknown>): {
  headers: Record<string, string>;
  body: string;
} {
  const attributes = {
    specversion: '1.0',
    id: randomUUID(),
    source: '/kulta/local/ping',
    type: pingType,
  };
  return { headers: ceHeaders('application/json', attributes), body: JSON.stringify(data) };
}

/**
 * Runs deliveries one at a time per key; events for a key that arrive while it runs collapse
 * into one rerun with the newest event (a step re-reads the object anyway).
 */
export class KeyedQueue {
  readonly #running = new Set<string>();
  readonly #pending = new Map<string, () => Promise<void>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  push(key: string, task: () => Promise<void>): void {
    if (this.#running.has(key)) {
      this.#pending.set(key, task);
      return;
    }
    this.#running.add(key);
    this.#run(key, task).catch((error: unknown) => {
      this.#log.error({ err: error, key }, 'local delivery failed');
    });
  }

  async #run(key: string, first: () => Promise<void>): Promise<void> {
    let task: (() => Promise<void>) | undefined = first;
    try {
      while (task) {
        // A failed delivery must not strand the newer event waiting behind it.
        await task().catch((error: unknown) => {
          this.#log.error({ err: error, key }, 'local delivery failed');
        });
        task = this.#pending.get(key);
        this.#pending.delete(key);
      }
    } finally {
      this.#running.delete(key);
    }
  }

  get idle(): boolean {
    return this.#running.size === 0;
  }
}

/** Statuses the Broker redelivers on (Knative's delivery spec), as knative/triggers.yaml sets it. */
const redeliverOn = new Set([404, 408, 409, 429, 500, 502, 503, 504]);
const redelivery = { retries: 6, firstDelayMs: 500 } as const;

/**
 * A delivery that, like the Broker, tries again with exponential backoff when the function
 * answers a retryable status, unless a newer event for the same object came in meanwhile (its
 * step re-reads the object anyway).
 */
export interface Redelivery {
  readonly queue: KeyedQueue;
  readonly key: string;
  readonly send: () => Promise<number>;
  readonly log: Logger;
  /** False once a newer event for the same object came in: then it is not retried. */
  readonly current: () => boolean;
}

export function redelivering(r: Redelivery, attempt = 0): () => Promise<void> {
  const { queue, key, send, log, current } = r;
  return async () => {
    const status = await send();
    if (status < 300) return;
    log.warn({ status, key, attempt }, 'event not accepted');
    if (!redeliverOn.has(status) || attempt >= redelivery.retries) return;
    const delay = redelivery.firstDelayMs * 2 ** attempt;
    setTimeout(() => {
      if (current()) queue.push(key, redelivering(r, attempt + 1));
    }, delay).unref();
  };
}

/** The path of a watched resource, cluster-wide or in one namespace. */
function watchPath(resource: Watched, namespace: string | undefined): string {
  if (namespace === undefined) return resource.path;
  return resource.path.replace(
    new RegExp(`/${resource.plural}$`),
    `/namespaces/${namespace}/${resource.plural}`,
  );
}

interface WatchOptions {
  /** Watch one namespace only (default: all). */
  readonly namespace?: string;
}

/**
 * Watches each resource forever. A watch that ends (client-node ends one after 30 s without
 * data) resumes from the last resourceVersion it saw, so objects are not announced again: like
 * ApiServerSource, which announces changes, not the objects that already exist. After a 410
 * (an ERROR event: that version is too old) it starts afresh. Returns a stop function.
 */
export function startWatches(
  kc: KubeConfig,
  deliver: Deliver,
  log: Logger,
  options: WatchOptions = {},
): () => void {
  const watch = new Watch(kc);
  const source = kc.getCurrentCluster()?.server ?? 'local';
  const queue = new KeyedQueue(log);
  /** The newest watch event per object, so a retry never follows a newer event. */
  const latest = new Map<string, number>();
  const controllers: AbortController[] = [];
  let stopped = false;
  const onEvent = (resource: Watched, phase: keyof typeof phaseAction, object: ObjectMeta) => {
    const event = apiServerEvent(source, resource, phase, object);
    const key = `${resource.kind}/${event.headers['ce-namespace'] ?? ''}/${event.headers['ce-name'] ?? ''}`;
    const send = (): Promise<number> => deliver(event.headers, event.body);
    const seq = (latest.get(key) ?? 0) + 1;
    latest.set(key, seq);
    const current = (): boolean => latest.get(key) === seq;
    queue.push(key, redelivering({ queue, key, send, log, current }));
  };
  const start = async (resource: Watched, from: string | undefined): Promise<void> => {
    let last = from;
    const path = watchPath(resource, options.namespace);
    const controller = await watch.watch(
      path,
      last === undefined ? {} : { resourceVersion: last },
      (phase: string, object: ObjectMeta) => {
        if (phase === 'ERROR') last = undefined;
        if (!(phase in phaseAction)) return;
        last = object.metadata?.resourceVersion ?? last;
        onEvent(resource, phase as keyof typeof phaseAction, object);
      },
      (error: unknown) => {
        if (stopped) return;
        if (error) log.warn({ err: error, path }, 'watch ended; restarting');
        setTimeout(
          () =>
            void start(resource, last).catch((e: unknown) => {
              log.error({ err: e }, 'watch failed');
            }),
          1000,
        );
      },
    );
    controllers.push(controller);
  };
  for (const resource of watchedResources) {
    start(resource, undefined).catch((error: unknown) => {
      log.error({ err: error, path: resource.path }, 'watch failed');
    });
  }
  return () => {
    stopped = true;
    for (const c of controllers) c.abort();
  };
}

/** Sends a ping every `seconds`, and a resync ping every `resyncSeconds`. Returns a stop function. */
export function startPings(
  deliver: Deliver,
  seconds: number,
  resyncSeconds: number,
  log: Logger,
): () => void {
  let last = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const resync = now - last >= resyncSeconds * 1000;
    if (resync) last = now;
    const event = pingEvent(resync ? { resync: true } : {});
    deliver(event.headers, event.body).catch((error: unknown) => {
      log.error({ err: error }, 'ping failed');
    });
  }, seconds * 1000);
  return () => {
    clearInterval(timer);
  };
}
