// Event chaos on the real test bed: three canaries roll out at once while every event reaches
// three reconcile instances duplicated, delayed, reordered (stale copies) and in bursts of
// concurrent deliveries. A watcher checks the invariants on every version it sees: traffic never
// moves backwards during progress, never re-opens after an abort, status never regresses; and at
// the end, every CDEvent recorded in an outbox reached the broker stand-in at least once with a
// stable id and body. Seeded: KULTA_CHAOS_SEED=<printed seed> replays the choices.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PooledKubeConfig } from '../../../functions/adapters/kubernetes/kubeconfig.ts';
import { KubernetesRolloutStore } from '../../../functions/adapters/kubernetes/rollouts.ts';
import type { JsonObject, RolloutStatus } from '../../../functions/core/rollout/types.ts';
import { startPings, startWatches } from '../../../functions/local/bridge.ts';
import { createReconcileHandler } from '../../../functions/reconcile/handler.ts';
import { createApp } from '../../../functions/runtime/app.ts';
import { kubernetesDeps, systemClock } from '../../../functions/runtime/deps.ts';
import { createLogger } from '../../../functions/runtime/logger.ts';
import { createMetrics } from '../../../functions/runtime/metrics.ts';
import { dueEventHeaders } from '../../../functions/tick/dispatch.ts';
import { createTickHandler } from '../../../functions/tick/handler.ts';
import { CanaryApp, rolloutManifest, routeApi } from '../../support/canary-app.ts';
import { FaultProxy } from '../../support/faults/apiserver-proxy.ts';
import { Receiver } from '../../support/faults/broker.ts';
import { runSeed, seededRandom } from '../../support/faults/seeded.ts';
import { eventually, tempNamespace, testKube } from '../../support/kube.ts';
import { ChaosRelay } from './chaos-relay.ts';
import { InvariantWatcher } from './invariants.ts';

const kube = testKube();
const seed = runSeed('event chaos');
const random = seededRandom(seed);
const logger = createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' });
const receiver = new Receiver();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let watcher: InvariantWatcher;
let relay: ChaosRelay;
let proxy: FaultProxy;
const stops: (() => void)[] = [];

const steps: JsonObject[] = [
  { setWeight: 20 },
  { setWeight: 50 },
  { setWeight: 80 },
  { pause: {} },
];
const timedSteps: JsonObject[] = [
  { setWeight: 25 },
  { pause: { duration: 1 } },
  { setWeight: 75 },
  { pause: { duration: 1 } },
];

/** One reconcile instance; its API requests go through the (fault-free) proxy, which records them. */
function reconcileInstance(env: Record<string, string>) {
  const metrics = createMetrics({ defaults: false });
  // Pooled connections, as the functions have in production (runtime/deps.ts loadKubeConfig).
  const kc = new PooledKubeConfig();
  kc.loadFromFile(proxy.kubeconfig);
  return createApp({
    handle: createReconcileHandler({ ...kubernetesDeps(kc, systemClock, env), metrics }),
    logger,
    metrics,
  });
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'chaos');
  await receiver.start();
  watcher = new InvariantWatcher(kube, ns.name);
  await watcher.start();
  // Rate 0: no faults here, but the proxy narrows the instances to this namespace and records
  // their writes, so a transition written by anyone else (another runner) is recognised.
  proxy = new FaultProxy({
    kubeconfig: inject('kubeconfig'),
    namespace: ns.name,
    random: random.fork(),
    rate: 0,
  });
  await proxy.start();
  const env = { K_SINK: receiver.url, KULTA_CLUSTER_NAME: 'chaos' };
  const instances = [0, 1, 2].map(() => reconcileInstance(env));
  relay = new ChaosRelay(random.fork(), instances, ns.name, {
    duplicateRate: 0.5,
    maxDelayMs: 400,
    staleRate: 0.3,
    burstSize: [4, 12],
    retries: 4,
  });
  const metrics = createMetrics({ defaults: false });
  const tick = createApp({
    handle: createTickHandler({
      rollouts: new KubernetesRolloutStore(kube.kc),
      dispatch: async (ref, tickId) => {
        await relay.deliver(dueEventHeaders(ref, tickId), JSON.stringify(ref));
      },
    }),
    logger,
    metrics,
  });
  const toTick = async (headers: Record<string, string>, body: string): Promise<number> =>
    (await tick.request('/', { method: 'POST', headers, body })).status;
  stops.push(startWatches(kube.kc, relay.deliver, logger), startPings(toTick, 0.5, 5, logger));
});

afterAll(async () => {
  for (const stop of stops) stop();
  await (relay as ChaosRelay | undefined)?.drain();
  (watcher as InvariantWatcher | undefined)?.stop();
  await (proxy as FaultProxy | undefined)?.stop();
  await receiver.stop();
  await (ns as typeof ns | undefined)?.remove();
});

async function deployed(name: string, stepsOf: JsonObject[]): Promise<CanaryApp> {
  const app = new CanaryApp(kube, ns.name, name);
  await app.createBackends();
  await app.createRollout(
    rolloutManifest(name, { image: `registry.example/${name}:1.0`, replicas: 2, steps: stepsOf }),
  );
  return app;
}

const foreignHint =
  'transitions written by a KULTA instance outside this test: another runner on the shared test ' +
  'bed reconciled these rollouts (every runner watches all namespaces); run this file alone';

const isHealthy = (s: RolloutStatus): boolean =>
  s.phase === 'Healthy' && s.stableRS === s.currentPodHash;

