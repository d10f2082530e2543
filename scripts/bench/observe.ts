// Watching one object from the outside, for end-to-end timings that do not depend on which
// controller runs: a watch is opened (and has delivered the object's current state) BEFORE the
// bench acts, and the time a predicate first holds is taken when the watch event arrives.
// Also the controller processes' memory, from /proc.
import { readFile } from 'node:fs/promises';
import { type KubeConfig, Watch } from '@kubernetes/client-node';

interface Seen {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly status?: Record<string, unknown>;
  readonly spec?: { readonly rules?: readonly { readonly backendRefs?: unknown }[] };
}

/** The fields a timeout message needs: a Rollout's phase and hashes, a route's backends. */
function describe(object: unknown): string {
  const o = (object ?? {}) as Seen;
  const s = o.status ?? {};
  return JSON.stringify({
    resourceVersion: o.metadata?.resourceVersion,
    ...(o.spec?.rules
      ? { backendRefs: o.spec.rules[0]?.backendRefs }
      : {
          phase: s.phase,
          currentPodHash: s.currentPodHash,
          stableRS: s.stableRS,
          abort: s.abort,
          message: s.message,
        }),
  });
}

export interface Observer<T> {
  /** The newest state seen. */
  latest(): T | undefined;
  /** Resolves with performance.now() when `done` first holds for a state after now (or now). */
  until(what: string, done: (object: T) => boolean, timeoutMs?: number): Promise<number>;
  stop(): void;
}

/** Watches `<collection>/<name>` (a collection path such as /apis/g/v/namespaces/ns/things). */
export async function observe<T>(
  kc: KubeConfig,
  collection: string,
  name: string,
): Promise<Observer<T>> {
  let latest: T | undefined;
  const listeners = new Set<(object: T) => void>();
  let stopped = false;
  let controller: AbortController | undefined;
  let ready: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (ready = resolve));
  const start = async (): Promise<void> => {
    controller = await new Watch(kc).watch(
      collection,
      { fieldSelector: `metadata.name=${name}` },
      (phase: string, object: T) => {
        if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
        latest = object;
        ready();
        for (const listener of listeners) listener(object);
      },
      () => {
        if (!stopped) setTimeout(() => void start(), 200);
      },
    );
  };
  await start();
  await Promise.race([first, new Promise((r) => setTimeout(r, 2_000))]);
  return {
    latest: () => latest,
    until: (what, done, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        if (latest !== undefined && done(latest)) {
          resolve(performance.now());
          return;
        }
        const timer = setTimeout(() => {
          listeners.delete(listener);
          const last = describe(latest);
          reject(
            new Error(
              `timed out after ${String(timeoutMs / 1000)}s waiting for ${what}; last seen: ${last}`,
            ),
          );
        }, timeoutMs);
        const listener = (object: T): void => {
          if (!done(object)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(performance.now());
        };
        listeners.add(listener);
      }),
    stop: () => {
      stopped = true;
      controller?.abort();
    },
  };
}

export interface Memory {
  /** Resident set size now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set size over the process's life (VmHWM), MiB. */
  readonly peakMiB: number;
}

const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;

/** VmRSS and VmHWM of a live process; zeros when it has gone. */
export async function memoryOf(pid: number | undefined): Promise<Memory> {
  if (pid === undefined) return { rssMiB: 0, peakMiB: 0 };
  try {
    const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: mib(field('VmRSS')), peakMiB: mib(field('VmHWM')) };
  } catch {
    return { rssMiB: 0, peakMiB: 0 };
  }
}

/** The sum of several processes' memory (a controller and its plugin), and how many live. */
export async function memoryOfAll(
  pids: readonly (number | undefined)[],
): Promise<Memory & { readonly processes: number }> {
  const all = await Promise.all(pids.map(memoryOf));
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    rssMiB: round(all.reduce((s, m) => s + m.rssMiB, 0)),
    peakMiB: round(all.reduce((s, m) => s + m.peakMiB, 0)),
    processes: all.filter((m) => m.rssMiB > 0).length,
  };
}
