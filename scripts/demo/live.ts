// `npm run demo -- live`: a canary on the real bed's node under a load of real requests through
// the real Gateway (Traefik). Every second it prints the weights KULTA wrote and the share of
// requests each version really served; a healthy v2 walks to full promotion, then a v3 that
// fails half its requests is caught by an analysis reading Traefik's metrics in Prometheus and
// rolled back by itself.
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { startLocalRunner } from '../../functions/local/runner.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { buildBedImage } from '../../test/bed/images.ts';
import { startRealBed } from '../../test/bed/real/bed.ts';
import { importImage } from '../../test/bed/real/node.ts';
import { kubeClients, loadKubeConfigFile } from '../../test/support/clients.ts';
import {
  canaryStrategy,
  RealApp,
  traefikErrorRateTemplate,
  traefikService,
  type Behaviour,
} from '../../test/support/real-app.ts';
import { Load } from '../../test/support/traffic.ts';
import { deleteNamespace, recreateNamespace } from './test-bed.ts';

const namespace = 'kulta-live';
const name = 'shop';
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Answers per version within the current second, for the live line. */
class Window {
  counts: Record<string, number> = {};
  failed = 0;

  add(version: string | undefined): void {
    if (version === undefined) this.failed += 1;
    else this.counts[version] = (this.counts[version] ?? 0) + 1;
  }

  take(): { counts: Record<string, number>; failed: number } {
    const taken = { counts: this.counts, failed: this.failed };
    this.counts = {};
    this.failed = 0;
    return taken;
  }
}

function share(counts: Record<string, number>, failed: number): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) + failed;
  if (total === 0) return 'no answers';
  const parts = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${v} ${String(Math.round((100 * n) / total)).padStart(3)}%`);
  const errors = failed > 0 ? `  errors ${String(Math.round((100 * failed) / total))}%` : '';
  return `${parts.join('  ')}${errors}  (${String(total)} req/s)`;
}

function stepOf(status: RolloutStatus): string {
  return `step ${String(status.currentStepIndex ?? 0)}`;
}

/** Prints one live line a second until `done` says the rollout settled. */
async function watch(
  app: RealApp,
  window: Window,
  done: (s: RolloutStatus) => boolean,
  started: number,
): Promise<RolloutStatus> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const status = await app.status();
    const [stable, canary] = await app.weights();
    const seen = window.take();
    const secs = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    say(
      `${secs}s  ${(status.phase ?? '').padEnd(11)} ${stepOf(status).padEnd(7)}  route stable ${String(stable).padStart(3)} / canary ${String(canary).padStart(3)}   served: ${share(seen.counts, seen.failed)}`,
    );
    if (done(status)) return status;
  }
}

function steps(service: string): JsonObject[] {
  const analysis = {
    analysis: {
      templates: [{ templateName: 'gateway-error-rate' }],
      args: [{ name: 'service', value: service }],
    },
  };
  return [
    { setWeight: 20 },
    analysis,
    { setWeight: 50 },
    { pause: { duration: '5s' } },
    { setWeight: 80 },
    { pause: { duration: '5s' } },
  ];
}

async function revision(
  app: RealApp,
  window: Window,
  load: Load,
  b: Behaviour,
): Promise<{ status: RolloutStatus; failed: number; total: number }> {
  const before = load.tally();
  const started = Date.now();
  say(`\n== ${b.version}: ERROR_RATE=${String(b.errorRate ?? 0)} ==`);
  await app.setBehaviour(b);
  await new Promise((r) => setTimeout(r, 1500));
  const status = await watch(
    app,
    window,
    (s) => s.phase === 'Degraded' || (s.phase === 'Healthy' && s.stableRS === s.currentPodHash),
    started,
  );
  const after = load.tally();
  return { status, failed: after.failed - before.failed, total: after.total - before.total };
}

/** Runs the live demo on the real bed (started or reused); resolves with its exit code. */
export async function runLiveDemo(progress: (line: string) => void): Promise<number> {
  const { state } = await startRealBed(progress);
  const image = await buildBedImage('demo', progress);
  await importImage(state.real.ctr, state.real.containerdSocket, image.archive, progress);
  const kube = kubeClients(loadKubeConfigFile(state.kubeconfig));
  await recreateNamespace(kube.core, namespace);
  const runner = startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level: process.env.KULTA_LOG_LEVEL ?? 'silent' }),
    tickSeconds: 0.5,
    resyncSeconds: 10,
  });
  const window = new Window();
  let load: Load | undefined;
  try {
    await kube.custom.createNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysistemplates',
      namespace,
      body: traefikErrorRateTemplate(state.real.prometheus),
    });
    const app = new RealApp(kube, namespace, name, {
      image: image.ref,
      traefikApi: state.real.traefikApi,
    });
    await app.createBackends();
    const strategy = canaryStrategy(name, steps(traefikService(namespace, `${name}-canary`)));
    await app.createRollout(app.manifest({ version: 'v1' }, strategy));
    say(`Gateway ${state.real.gateway}, Host ${app.host}; v1 starting on the real node…`);
    await app.waitHealthy();
    load = new Load(state.real.gateway, app.host, {
      concurrency: 4,
      pauseMs: 20,
      onAnswer: (v) => {
        window.add(v);
      },
    });
    const good = await revision(app, window, load, { version: 'v2' });
    const bad = await revision(app, window, load, { version: 'v3', errorRate: 0.5 });
    say('');
    say(
      `v2 ${good.status.phase === 'Healthy' ? 'promoted' : 'NOT promoted'}: ${String(good.failed)} of ${String(good.total)} requests failed.`,
    );
    say(
      `v3 ${bad.status.phase === 'Degraded' ? 'caught and rolled back' : 'NOT rolled back'}: ${String(bad.failed)} of ${String(bad.total)} requests failed before traffic was back on v2.`,
    );
    say(`The real bed keeps running: stop it with \`npm run cluster:down\`.`);
    return good.status.phase === 'Healthy' && bad.status.phase === 'Degraded' ? 0 : 1;
  } finally {
    await load?.stop();
    runner.stop();
    await deleteNamespace(kube.core, namespace);
  }
}
