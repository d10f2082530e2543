// Drives reconcile steps from real watch events (Rollouts and ReplicaSets of one namespace),
// as the local runner's bridge does, but one step at a time and in this process: each step's
// wall clock and API requests belong to that step alone. Events for a rollout that arrive
// while it waits collapse into one step (the step re-reads everything anyway), and a 1 s tick
// visits rollouts whose last plan said they are active, as the tick function does.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Plan } from '../../functions/core/plan.ts';
import { reconcileStep, type StepDeps, type StepOutcome } from '../../functions/runtime/step.ts';
import { type ApiRequest, byVerb, type RequestLog, writesIn } from './request-log.ts';

export type Trigger = 'Rollout' | 'ReplicaSet' | 'tick' | 'direct';

export interface StepSample {
  readonly rollout: string;
  /** What the bench was doing (deploy, canary, abort, noop, …). */
  readonly label: string;
  readonly trigger: Trigger;
  readonly outcome: StepOutcome['kind'] | 'error';
  readonly error?: string;
  /** The transition the step made (plan.event), if any. */
  readonly transition?: string;
  readonly actions: readonly string[];
  /** reconcileStep's own wall clock: read, plan, commit, apply. */
  readonly stepMs: number;
  /** First unhandled watch event received → step returned (committed and applied). */
  readonly eventToDoneMs: number;
  /** First unhandled watch event received → status write answered (only when committed). */
  readonly eventToCommitMs?: number;
  /** Watch events folded into this step. */
  readonly events: number;
  readonly requests: number;
  readonly writes: number;
  readonly verbs: Record<string, number>;
  /** The plan, for the bench's own conditions; not written to the results. */
  readonly plan?: Plan;
}

interface Pending {
  readonly at: number;
  readonly trigger: Trigger;
  events: number;
}

interface OwnerRef {
  readonly kind?: string;
  readonly name?: string;
  readonly controller?: boolean;
}

interface WatchedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly resourceVersion?: string;
    readonly ownerReferences?: OwnerRef[];
  };
}

function rolloutOf(kind: 'Rollout' | 'ReplicaSet', object: WatchedObject): string | undefined {
  if (kind === 'Rollout') return object.metadata?.name;
  return object.metadata?.ownerReferences?.find(
    (o) => o.controller === true && o.kind === 'Rollout',
  )?.name;
}

function commitAt(requests: readonly ApiRequest[]): number | undefined {
  return requests.find(
    (r) => r.method === 'PUT' && r.path.includes('/rollouts/') && r.path.endsWith('/status'),
  )?.endedAt;
}

interface StepResult {
  readonly start: number;
  readonly end: number;
  readonly mark: number;
  readonly outcome?: StepOutcome;
  readonly error?: string;
}

/** The sample fields that exist only for some steps. */
function optionalFields(
  r: StepResult,
  plan: Plan | undefined,
  committedAt: number | undefined,
  eventAt: number,
): Partial<StepSample> {
  return {
    ...(r.error === undefined ? {} : { error: r.error }),
    ...(plan?.event === undefined ? {} : { transition: plan.event }),
    ...(committedAt === undefined ? {} : { eventToCommitMs: committedAt - eventAt }),
    ...(plan === undefined ? {} : { plan }),
  };
}

