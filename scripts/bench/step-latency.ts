// Bench part "step latency": N rollouts on the test bed, each through a first revision, a
// zero-pause canary (setWeight 10 → 50 → 100) and an abort, driven step by step from real
// watch events (driver.ts). Measures each reconcile step's wall clock and API requests, the
// cost of a no-op step, image change → Healthy, and abort → canary weight 0.
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { kubernetesDeps } from '../../functions/runtime/deps.ts';
import { CanaryApp, rolloutManifest } from '../../test/support/canary-app.ts';
import { deleteNamespace, recreateNamespace } from '../demo/test-bed.ts';
import { kubeClients, loadKubeConfigFile } from '../../test/support/clients.ts';
import { SerialDriver, type StepSample } from './driver.ts';
import { type ApiRequest, CountingKubeConfig } from './request-log.ts';
import { ms, summarize, type Summary } from './stats.ts';

export interface StepLatencyOptions {
  readonly kubeconfig: string;
  readonly rollouts: number;
  /** Direct no-op steps per settled rollout. */
  readonly noops: number;
  /** One shared connection pool instead of client-node's new connection per request. */
  readonly reuseConnections: boolean;
  readonly progress: (line: string) => void;
}

const zeroPause: JsonObject[] = [{ setWeight: 10 }, { setWeight: 50 }, { setWeight: 100 }];
const withPause: JsonObject[] = [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }];
const image = (v: string): string => `registry.example/bench:${v}`;

interface StepClass {
  readonly steps: number;
  readonly stepMs: Summary;
  readonly eventToCommitMs: Summary;
  readonly eventToDoneMs: Summary;
  readonly requests: Summary;
  readonly writes: Summary;
  readonly verbs: Record<string, number>;
}

export interface StepLatencyResult {
  readonly method: string;
  readonly rollouts: number;
  /** Event-driven steps that wrote (status and/or world). */
  readonly applied: StepClass;
  /** Event-driven steps that found nothing to do (echoes of our own writes, RS status noise). */
  readonly noopEvents: StepClass;
  /** Direct steps on a settled rollout: the pure cost of "nothing changed". */
  readonly noopDirect: StepClass & { readonly outcomes: Record<string, number> };
  /**
   * Every step by what the rollout was doing: idle (direct steps on a settled rollout),
   * progressing (first revision, canary, pausing: event- and tick-driven), aborting (from the
   * abort patch until the rollout settled).
   */
  readonly byActivity: Record<'idle' | 'progressing' | 'aborting', StepClass>;
  /** Applied steps per transition (plan.event). */
  readonly byTransition: Record<string, StepClass>;
  readonly imageToHealthyMs: Summary;
  readonly abortToCanaryZeroMs: Summary;
  /** Wall clock of single API requests made by steps, per verb (connection setup included). */
  readonly requestMs: Record<string, Summary>;
  readonly reuseConnections: boolean;
  readonly conflicts: number;
  readonly errors: readonly string[];
  readonly targets: {
    readonly appliedStepP50Under20ms: boolean;
    readonly noopStepMakesNoWrite: boolean;
  };
}

function verbsOf(samples: readonly StepSample[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const s of samples) {
    for (const [verb, n] of Object.entries(s.verbs)) total[verb] = (total[verb] ?? 0) + n;
  }
  return total;
}

function classOf(samples: readonly StepSample[]): StepClass {
  return {
    steps: samples.length,
    stepMs: summarize(samples.map((s) => s.stepMs)),
    eventToCommitMs: summarize(samples.flatMap((s) => s.eventToCommitMs ?? [])),
    eventToDoneMs: summarize(samples.map((s) => s.eventToDoneMs)),
    requests: summarize(samples.map((s) => s.requests)),
    writes: summarize(samples.map((s) => s.writes)),
    verbs: verbsOf(samples),
  };
}

function countBy(samples: readonly StepSample[], key: (s: StepSample) => string) {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[key(s)] = (counts[key(s)] ?? 0) + 1;
  return counts;
}

const hashOf = (s: StepSample): string | undefined => s.plan?.nextStatus.currentPodHash;

/** One rollout's life: deploy, no-op probes, zero-pause canary, abort. */
async function oneRollout(
  driver: SerialDriver,
  app: CanaryApp,
  options: StepLatencyOptions,
): Promise<{ healthyMs: number; abortMs: number }> {
  const mine = (s: StepSample): boolean => s.rollout === app.name && s.outcome !== 'error';
  driver.label = 'deploy';
  await app.createBackends();
  const deployed = driver.until('first revision Healthy', (s) => mine(s) && isHealthy(s));
  await app.createRollout(
    rolloutManifest(app.name, {
      image: image('1'),
      steps: zeroPause,
      canary: { scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0 },
    }),
  );
  const first = hashOf(await deployed);
  await driver.quiet(300);
  driver.label = 'noop-direct';
  for (let i = 0; i < options.noops; i += 1) await driver.direct(app.name);
  driver.label = 'canary';
  const promoted = driver.until(
    'the canary fully promoted',
    (s) => mine(s) && isHealthy(s) && hashOf(s) !== first,
  );
  const t0 = performance.now();
  await app.setImage(image('2'));
  await promoted;
  const healthyMs = performance.now() - t0;
  await driver.quiet(300);
  return { healthyMs, abortMs: await abortOne(driver, app, mine) };
}

