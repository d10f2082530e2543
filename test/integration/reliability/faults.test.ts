// Faults on the real test bed: the functions run as a child process (`node functions/local/
// main.ts`, as `npm start` runs them) whose every API request goes through a fault-injecting
// proxy in front of the real apiserver (5xx, 409, timeouts, dropped connections at a seeded
// rate); the process is SIGKILLed at seeded points of its steps (right after a write reached the
// apiserver, before it learns the answer) and started again; the broker stand-in is down, then
// failing, for part of the rollout; Prometheus flaps under an analysis and is gone for another.
// Every rollout still ends where it should, the invariant watcher sees no violation, and every
// CDEvent recorded in an outbox reaches the broker. KULTA_CHAOS_SEED=<printed seed> replays.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import type { JsonObject, RolloutStatus } from '../../../functions/core/rollout/types.ts';
import { freePort } from '../../bed/processes.ts';
import { CanaryApp, rolloutManifest } from '../../support/canary-app.ts';
import { FaultProxy, type RequestInfo } from '../../support/faults/apiserver-proxy.ts';
import { Receiver } from '../../support/faults/broker.ts';
import { FlappingPrometheus } from '../../support/faults/flapping-prometheus.ts';
import { FunctionsProcess } from '../../support/faults/functions-process.ts';
import { runSeed, seededRandom, type Random } from '../../support/faults/seeded.ts';
import { eventually, tempNamespace, testKube } from '../../support/kube.ts';
import { startExporter, type TestExporter } from '../../support/prometheus.ts';
import { InvariantWatcher, rolloutOf } from './invariants.ts';

const kube = testKube();
const seed = runSeed('faults');
const random = seededRandom(seed);
/** Share of the functions' API requests that fail. */
const faultRate = 0.1;
const maxKills = 8;
const receiver = new Receiver();
const prometheus = new FlappingPrometheus(random.fork());
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let watcher: InvariantWatcher;
let proxy: FaultProxy;
let functions: FunctionsProcess;
let exporter: TestExporter;
let logDir = '';

/** Kills the functions right after a seeded write reached the apiserver; restarts them. */
class Killer {
  readonly points: string[] = [];
  readonly #random: Random;
  #countdown: number;
  armed = true;
  #restarting: Promise<void> = Promise.resolve();

  constructor(r: Random) {
    this.#random = r;
    this.#countdown = r.int(5, 30);
  }

  readonly intercept = async (info: RequestInfo): Promise<'drop' | 'pass'> => {
    if (!this.armed || this.points.length >= maxKills || !functions.alive) return 'pass';
    this.#countdown -= 1;
    if (this.#countdown > 0) return 'pass';
    this.#countdown = this.#random.int(5, 30);
    this.points.push(`${info.method} ${info.resource}`);
    await functions.kill();
    const pause = this.#random.int(200, 1500);
    this.#restarting = sleep(pause).then(() => functions.start());
    return 'drop';
  };

  async settled(): Promise<void> {
    this.armed = false;
    await this.#restarting;
    await functions.start();
  }
}

function errorRatioTemplate(name: string, address: string, errorLimit: number): JsonObject {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: {
      metrics: [
        {
          name: 'error-ratio',
          interval: '1s',
          count: 4,
          consecutiveErrorLimit: errorLimit,
          successCondition: 'result[0] < 0.05',
          provider: { prometheus: { address, query: 'app_error_ratio{app="judged"}' } },
        },
      ],
    },
  };
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'faults');
  logDir = await mkdtemp(join(tmpdir(), 'kulta-faults-'));
  await receiver.start();
  watcher = new InvariantWatcher(kube, ns.name);
  await watcher.start();
  exporter = await startExporter();
  exporter.set('app_error_ratio', { app: 'judged' }, 0.01);
  await prometheus.start({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
  await eventually(
    'the first scrape',
    async () =>
      (await fetch(`${prometheus.url}/api/v1/query?query=app_error_ratio`)).json() as Promise<{
        data: { result: unknown[] };
      }>,
    (body) => body.data.result.length === 1,
  );
  const nowhere = `http://127.0.0.1:${String(await freePort())}`;
  for (const template of [
    errorRatioTemplate('flapping', prometheus.url, 30),
    errorRatioTemplate('gone', nowhere, 2),
  ]) {
    await kube.custom.createNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysistemplates',
      namespace: ns.name,
      body: template,
    });
  }
  proxy = new FaultProxy({
    kubeconfig: inject('kubeconfig'),
    namespace: ns.name,
    random: random.fork(),
    rate: faultRate,
  });
  await proxy.start();
  functions = new FunctionsProcess({
    entry: 'functions/local/main.ts',
    logFile: join(logDir, 'functions.log'),
    env: {
      KUBECONFIG: proxy.kubeconfig,
      K_SINK: receiver.url,
      KULTA_CLUSTER_NAME: 'faults',
      KULTA_TICK_SECONDS: '0.5',
      KULTA_RESYNC_SECONDS: '2',
      KULTA_LOG_LEVEL: process.env.KULTA_TEST_LOG_LEVEL ?? 'warn',
    },
  });
  await functions.start();
});