export class SerialDriver {
  readonly samples: StepSample[] = [];
  /** Written into each sample: what the bench is doing now. */
  label = 'setup';
  readonly #deps: StepDeps;
  readonly #log: RequestLog;
  readonly #namespace: string;
  readonly #pending = new Map<string, Pending>();
  readonly #active = new Set<string>();
  readonly #listeners = new Set<(s: StepSample) => void>();
  readonly #controllers: AbortController[] = [];
  #lock: Promise<void> = Promise.resolve();
  #scheduled = false;
  #busy = false;
  #lastStepEnd = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: StepDeps, log: RequestLog, namespace: string) {
    this.#deps = deps;
    this.#log = log;
    this.#namespace = namespace;
  }

  /** Starts the watches (on a kubeconfig whose requests are not counted) and the tick. */
  async start(watchKc: KubeConfig): Promise<void> {
    const watch = new Watch(watchKc);
    const ns = this.#namespace;
    const paths = {
      Rollout: `/apis/kulta.io/v1alpha1/namespaces/${ns}/rollouts`,
      ReplicaSet: `/apis/apps/v1/namespaces/${ns}/replicasets`,
    } as const;
    for (const kind of ['Rollout', 'ReplicaSet'] as const)
      await this.#watch(watch, kind, paths[kind]);
    this.#timer = setInterval(() => {
      for (const name of this.#active) if (!this.#pending.has(name)) this.#push(name, 'tick');
    }, 1000);
  }

  /** Restarts resume from the last resourceVersion: client-node ends quiet watches after 30 s. */
  async #watch(
    watch: Watch,
    kind: 'Rollout' | 'ReplicaSet',
    path: string,
    from?: string,
  ): Promise<void> {
    let last = from;
    const controller = await watch.watch(
      path,
      last === undefined ? {} : { resourceVersion: last },
      (phase: string, object: WatchedObject) => {
        if (phase === 'ERROR') last = undefined; // 410 Gone: start over
        last = object.metadata?.resourceVersion ?? last;
        const name = rolloutOf(kind, object);
        if (name !== undefined && phase !== 'ERROR') this.#push(name, kind);
      },
      () => {
        if (!this.#stopped) setTimeout(() => void this.#watch(watch, kind, path, last), 500);
      },
    );
    this.#controllers.push(controller);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const c of this.#controllers) c.abort();
  }

  #push(name: string, trigger: Trigger): void {
    const pending = this.#pending.get(name);
    if (pending) pending.events += 1;
    else this.#pending.set(name, { at: performance.now(), trigger, events: 1 });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.size === 0) return;
    this.#scheduled = true;
    void this.#exclusive(async () => {
      this.#scheduled = false;
      const next = this.#pending.entries().next();
      if (next.done === true) return;
      const [name, pending] = next.value;
      this.#pending.delete(name);
      await this.#step(name, pending);
      this.#schedule();
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** One step outside the event flow (after the ones already running), e.g. a no-op probe. */
  direct(name: string): Promise<StepSample> {
    return this.#exclusive(() =>
      this.#step(name, { at: performance.now(), trigger: 'direct', events: 0 }),
    );
  }

  async #step(name: string, pending: Pending): Promise<StepSample> {
    this.#busy = true;
    const mark = this.#log.mark();
    const start = performance.now();
    let outcome: StepOutcome | undefined;
    let error: string | undefined;
    try {
      outcome = await reconcileStep(this.#deps, { namespace: this.#namespace, name });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const end = performance.now();
    this.#busy = false;
    this.#lastStepEnd = end;
    const sample = this.#sample(name, pending, {
      start,
      end,
      mark,
      ...(outcome === undefined ? {} : { outcome }),
      ...(error === undefined ? {} : { error }),
    });
    this.samples.push(sample);
    for (const listener of this.#listeners) listener(sample);
    return sample;
  }

  #sample(name: string, pending: Pending, r: StepResult): StepSample {
    const requests = this.#log.since(r.mark);
    const plan = r.outcome && 'plan' in r.outcome ? r.outcome.plan : undefined;
    if (plan?.active === true) this.#active.add(name);
    else if (plan) this.#active.delete(name);
    return {
      rollout: name,
      label: this.label,
      trigger: pending.trigger,
      outcome: r.outcome?.kind ?? 'error',
      actions: r.outcome?.kind === 'applied' ? r.outcome.plan.actions.map((a) => a.kind) : [],
      stepMs: r.end - r.start,
      eventToDoneMs: r.end - pending.at,
      events: pending.events,
      requests: requests.length,
      writes: writesIn(requests),
      verbs: byVerb(requests),
      ...optionalFields(r, plan, commitAt(requests), pending.at),
    };
  }

  /** Resolves with the first step after now for which `done` holds. */
  until(what: string, done: (s: StepSample) => boolean, timeoutMs = 30_000): Promise<StepSample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`timed out after ${String(timeoutMs / 1000)}s waiting for ${what}`));
      }, timeoutMs);
      const listener = (s: StepSample): void => {
        if (!done(s)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(s);
      };
      this.#listeners.add(listener);
    });
  }

  /** Waits until no step ran or waited for `quietMs` (bounded by `timeoutMs`). */
  async quiet(quietMs: number, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const idle = !this.#busy && this.#pending.size === 0;
      if (idle && performance.now() - this.#lastStepEnd >= quietMs) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no quiet moment of ${String(quietMs)} ms within ${String(timeoutMs)} ms`);
  }
}