function isHealthy(s: StepSample): boolean {
  const status = s.plan?.nextStatus;
  return (
    status?.phase === 'Healthy' &&
    status.stableRS !== undefined &&
    status.stableRS === status.currentPodHash
  );
}

/** A new image that pauses at 10%; abort there; time until a step set the route to 0. */
async function abortOne(
  driver: SerialDriver,
  app: CanaryApp,
  mine: (s: StepSample) => boolean,
): Promise<number> {
  driver.label = 'pausing';
  const paused = driver.until(
    'paused at 10%',
    (s) => mine(s) && s.plan?.nextStatus.phase === 'Paused',
  );
  await app.patchSpec({
    template: { spec: { containers: [{ name: app.name, image: image('3') }] } },
    strategy: { canary: { steps: withPause } },
  });
  await paused;
  await driver.quiet(300);
  const zero = driver.until(
    'the route at canary weight 0',
    (s) =>
      mine(s) &&
      s.plan?.nextStatus.abortedAt !== undefined &&
      s.plan.actions.some((a) => a.kind === 'setRouteWeights' && a.canaryWeight === 0),
  );
  driver.label = 'aborting';
  const t0 = performance.now();
  await app.abort();
  await zero;
  const abortMs = performance.now() - t0;
  await driver.quiet(300);
  return abortMs;
}

export const stepLatencyMethod =
  "reconcileStep called directly, one step at a time, from real watch events (Rollouts and ReplicaSets) in this process, plus a 1 s tick for active rollouts; requests counted at client-node's HTTP layer (a KubeConfig whose typed clients get a wrapped httpApi).";

function requestTimes(requests: readonly ApiRequest[]): Record<string, Summary> {
  const verbs = [...new Set(requests.map((r) => r.method))].sort();
  return Object.fromEntries(
    verbs.map((v) => [
      v,
      summarize(requests.filter((r) => r.method === v).map((r) => r.endedAt - r.startedAt)),
    ]),
  );
}

interface Run {
  readonly requests: readonly ApiRequest[];
  readonly reuseConnections: boolean;
  readonly samples: readonly StepSample[];
  readonly rollouts: number;
  readonly e2e: { readonly healthy: number[]; readonly abort: number[] };
}

function result(run: Run): StepLatencyResult {
  const { samples, e2e } = run;
  const evented = samples.filter((s) => s.trigger !== 'direct' && s.outcome !== 'error');
  const applied = evented.filter((s) => s.outcome === 'applied');
  const direct = samples.filter((s) => s.trigger === 'direct');
  const noops = samples.filter((s) => s.outcome === 'noop');
  const transitions = [...new Set(applied.map((s) => s.transition ?? '(world only)'))];
  const appliedClass = classOf(applied);
  return {
    method: stepLatencyMethod,
    rollouts: run.rollouts,
    applied: appliedClass,
    noopEvents: classOf(evented.filter((s) => s.outcome === 'noop')),
    noopDirect: { ...classOf(direct), outcomes: countBy(direct, (s) => s.outcome) },
    byActivity: {
      idle: classOf(direct),
      progressing: classOf(
        evented.filter((s) => ['deploy', 'canary', 'pausing'].includes(s.label)),
      ),
      aborting: classOf(evented.filter((s) => s.label === 'aborting')),
    },
    byTransition: Object.fromEntries(
      transitions.map((t) => [
        t,
        classOf(applied.filter((s) => (s.transition ?? '(world only)') === t)),
      ]),
    ),
    imageToHealthyMs: summarize(e2e.healthy, 1),
    abortToCanaryZeroMs: summarize(e2e.abort, 1),
    requestMs: requestTimes(run.requests),
    reuseConnections: run.reuseConnections,
    conflicts: samples.filter((s) => s.outcome === 'conflict').length,
    errors: samples.flatMap((s) => (s.error === undefined ? [] : [s.error])),
    targets: {
      appliedStepP50Under20ms: appliedClass.stepMs.p50 < 20,
      noopStepMakesNoWrite:
        noops.every((s) => s.writes === 0) && direct.every((s) => s.outcome === 'noop'),
    },
  };
}

export async function runStepLatency(options: StepLatencyOptions): Promise<StepLatencyResult> {
  const counted = new CountingKubeConfig({ reuseConnections: options.reuseConnections });
  counted.loadFromFile(options.kubeconfig);
  const plain = kubeClients(loadKubeConfigFile(options.kubeconfig));
  const namespace = `kulta-bench-${randomBytes(3).toString('hex')}`;
  await recreateNamespace(plain.core, namespace);
  const driver = new SerialDriver(kubernetesDeps(counted), counted.log, namespace);
  const e2e = { healthy: [] as number[], abort: [] as number[] };
  try {
    await driver.start(plain.kc);
    for (let i = 0; i < options.rollouts; i += 1) {
      const app = new CanaryApp(plain, namespace, `bench-${String(i)}`);
      const { healthyMs, abortMs } = await oneRollout(driver, app, options);
      e2e.healthy.push(healthyMs);
      e2e.abort.push(abortMs);
      options.progress(
        `step latency: rollout ${String(i + 1)}/${String(options.rollouts)}: image → Healthy ${ms(healthyMs)}, abort → weight 0 ${ms(abortMs)}`,
      );
    }
  } finally {
    driver.stop();
    await deleteNamespace(plain.core, namespace);
  }
  return result({
    requests: counted.log.all,
    reuseConnections: options.reuseConnections,
    samples: driver.samples,
    rollouts: options.rollouts,
    e2e,
  });
}
