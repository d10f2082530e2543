// Bench part "tick sweep": what one tick costs as the number of Rollouts grows, with 1% of them
// active. The Rollouts are real objects on the test bed (created with bounded concurrency, a
// settled status each, spec.replicas 0 so no pods); the tick is the bundled tick function
// (what the image runs) in its own process, pinged as PingSource does, its kubeconfig pointing
// at a counting proxy (requests, bytes read), its due events sent to a local receiver. Plain
// ticks list active Rollouts only; a resync tick lists them all.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { activeLabel } from '../../functions/core/rollout/types.ts';
import { pingEvent } from '../../functions/local/bridge.ts';
import { freePort, isAlive, stopProcess, waitFor } from '../../test/bed/processes.ts';
import { kubeClients, loadKubeConfigFile, type TestKube } from '../../test/support/clients.ts';
import { buildFunctions } from '../build-functions.ts';
import { deleteNamespace, recreateNamespace } from '../demo/test-bed.ts';
import { memoryOf, type Memory } from './observe.ts';
import { countBetween, type CountingProxy, startCountingProxy } from './proxy.ts';
import { summarize, type Summary } from './stats.ts';

export interface TickSweepOptions {
  readonly kubeconfig: string;
  readonly testbedDir: string;
  /** Rollout counts, ascending, e.g. [1000, 10000]. */
  readonly sizes: readonly number[];
  readonly ticks: number;
  readonly concurrency: number;
  readonly progress: (line: string) => void;
}

export interface SweepPoint {
  readonly rollouts: number;
  readonly active: number;
  readonly createSeconds: number;
  /** Plain ticks (active Rollouts only): ping sent → answered. */
  readonly tickMs: Summary;
  readonly tickBytesRead: number;
  readonly tickRequests: number;
  /** Due events per tick for this namespace, and in all (other Rollouts on the shared bed). */
  readonly dueHere: number;
  readonly dueAll: number;
  readonly resyncMs: Summary;
  readonly resyncBytesRead: number;
  readonly resyncRequests: number;
  /** The tick process after the plain ticks, and after the resyncs (VmHWM: its peak). */
  readonly memoryAfterTicks: Memory;
  readonly memoryAfterResync: Memory;
}

export interface TickSweepResult {
  readonly method: string;
  readonly idleMemory: Memory;
  readonly points: readonly SweepPoint[];
  readonly cleanupSeconds: number;
}

/** A settled rollout's status, about the size KULTA writes (conditions, history, weights). */
function settledStatus(name: string): Record<string, unknown> {
  const at = '2026-01-01T00:00:00.000Z';
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: `${reason} for ${name}`,
    lastTransitionTime: at,
    lastUpdateTime: at,
  });
  return {
    observedGeneration: '1',
    phase: 'Healthy',
    message: 'the stable revision serves all traffic',
    currentPodHash: '5d8f7c9b6',
    stableRS: '5d8f7c9b6',
    currentStepIndex: 3,
    replicas: 0,
    updatedReplicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    HPAReplicas: 0,
    selector: `app=${name}`,
    transition: 7,
    canary: {
      weights: {
        stable: { podTemplateHash: '5d8f7c9b6', serviceName: `${name}-stable`, weight: 100 },
        canary: { podTemplateHash: '5d8f7c9b6', serviceName: `${name}-canary`, weight: 0 },
      },
    },
    conditions: [
      condition('Progressing', 'True', 'NewReplicaSetAvailable'),
      condition('InvalidSpec', 'False', 'SpecValid'),
      condition('TrafficRoutingReady', 'True', 'RoutesReady'),
    ],
    history: [1, 2, 3, 4, 5, 6].map((i) => ({ at, transition: i, message: `step ${String(i)}` })),
  };
}

function rolloutBody(name: string, active: boolean): Record<string, unknown> {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, labels: active ? { [activeLabel]: 'true' } : {} },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/sweep:1' }] },
      },
      strategy: {
        canary: {
          stableService: `${name}-stable`,
          canaryService: `${name}-canary`,
          steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }],
        },
      },
    },
  };
}

const api = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' } as const;

/**
 * Writes the settled status. Another reconciler on the shared test bed (an integration test's
 * runner watches every namespace) may have written first: then re-read and write again.
 */