afterAll(async () => {
  await (functions as FunctionsProcess | undefined)?.stop();
  await (proxy as FaultProxy | undefined)?.stop();
  (watcher as InvariantWatcher | undefined)?.stop();
  await prometheus.stop();
  await (exporter as TestExporter | undefined)?.stop();
  await receiver.stop();
  await (ns as typeof ns | undefined)?.remove();
  if (logDir !== '') await rm(logDir, { recursive: true, force: true });
});

const foreignHint =
  'transitions written by a KULTA instance outside this test: another runner on the shared test ' +
  'bed reconciled these rollouts (every runner watches all namespaces); run this file alone';

const isHealthy = (s: RolloutStatus): boolean =>
  s.phase === 'Healthy' && s.stableRS === s.currentPodHash;

async function deployed(name: string, steps: JsonObject[]): Promise<CanaryApp> {
  const app = new CanaryApp(kube, ns.name, name);
  await app.createBackends();
  await app.createRollout(
    rolloutManifest(name, { image: `registry.example/${name}:1.0`, replicas: 2, steps }),
  );
  return app;
}

const analysis = (templateName: string): JsonObject => ({
  analysis: { templates: [{ templateName }] },
});

/** The broker down (connection refused), then failing (503), then back; returns when back. */
async function brokerOutage(downMs: number, failingMs: number): Promise<void> {
  await receiver.stop();
  await sleep(downMs);
  await receiver.start(receiver.port);
  receiver.mode = 'fail';
  await sleep(failingMs);
  receiver.mode = 'accept';
}