/** Waits until the watcher has seen the current version of every app's Rollout. */
async function watcherCaughtUp(apps: readonly CanaryApp[]): Promise<void> {
  await eventually(
    'the watcher caught up',
    () =>
      Promise.all(
        apps.map(
          async (a) => (await a.rollout()) as unknown as { metadata: { resourceVersion: string } },
        ),
      ),
    (objects) =>
      objects.every(
        (o, i) => watcher.rolloutVersions.get(apps[i]?.name ?? '') === o.metadata.resourceVersion,
      ),
  );
}

/** Bursts at random moments for random rollouts until the returned function is called. */
function burstsUntilStopped(names: readonly string[]): () => Promise<void> {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await relay.burst(random.pick(names));
      await sleep(random.int(150, 600));
    }
  };
  const done = loop();
  return async () => {
    running = false;
    await done;
  };
}

describe('event chaos: duplicates, reordering, delays and bursts for the same rollouts', () => {
  it('keeps every invariant and delivers every CDEvent while three canaries move', async () => {
    const started = Date.now();
    const [promoted, aborted, timed] = await Promise.all([
      deployed('promoted', steps),
      deployed('aborted', steps),
      deployed('timed', timedSteps),
    ]);
    const apps = [promoted, aborted, timed];
    const stopBursts = burstsUntilStopped(apps.map((a) => a.name));
    for (const app of apps)
      await eventually(`${app.name} Healthy on v1`, () => app.status(), isHealthy);
    for (const app of apps) await app.setImage(`registry.example/${app.name}:2.0`);

    await eventually(
      'promoted paused at 80%',
      () => promoted.status(),
      (s) => s.phase === 'Paused',
    );
    await promoted.promote();
    const abortAt = await eventually(
      'aborted at 50% or more',
      () => aborted.status(),
      (s) => (s.canary?.weights?.canary.weight ?? 0) >= 50,
    );
    await aborted.abort();
    const v2 = await eventually(
      'timed Healthy on v2',
      () => timed.status(),
      (s) => isHealthy(s) && (s.transition ?? 0) > 1,
    );
    await timed.setImage('registry.example/timed:3.0');
    await eventually(
      'timed canary of v3 under way',
      () => timed.status(),
      (s) => s.currentPodHash !== v2.stableRS && (s.currentStepIndex ?? 0) >= 1,
    );
    await timed.setImage('registry.example/timed:2.0');

    const done = await eventually(
      'promoted Healthy on v2',
      () => promoted.status(),
      (s) => isHealthy(s) && s.stableRS !== abortAt.stableRS,
    );
    expect(await promoted.weights()).toEqual([100, 0]);
    const back = await eventually(
      'timed back on v2',
      () => timed.status(),
      (s) => isHealthy(s) && s.stableRS === v2.stableRS,
    );
    expect(back.history?.some((h) => h.event === 'rolled-back-to-stable')).toBe(true);
    const degraded = await eventually(
      'aborted Degraded, traffic on stable',
      async () => ({ s: await aborted.status(), w: await aborted.weights() }),
      ({ s, w }) => s.phase === 'Degraded' && w[1] === 0,
    );
    expect(degraded.s.stableRS).toBe(abortAt.stableRS);
    await sleep(3000); // more chaos, stale copies included, at the aborted and the settled rollouts
    await stopBursts();
    expect(await aborted.weights()).toEqual([100, 0]);
    expect(done.currentPodHash).toBe(done.stableRS);

    await eventually(
      'every outbox empty',
      () => Promise.all(apps.map((a) => a.status())),
      (all) => all.every((s) => s.outbox === undefined),
      90_000,
    );
    for (const stop of stops.splice(0)) stop();
    await relay.drain();
    await watcherCaughtUp(apps);

    const violations = watcher.verify({ received: receiver.received.map((r) => r.event) });
    console.info(
      `[reliability] event chaos figures: ${JSON.stringify({
        seed,
        seconds: Math.round((Date.now() - started) / 1000),
        relay: relay.counts,
        observed: watcher.counts,
        cdevents: {
          recorded: watcher.outboxEvents.size,
          received: receiver.received.length,
          unique: receiver.unique().length,
        },
      })}`,
    );
    expect(watcher.foreignTransitions(proxy.writtenVersions), foreignHint).toEqual([]);
    expect(violations, `seed ${String(seed)}`).toEqual([]);
    expect(relay.counts.statuses['500'] ?? 0).toBe(0);
    expect(relay.counts.statuses['400'] ?? 0).toBe(0);
    expect(
      relay.counts.duplicates + relay.counts.stale + relay.counts.burstDeliveries,
    ).toBeGreaterThan(0);
  }, 240_000);

  it('has teeth: a route re-opened by hand after the abort is reported (negative control)', async () => {
    const app = new CanaryApp(kube, ns.name, 'aborted');
    const route = await app.route();
    const spec = route.spec as { rules: { backendRefs: { weight?: number }[] }[] };
    const [stable, canary] = spec.rules[0]?.backendRefs ?? [];
    if (!stable || !canary) throw new Error('the route lost its backends');
    stable.weight = 70;
    canary.weight = 30;
    await kube.custom.replaceNamespacedCustomObject({
      ...routeApi,
      namespace: ns.name,
      name: 'aborted-route',
      body: route,
    });
    const violations = await eventually(
      'the watcher to report it',
      () => Promise.resolve(watcher.verify()),
      (v) => v.length > 0,
    );
    expect(violations.join('\n')).toMatch(
      /aborted-route@\d+ \(fence \d+\): canary weight 30, committed \d+/,
    );
    if ((await app.status()).abortedAt !== undefined) {
      expect(violations.join('\n')).toContain('open after abort');
    }
  });
});