async function writeStatus(kube: TestKube, namespace: string, name: string, rv: string) {
  let resourceVersion = rv;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await kube.custom.replaceNamespacedCustomObjectStatus({
        ...api,
        namespace,
        name,
        body: {
          ...rolloutBody(name, Number(name.split('-')[1]) % 100 === 0),
          metadata: { name, namespace, resourceVersion },
          status: settledStatus(name),
        },
      });
      return;
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409) || attempt >= 4) throw error;
      const fresh = (await kube.custom.getNamespacedCustomObject({ ...api, namespace, name })) as {
        metadata: { resourceVersion: string };
      };
      resourceVersion = fresh.metadata.resourceVersion;
    }
  }
}

/** Creates rollouts [from, to) with a status each, `concurrency` at a time. */
async function createRollouts(
  kube: TestKube,
  namespace: string,
  range: { readonly from: number; readonly to: number; readonly concurrency: number },
) {
  const { from, to, concurrency } = range;
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next;
      next += 1;
      const name = `sweep-${String(i)}`;
      const created = (await kube.custom.createNamespacedCustomObject({
        ...api,
        namespace,
        body: rolloutBody(name, i % 100 === 0),
      })) as { metadata: { resourceVersion: string } };
      await writeStatus(kube, namespace, name, created.metadata.resourceVersion);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface Sink {
  readonly url: string;
  /** Due events received, by namespace. */
  readonly due: Map<string, number>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const due = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ref = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { namespace?: string };
      due.set(ref.namespace ?? '', (due.get(ref.namespace ?? '') ?? 0) + 1);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${String(port)}/`,
    due,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface TickProcess {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

async function startTick(bundle: string, kubeconfig: string, sink: string): Promise<TickProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: kubeconfig,
      K_SINK: sink,
      PORT: String(port),
      KULTA_LISTEN_HOST: '127.0.0.1',
      KULTA_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${String(port)}`;
  await waitFor(
    'the tick function to listen',
    async () => {
      if (!isAlive(pid)) throw new Error('the tick function exited');
      return (await fetch(`${url}/healthz`).catch(() => null))?.ok === true;
    },
    30_000,
  );
  return { pid, url, stop: () => stopProcess(pid) };
}

interface Pings {
  readonly ms: number[];
  readonly requests: number;
  readonly bytesRead: number;
}

async function ping(
  tick: TickProcess,
  proxy: CountingProxy,
  resync: boolean,
  n: number,
): Promise<Pings> {
  const ms: number[] = [];
  const from = performance.now();
  for (let i = 0; i < n; i += 1) {
    const event = pingEvent(resync ? { resync: true } : {});
    const t0 = performance.now();
    const answer = await fetch(`${tick.url}/`, {
      method: 'POST',
      headers: event.headers,
      body: event.body,
    });
    await answer.body?.cancel();
    if (!answer.ok) throw new Error(`the tick answered ${String(answer.status)} to a ping`);
    ms.push(performance.now() - t0);
  }
  const counted = countBetween(proxy.requests, from, performance.now());
  return { ms, requests: counted.requests / n, bytesRead: Math.round(counted.bytesRead / n) };
}

interface SweepContext {
  readonly tick: TickProcess;
  readonly proxy: CountingProxy;
  readonly sink: Sink;
  readonly namespace: string;
  readonly ticks: number;
}

async function measure(
  ctx: SweepContext,
  rollouts: number,
  createSeconds: number,
): Promise<SweepPoint> {
  ctx.sink.due.clear();
  const plain = await ping(ctx.tick, ctx.proxy, false, ctx.ticks);
  const dueHere = (ctx.sink.due.get(ctx.namespace) ?? 0) / ctx.ticks;
  const dueAll = [...ctx.sink.due.values()].reduce((a, b) => a + b, 0) / ctx.ticks;
  const memoryAfterTicks = await memoryOf(ctx.tick.pid);
  const resync = await ping(ctx.tick, ctx.proxy, true, Math.max(1, Math.ceil(ctx.ticks / 3)));
  return {
    rollouts,
    active: Math.ceil(rollouts / 100),
    createSeconds,
    tickMs: summarize(plain.ms, 1),
    tickBytesRead: plain.bytesRead,
    tickRequests: plain.requests,
    dueHere,
    dueAll,
    resyncMs: summarize(resync.ms, 1),
    resyncBytesRead: resync.bytesRead,
    resyncRequests: resync.requests,
    memoryAfterTicks,
    memoryAfterResync: await memoryOf(ctx.tick.pid),
  };
}

export const tickSweepMethod =
  'N Rollouts in one namespace (1% labelled active, each with a settled status of about the size KULTA writes, spec.replicas 0), created with bounded concurrency; the bundled tick function (dist/tick.mjs) in its own process, pinged over HTTP as PingSource does, one ping at a time; its kubeconfig points at a counting proxy (requests and response bytes per ping), K_SINK at a local receiver answering 202. A plain tick lists active Rollouts cluster-wide (label selector) and sends one due event per active Rollout; a resync tick also lists every Rollout. Other Rollouts on the shared test bed are listed too (dueAll).';

export async function runTickSweep(options: TickSweepOptions): Promise<TickSweepResult> {
  const kube = kubeClients(loadKubeConfigFile(options.kubeconfig));
  const namespace = `kulta-bench-sweep-${randomBytes(3).toString('hex')}`;
  const outdir = await mkdtemp(join(tmpdir(), 'kulta-bench-sweep-'));
  await recreateNamespace(kube.core, namespace);
  const proxy = await startCountingProxy(options.kubeconfig, options.testbedDir);
  const sink = await startSink();
  let tick: TickProcess | undefined;
  const points: SweepPoint[] = [];
  let idleMemory: Memory = { rssMiB: 0, peakMiB: 0 };
  let failure: Error | undefined;
  try {
    await buildFunctions(outdir);
    const kubeconfig = await proxy.kubeconfigAt(join(outdir, 'kubeconfig'));
    tick = await startTick(join(outdir, 'tick.mjs'), kubeconfig, sink.url);
    idleMemory = await memoryOf(tick.pid);
    const ctx: SweepContext = { tick, proxy, sink, namespace, ticks: options.ticks };
    let have = 0;
    for (const size of options.sizes) {
      const t0 = performance.now();
      options.progress(`tick sweep: creating Rollouts ${String(have)}…${String(size - 1)}`);
      await createRollouts(kube, namespace, {
        from: have,
        to: size,
        concurrency: options.concurrency,
      });
      have = size;
      const point = await measure(ctx, size, Math.round((performance.now() - t0) / 100) / 10);
      points.push(point);
      options.progress(
        `tick sweep: ${String(size)} Rollouts: tick p50 ${point.tickMs.p50.toFixed(1)} ms, ${String(point.tickBytesRead)} B read; resync p50 ${point.resyncMs.p50.toFixed(1)} ms, ${String(point.resyncBytesRead)} B; RSS ${String(point.memoryAfterResync.rssMiB)} MiB`,
      );
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  await tick?.stop();
  await sink.close();
  await proxy.stop();
  await rm(outdir, { recursive: true, force: true });
  const cleanupSeconds = await removeAll(kube, namespace);
  options.progress(`tick sweep: namespace ${namespace} deleted in ${cleanupSeconds.toFixed(1)} s`);
  if (failure !== undefined) throw failure;
  return {
    method: tickSweepMethod,
    idleMemory,
    points,
    cleanupSeconds: Math.round(cleanupSeconds * 10) / 10,
  };
}

/** Deletes every Rollout in one request, then the namespace, and waits until it is gone. */
async function removeAll(kube: TestKube, namespace: string): Promise<number> {
  const t0 = performance.now();
  // One request for all the Rollouts; if the apiserver gives up on it (it can, under load), the
  // namespace controller deletes them with the namespace all the same.
  await kube.custom
    .deleteCollectionNamespacedCustomObject({ ...api, namespace })
    .catch(() => undefined);
  await deleteNamespace(kube.core, namespace);
  await waitFor(
    `namespace ${namespace} to be deleted`,
    async () => {
      try {
        await kube.core.readNamespace({ name: namespace });
        return false;
      } catch {
        return true;
      }
    },
    300_000,
  );
  return (performance.now() - t0) / 1000;
}
