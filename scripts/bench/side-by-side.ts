// Bench part "side by side": the same canaries through Argo Rollouts and through KULTA, on the
// same test bed in the same run. Each controller runs as its own process in its own namespace,
// talking to the apiserver through its own counting proxy (proxy.ts), so API requests are
// counted the same way at the wire; timings are taken from outside by watches (observe.ts);
// memory from /proc. The Rollout manifest is the same for both but for `apiVersion`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { build } from 'esbuild';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { type ArgoBinaries, startArgo } from '../../test/bed/argo.ts';
import { freePort, isAlive, stopProcess, waitFor } from '../../test/bed/processes.ts';
import { CanaryApp, rolloutManifest } from '../../test/support/canary-app.ts';
import { kubeClients, loadKubeConfigFile, type TestKube } from '../../test/support/clients.ts';
import { bundleOptions } from '../build-functions.ts';
import { deleteNamespace, recreateNamespace } from '../demo/test-bed.ts';
import { type Memory, memoryOfAll, observe, type Observer } from './observe.ts';
import { type CountingProxy, countBetween, pathsBetween, startCountingProxy } from './proxy.ts';
import { ms, summarize, type Summary } from './stats.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface SideBySideOptions {
  readonly kubeconfig: string;
  /** The test bed's run folder: the proxy serves with its apiserver certificate. */
  readonly testbedDir: string;
  readonly rollouts: number;
  readonly idleSeconds: number;
  readonly logDir: string;
  readonly progress: (line: string) => void;
  /** Argo's binaries, or why Argo is not run. */
  readonly argo: ArgoBinaries | { readonly skipped: string };
}

interface Running {
  pids(): Promise<(number | undefined)[]>;
  stop(): Promise<void>;
}

interface Target {
  readonly name: 'KULTA' | 'Argo Rollouts';
  readonly group: 'kulta.io' | 'argoproj.io';
  /** What runs, for the report. */
  readonly process: string;
  start(kubeconfig: string, namespace: string, logFile: string): Promise<Running>;
}

export interface ControllerResult {
  readonly name: string;
  readonly process: string;
  readonly rollouts: number;
  readonly startupMs: number;
  readonly imageToHealthyMs: Summary;
  readonly abortToZeroMs: Summary;
  /** API requests (through the proxy) from the image change until Healthy. */
  readonly requestsToHealthy: Summary;
  readonly writesToHealthy: Summary;
  readonly requestsToZero: Summary;
  /** Per rollout: create, first revision, canary, abort, until the next one starts. */
  readonly requestsPerLifecycle: Summary;
  readonly idle: {
    readonly seconds: number;
    readonly requests: number;
    readonly requestsPerMinute: number;
    readonly bytesReadPerMinute: number;
    /** What the idle requests were: "GET /apis/…/rollouts" → count (names left out). */
    readonly byPath: Record<string, number>;
  };
  /** After the idle window (RSS) and over the process's life (VmHWM), controller + plugin. */
  readonly memory: {
    readonly idle: Memory & { readonly processes: number };
    readonly maxSampledRssMiB: number;
  };
  readonly errors: readonly string[];
}

export interface SideBySideResult {
  readonly method: string;
  readonly kulta: ControllerResult;
  readonly argo?: ControllerResult;
  readonly argoSkipped?: string;
  /** Argo ÷ KULTA for each figure (> 1: KULTA is faster, smaller or cheaper). */
  readonly ratios?: Record<string, number>;
}

type Status = Record<string, unknown> & {
  phase?: string;
  currentPodHash?: string;
  stableRS?: string;
};
interface Obj {
  readonly status?: Status;
  readonly spec?: { rules?: { backendRefs?: { name?: string; weight?: number }[] }[] };
}

const zeroPause: JsonObject[] = [{ setWeight: 10 }, { setWeight: 50 }, { setWeight: 100 }];
const withPause: JsonObject[] = [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }];
const image = (v: string): string => `registry.example/bench:${v}`;