describe('faults: apiserver errors, killed functions, broker outage, flapping Prometheus', () => {
  it('ends every rollout correct and loses nothing', async () => {
    onTestFailed(async () => {
      const held = [...proxy.stalled].join('\n  ');
      console.error(
        `[reliability] faults failed (seed ${String(seed)}); alive: ${String(functions.alive)}, ` +
          `kills: ${String(functions.kills)}, requests held unanswered now:\n  ${held}\n` +
          `functions log:\n${await functions.logTail(40)}`,
      );
    });
    const started = Date.now();
    const killer = new Killer(random.fork());
    proxy.interceptWrite = killer.intercept;
    const [steady, stopped, judged, blind] = await Promise.all([
      deployed('steady', [
        { setWeight: 20 },
        { setWeight: 50 },
        { pause: { duration: 1 } },
        { setWeight: 80 },
      ]),
      deployed('stopped', [{ setWeight: 30 }, { pause: {} }]),
      deployed('judged', [{ setWeight: 25 }, analysis('flapping'), { setWeight: 75 }]),
      deployed('blind', [{ setWeight: 25 }, analysis('gone'), { setWeight: 75 }]),
    ]);
    const apps = [steady, stopped, judged, blind];
    for (const app of apps)
      await eventually(`${app.name} Healthy on v1`, () => app.status(), isHealthy, 120_000);
    const v1 = new Map<string, string | undefined>();
    for (const app of apps) v1.set(app.name, (await app.status()).stableRS);
    for (const app of apps) await app.setImage(`registry.example/${app.name}:2.0`);
    prometheus.flap({ downMs: [1000, 3000], upMs: [800, 2500] });
    const outage = brokerOutage(15_000, 5_000);

    await eventually(
      'stopped paused at 30%',
      () => stopped.status(),
      (s) => s.phase === 'Paused',
      120_000,
    );
    await stopped.abort();
    const healthy = (app: CanaryApp) =>
      eventually(
        `${app.name} Healthy on v2`,
        () => app.status(),
        (s) => isHealthy(s) && s.stableRS !== v1.get(app.name),
        150_000,
      );
    const degraded = (app: CanaryApp) =>
      eventually(
        `${app.name} Degraded, traffic on stable`,
        async () => ({ s: await app.status(), w: await app.weights() }),
        ({ s, w }) => s.phase === 'Degraded' && w[1] === 0,
        150_000,
      );
    const [, , judgedEnd, blindEnd] = await Promise.all([
      healthy(steady),
      degraded(stopped),
      healthy(judged),
      degraded(blind),
    ]);
    await outage;
    await prometheus.stopFlapping();
    expect(judgedEnd.canary?.currentStepAnalysisRunStatus?.status).toBe('Successful');
    expect(blindEnd.s.canary?.currentStepAnalysisRunStatus?.status).toBe('Error');
    expect(blindEnd.s.stableRS).toBe(v1.get('blind'));

    // Faults off, the functions up: what is pending must now drain, and nothing may be missing.
    await killer.settled();
    proxy.rate = 0;
    await eventually(
      'every outbox empty',
      () => Promise.all(apps.map((a) => a.status())),
      (all) => all.every((s) => s.outbox === undefined),
      120_000,
    );
    for (const app of [steady, judged]) expect(await app.weights()).toEqual([100, 0]);
    for (const app of [stopped, blind]) expect(await app.weights()).toEqual([100, 0]);
    await eventually(
      'the watcher caught up',
      () =>
        Promise.all(
          apps.map(
            async (a) =>
              ((await a.rollout()) as unknown as { metadata: { resourceVersion: string } }).metadata
                .resourceVersion,
          ),
        ),
      (versions) =>
        versions.every((v, i) => watcher.rolloutVersions.get(apps[i]?.name ?? '') === v),
    );

    const violations = watcher.verify({ received: receiver.received.map((r) => r.event) });
    const transitions = Object.fromEntries(
      await Promise.all(
        apps.map(async (a) => [a.name, (await a.status()).history?.map((h) => h.event)] as const),
      ),
    );
    const stories = Object.fromEntries(
      apps.map((a) => [
        a.name,
        receiver
          .unique()
          .filter((e) => rolloutOf(e) === `${ns.name}/${a.name}`)
          .map((e) =>
            e.context.type
              .replace(/^dev\.cdevents(x\.kulta-rollout)?\./, '')
              .replace(/\.\d+\.\d+\.\d+$/, ''),
          ),
      ]),
    );
    console.info(
      `[reliability] faults figures: ${JSON.stringify({
        seed,
        seconds: Math.round((Date.now() - started) / 1000),
        faultRate,
        proxy: proxy.counts,
        kills: killer.points,
        starts: functions.starts,
        crashes: functions.crashes,
        broker: {
          refusedFor: '15s',
          failing503: receiver.failed,
          received: receiver.received.length,
          unique: receiver.unique().length,
        },
        prometheus: {
          downWindows: prometheus.downWindows,
          downMs: prometheus.downMs,
          forwarded: prometheus.forwarded,
        },
        observed: watcher.counts,
        stories,
        transitions,
      })}`,
    );
    expect(watcher.foreignTransitions(proxy.writtenVersions), foreignHint).toEqual([]);
    expect(violations, `seed ${String(seed)}\n${await functions.logTail()}`).toEqual([]);
    expect(functions.crashes).toEqual([]);
    expect(stories.steady).toEqual([
      'service.deployed',
      ...['stepstarted', 'weightchanged', 'stepstarted', 'weightchanged', 'stepstarted'],
      ...['paused', 'resumed', 'stepstarted', 'weightchanged', 'service.upgraded'],
    ]);
    expect(stories.stopped).toEqual([
      ...['service.deployed', 'stepstarted', 'weightchanged', 'stepstarted', 'paused'],
      ...['aborted', 'service.rolledback'],
    ]);
    for (const type of ['testsuiterun.started', 'testsuiterun.finished', 'service.upgraded']) {
      expect(stories.judged).toContain(type);
    }
    for (const type of ['testsuiterun.finished', 'incident.detected', 'service.rolledback']) {
      expect(stories.blind).toContain(type);
    }
    expect(Object.values(proxy.counts.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(receiver.failed).toBeGreaterThan(0);
  }, 300_000);

  it('a rollout whose first ReplicaSet create is never answered still becomes Healthy', async () => {
    proxy.rate = 0;
    let held = 0;
    proxy.holdRequest = (info) => {
      const hold = held === 0 && info.method === 'POST' && info.resource === 'replicasets';
      if (hold) held += 1;
      return hold;
    };
    const app = await deployed('hung', [{ setWeight: 50 }]);
    await eventually(
      'the first transition committed',
      () => app.status(),
      (s) => s.transition === 1,
    );
    expect(held).toBe(1);
    // The step that committed it waits for an answer that never comes; every later step must
    // still be able to create the ReplicaSet and finish the rollout.
    await eventually('hung Healthy on v1', () => app.status(), isHealthy, 60_000);
  }, 120_000);
});