function manifest(group: Target['group'], name: string, namespace: string): JsonObject {
  const m = rolloutManifest(name, {
    image: image('1'),
    steps: zeroPause,
    canary: {
      scaleDownDelaySeconds: 0,
      abortScaleDownDelaySeconds: 1,
      trafficRouting: {
        plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route`, namespace } },
      },
    },
  });
  return { ...m, apiVersion: `${group}/v1alpha1` };
}

const healthyAt =
  (not?: string) =>
  (o: Obj): boolean => {
    const s = o.status;
    return (
      s?.phase === 'Healthy' &&
      s.currentPodHash !== undefined &&
      s.currentPodHash !== not &&
      s.stableRS === s.currentPodHash
    );
  };

const canaryWeight =
  (name: string, weight: number) =>
  (o: Obj): boolean =>
    o.spec?.rules?.[0]?.backendRefs?.find((b) => b.name === `${name}-canary`)?.weight === weight;

interface Lifecycle {
  readonly healthyMs: number;
  readonly abortMs: number;
  readonly toHealthy: ReturnType<typeof countBetween>;
  readonly toZero: ReturnType<typeof countBetween>;
}

class Scenario {
  readonly #kube: TestKube;
  readonly #target: Target;
  readonly #namespace: string;
  readonly #proxy: CountingProxy;

  constructor(kube: TestKube, target: Target, namespace: string, proxy: CountingProxy) {
    this.#kube = kube;
    this.#target = target;
    this.#namespace = namespace;
    this.#proxy = proxy;
  }

  #rollouts() {
    return { group: this.#target.group, version: 'v1alpha1', plural: 'rollouts' } as const;
  }

  async #patch(name: string, body: JsonObject, status = false): Promise<void> {
    const args = { ...this.#rollouts(), namespace: this.#namespace, name, body };
    if (status) await this.#kube.custom.patchNamespacedCustomObjectStatus(args, mergePatch);
    else await this.#kube.custom.patchNamespacedCustomObject(args, mergePatch);
  }

  /** First revision, a zero-pause canary (timed), then a paused canary aborted (timed). */
  async run(name: string): Promise<Lifecycle> {
    const ns = this.#namespace;
    await new CanaryApp(this.#kube, ns, name).createBackends();
    const rollout = await observe<Obj>(
      this.#kube.kc,
      `/apis/${this.#target.group}/v1alpha1/namespaces/${ns}/rollouts`,
      name,
    );
    const route = await observe<Obj>(
      this.#kube.kc,
      `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`,
      `${name}-route`,
    );
    try {
      await this.#kube.custom.createNamespacedCustomObject({
        ...this.#rollouts(),
        namespace: ns,
        body: manifest(this.#target.group, name, ns),
      });
      await rollout.until('the first revision Healthy', healthyAt());
      return await this.#canaryThenAbort(name, rollout, route);
    } finally {
      rollout.stop();
      route.stop();
    }
  }

  async #canaryThenAbort(name: string, rollout: Observer<Obj>, route: Observer<Obj>) {
    const first = rollout.latest()?.status?.currentPodHash;
    await sleep(500);
    const t0 = performance.now();
    await this.#patch(name, {
      spec: { template: { spec: { containers: [{ name, image: image('2') }] } } },
    });
    const healthy = await rollout.until('the canary Healthy', healthyAt(first));
    const toHealthy = countBetween(this.#proxy.requests, t0, healthy);
    await sleep(1000);
    await this.#patch(name, {
      spec: {
        template: { spec: { containers: [{ name, image: image('3') }] } },
        strategy: { canary: { steps: withPause } },
      },
    });
    await route.until('the canary at 10%', canaryWeight(name, 10));
    await rollout.until('Paused', (o) => o.status?.phase === 'Paused');
    await sleep(500);
    const t1 = performance.now();
    await this.#patch(name, { status: { abort: true } }, true);
    const zero = await route.until('the canary at 0% after abort', canaryWeight(name, 0), 30_000);
    const toZero = countBetween(this.#proxy.requests, t1, zero);
    // Back to the stable image, as an operator does after an abort: the rollout settles Healthy.
    await this.#patch(name, {
      spec: { template: { spec: { containers: [{ name, image: image('2') }] } } },
    });
    await rollout.until('Healthy again on the stable image', healthyAt());
    return {
      healthyMs: healthy - t0,
      abortMs: zero - t1,
      toHealthy,
      toZero,
    };
  }
}

/**
 * The bench controller bundled as the functions are (npm run build's esbuild options), so KULTA
 * runs as its image would: one minified ES module, no TypeScript stripping at start.
 */
async function bundleController(outdir: string): Promise<string> {
  await build({
    ...bundleOptions(outdir),
    entryPoints: [{ in: join(root, 'scripts/bench/kulta-controller.ts'), out: 'kulta-controller' }],
  });
  return join(outdir, 'kulta-controller.mjs');
}

function kultaTarget(bundle: string): Target {
  return {
    name: 'KULTA',
    group: 'kulta.io',
    process:
      'one Node process, bundled like the functions: reconcile + tick (2 s) as `npm start` runs them, watches limited to the namespace (scripts/bench/kulta-controller.ts)',
    async start(kubeconfig, namespace, logFile) {
      const port = await freePort();
      const log = openSync(logFile, 'a');
      const child = spawn(process.execPath, [bundle], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          KUBECONFIG: kubeconfig,
          KULTA_BENCH_NAMESPACE: namespace,
          PORT: String(port),
          KULTA_LISTEN_HOST: '127.0.0.1',
          KULTA_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      const pid = child.pid ?? 0;
      await waitFor(
        `KULTA's controller process on port ${String(port)} (log: ${logFile})`,
        async () => {
          if (!isAlive(pid)) throw new Error(`it exited; see ${logFile}`);
          return (
            (await fetch(`http://127.0.0.1:${String(port)}/healthz`).catch(() => null))?.ok === true
          );
        },
        30_000,
      );
      return { pids: () => Promise.resolve([pid]), stop: () => stopProcess(pid) };
    },
  };
}

function argoTarget(binaries: ArgoBinaries): Target {
  return {
    name: 'Argo Rollouts',
    group: 'argoproj.io',
    process:
      'rollouts-controller (out of cluster, --namespaced, no leader election) + the Gateway API plugin process it starts',
    async start(kubeconfig, namespace, logFile) {
      const argo = await startArgo({ binaries, kubeconfig, namespace, logFile });
      return { pids: async () => [argo.pid, await argo.pluginPid()], stop: () => argo.stop() };
    },
  };
}

/** Samples the processes' RSS every 250 ms; returns a stop function giving the maximum. */
function sampleMemory(running: Running): () => number {
  let max = 0;
  const timer = setInterval(() => {
    void running
      .pids()
      .then(memoryOfAll)
      .then((m) => {
        max = Math.max(max, m.rssMiB);
      });
  }, 250);
  return () => {
    clearInterval(timer);
    return max;
  };
}

interface RunContext {
  readonly kube: TestKube;
  readonly options: SideBySideOptions;
  readonly workdir: string;
}

async function runController(ctx: RunContext, target: Target): Promise<ControllerResult> {
  const { options, kube } = ctx;
  const tag = target.group.split('.')[0] ?? 'x';
  const namespace = `kulta-bench-${tag}-${randomBytes(3).toString('hex')}`;
  await recreateNamespace(kube.core, namespace);
  const proxy = await startCountingProxy(options.kubeconfig, options.testbedDir);
  let running: Running | undefined;
  const cycles: Lifecycle[] = [];
  const perLifecycle: number[] = [];
  const errors: string[] = [];
  try {
    const kubeconfig = await proxy.kubeconfigAt(join(ctx.workdir, `${tag}.kubeconfig`));
    const t = performance.now();
    running = await target.start(kubeconfig, namespace, join(options.logDir, `bench-${tag}.log`));
    const startupMs = performance.now() - t;
    const stopSampling = sampleMemory(running);
    const scenario = new Scenario(kube, target, namespace, proxy);
    for (let i = 0; i < options.rollouts; i += 1) {
      const before = proxy.requests.length;
      try {
        const c = await scenario.run(`sbs-${String(i)}`);
        cycles.push(c);
        options.progress(
          `side by side: ${target.name} ${String(i + 1)}/${String(options.rollouts)}: image → Healthy ${ms(c.healthyMs)}, abort → 0% ${ms(c.abortMs)}`,
        );
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
        options.progress(`side by side: ${target.name}: ${errors.at(-1) ?? ''}`);
      }
      await sleep(2000);
      perLifecycle.push(proxy.requests.length - before);
    }
    const idleFrom = performance.now();
    await sleep(options.idleSeconds * 1000);
    const idleTo = performance.now();
    const idle = countBetween(proxy.requests, idleFrom, idleTo);
    const maxSampledRssMiB = stopSampling();
    const memory = await memoryOfAll(await running.pids());
    const perMinute = (n: number): number => Math.round((n / options.idleSeconds) * 60 * 10) / 10;
    return {
      name: target.name,
      process: target.process,
      rollouts: cycles.length,
      startupMs,
      imageToHealthyMs: summarize(
        cycles.map((c) => c.healthyMs),
        1,
      ),
      abortToZeroMs: summarize(
        cycles.map((c) => c.abortMs),
        1,
      ),
      requestsToHealthy: summarize(
        cycles.map((c) => c.toHealthy.requests),
        1,
      ),
      writesToHealthy: summarize(
        cycles.map((c) => c.toHealthy.writes),
        1,
      ),
      requestsToZero: summarize(
        cycles.map((c) => c.toZero.requests),
        1,
      ),
      requestsPerLifecycle: summarize(perLifecycle, 1),
      idle: {
        seconds: options.idleSeconds,
        requests: idle.requests,
        requestsPerMinute: perMinute(idle.requests),
        bytesReadPerMinute: perMinute(idle.bytesRead),
        byPath: pathsBetween(proxy.requests, namespace, idleFrom, idleTo),
      },
      memory: { idle: memory, maxSampledRssMiB },
      errors,
    };
  } finally {
    await running?.stop();
    await proxy.stop();
    await deleteNamespace(kube.core, namespace);
  }
}

function ratios(kulta: ControllerResult, argo: ControllerResult): Record<string, number> {
  const r = (a: number, k: number): number =>
    k === 0 ? Number.NaN : Math.round((a / k) * 100) / 100;
  return {
    imageToHealthyP50: r(argo.imageToHealthyMs.p50, kulta.imageToHealthyMs.p50),
    abortToZeroP50: r(argo.abortToZeroMs.p50, kulta.abortToZeroMs.p50),
    requestsToHealthy: r(argo.requestsToHealthy.mean, kulta.requestsToHealthy.mean),
    requestsToZero: r(argo.requestsToZero.mean, kulta.requestsToZero.mean),
    requestsPerLifecycle: r(argo.requestsPerLifecycle.mean, kulta.requestsPerLifecycle.mean),
    idleRequestsPerMinute: r(argo.idle.requestsPerMinute, kulta.idle.requestsPerMinute),
    rssIdle: r(argo.memory.idle.rssMiB, kulta.memory.idle.rssMiB),
    rssPeak: r(argo.memory.idle.peakMiB, kulta.memory.idle.peakMiB),
  };
}

export const sideBySideMethod =
  'Each controller runs as its own process in its own namespace, one after the other in the same run, on the same test bed; its kubeconfig points at a counting HTTPS proxy in front of the apiserver (every request counted at the wire, watches once when opened). Per rollout: create (4 pods) and wait Healthy; change the image (zero-pause canary 10/50/100) and time until the Rollout is Healthy on the new revision; change the image again with a pause at 10%, wait until the HTTPRoute carries 10% and the Rollout is Paused, abort (status patch, as kubectl argo rollouts does) and time until the HTTPRoute carries 0%. Times are taken from watches opened before each action. Then an idle window with every rollout settled. Memory: VmRSS/VmHWM from /proc (controller + plugin processes for Argo).';

export async function runSideBySide(options: SideBySideOptions): Promise<SideBySideResult> {
  const kube = kubeClients(loadKubeConfigFile(options.kubeconfig));
  const workdir = await mkdtemp(join(tmpdir(), 'kulta-bench-sbs-'));
  const ctx: RunContext = { kube, options, workdir };
  try {
    let argo: ControllerResult | undefined;
    if ('controller' in options.argo) argo = await runController(ctx, argoTarget(options.argo));
    const kulta = await runController(ctx, kultaTarget(await bundleController(workdir)));
    return {
      method: sideBySideMethod,
      kulta,
      ...(argo ? { argo, ratios: ratios(kulta, argo) } : {}),
      ...('skipped' in options.argo ? { argoSkipped: options.argo.skipped } : {}),
    };
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}
