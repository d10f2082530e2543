// `npm run demo`: KULTA on the local test bed, live. Starts (or reuses) the test bed, deploys a
// small app in a fresh namespace, runs the local runner in this process, then walks a canary
// to full promotion and shows an abort, with a live view of status, route weights and pods;
// or, named, one of the other strategies: blue-green, ab, simple; or `live`: a canary on the
// real bed's node under real request load (scripts/demo/live.ts).
//
//   node scripts/demo.ts [blue-green | ab | simple | live] [--canary-only | --abort-only] [--keep]
//                        [--namespace NAME] [--kubeconfig PATH]
//
// Exit 0 with a summary; 1 with a message on failure; 130 on Ctrl-C (runner stopped).
import { parseArgs } from 'node:util';
import { startLocalRunner, type LocalRunner } from '../functions/local/runner.ts';
import { createLogger } from '../functions/runtime/logger.ts';
import { CanaryApp } from '../test/support/canary-app.ts';
import { paintFor, wantsColour, type Paint } from '../functions/cli/paint.ts';
import {
  deployFirst,
  seconds,
  showAbort,
  walkCanary,
  type DemoContext,
  type Timing,
} from './demo/scenario.ts';
import { LiveScreen } from '../functions/cli/screen.ts';
import { runStrategyDemo, strategyDemos, type StrategyDemo } from './demo/strategies.ts';
import { deleteNamespace, prepareCluster, recreateNamespace } from './demo/test-bed.ts';
import { kubeClients, loadKubeConfigFile } from '../test/support/clients.ts';
import { runLiveDemo } from './demo/live.ts';

const usage = `usage: node scripts/demo.ts [blue-green | ab | simple | live] [--canary-only | --abort-only] [--keep] [--namespace NAME] [--kubeconfig PATH]
  live               on the real bed (root, a real node and Gateway): real requests, the share each
                     version serves as the weights step, then a bad version caught from its errors
  blue-green         a preview that waits for promote, then one switch of the active Service and route
  ab                 a header route for testers (X-Canary: yes), then weights
  simple             a rolling update within maxSurge/maxUnavailable
  (none)             a canary walked to full promotion, then an abort
  --canary-only      only walk a canary to full promotion
  --abort-only       only show an abort
  --keep             leave the namespace (and the app) in place afterwards
  --namespace NAME   namespace to (re)create, default kulta-demo
  --kubeconfig PATH  use this cluster instead of the local test bed (CRDs are installed)`;

interface Options {
  readonly strategy: StrategyDemo | undefined;
  /** `live`: the real bed's demo, which takes none of the other options. */
  readonly live: boolean;
  readonly canary: boolean;
  readonly abort: boolean;
  readonly keep: boolean;
  readonly namespace: string;
  readonly kubeconfig: string | undefined;
}

function options(): Options | undefined {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'canary-only': { type: 'boolean', default: false },
      'abort-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      namespace: { type: 'string', default: 'kulta-demo' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (values['canary-only'] && values['abort-only']) {
    throw new Error('--canary-only and --abort-only exclude each other');
  }
  const live = positionals.length === 1 && positionals[0] === 'live';
  const others = ['canary-only', 'abort-only', 'keep', 'namespace', 'kubeconfig'] as const;
  if (
    live &&
    others.some((k) => process.argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`)))
  ) {
    throw new Error('live takes no options: it runs on the real bed in namespace kulta-live');
  }
  return {
    live,
    strategy: live ? undefined : strategyOf(positionals),
    canary: !values['abort-only'],
    abort: !values['canary-only'],
    keep: values.keep,
    namespace: values.namespace,
    kubeconfig: values.kubeconfig,
  };
}

function strategyOf(positionals: readonly string[]): StrategyDemo | undefined {
  if (positionals.length > 1) throw new Error(`one demo at a time, got: ${positionals.join(' ')}`);
  const [name] = positionals;
  if (name === undefined) return undefined;
  const known = strategyDemos.find((d) => d === name);
  if (!known) throw new Error(`unknown demo "${name}": choose ${strategyDemos.join(', ')}`);
  return known;
}

/** "41 steps (applied 20, noop 19, conflict 2)" from the runner's own metrics. */
async function stepCounts(runner: LocalRunner): Promise<string> {
  const { values } = await runner.metrics.steps.get();
  const total = values.reduce((n, v) => n + v.value, 0);
  const parts = values.map((v) => `${String(v.labels.outcome)} ${String(v.value)}`).join(', ');
  return `${String(total)} reconcile steps (${parts})`;
}

function summary(timings: readonly Timing[], steps: string, paint: Paint): string[] {
  const width = Math.max(...timings.map((t) => t.what.length));
  return [
    '',
    paint.bold('Summary'),
    ...timings.map((t) => `  ${t.what.padEnd(width)}  ${paint.bold(seconds(t.ms).padStart(7))}`),
    `  ${paint.dim(`the local runner made ${steps}`)}`,
  ];
}

function goodbye(o: Options, startedBed: boolean): string[] {
  const bed = o.kubeconfig
    ? []
    : [
        startedBed
          ? 'The test bed started for this demo keeps running: stop it with `npm run cluster:down`.'
          : 'The test bed keeps running: stop it with `npm run cluster:down`.',
      ];
  const ns = o.keep
    ? `Namespace ${o.namespace} kept: kubectl --kubeconfig <path above> -n ${o.namespace} get rollouts,rs,httproutes`
    : `Namespace ${o.namespace} is being deleted (--keep leaves it).`;
  return [...bed, ns];
}

async function canaryDemo(o: Options, ctx: DemoContext): Promise<Timing[]> {
  const timings = [...(await deployFirst(ctx))];
  if (o.canary) timings.push(...(await walkCanary(ctx)));
  if (o.abort) timings.push(...(await showAbort(ctx)));
  return timings;
}

async function run(o: Options, signal: AbortSignal): Promise<void> {
  const out = process.stdout;
  const paint = paintFor(wantsColour(out));
  const progress = (line: string): void => {
    console.error(paint.dim(line));
  };
  const cluster = await prepareCluster(o.kubeconfig, progress);
  console.log(paint.dim(`KUBECONFIG=${cluster.kubeconfig}`));
  const kube = kubeClients(loadKubeConfigFile(cluster.kubeconfig));
  await recreateNamespace(kube.core, o.namespace);
  const level = process.env.KULTA_LOG_LEVEL ?? 'silent';
  const runner: LocalRunner = startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level, destination: process.stderr }),
    tickSeconds: 0.5,
    resyncSeconds: 10,
  });
  const screen = new LiveScreen(out, Date.now());
  const ctx: DemoContext = {
    app: new CanaryApp(kube, o.namespace, 'shop'),
    screen,
    paint,
    signal,
    timeoutMs: 60_000,
    pollMs: out.isTTY ? 100 : 200,
    seen: { transition: 0 },
  };
  try {
    const timings = o.strategy ? await runStrategyDemo(o.strategy, ctx) : await canaryDemo(o, ctx);
    screen.end();
    const steps = await stepCounts(runner);
    for (const line of [...summary(timings, steps, paint), '', ...goodbye(o, cluster.started)]) {
      console.log(line);
    }
  } finally {
    screen.end();
    runner.stop();
    if (!o.keep) await deleteNamespace(kube.core, o.namespace);
  }
}

async function main(): Promise<number> {
  let o: Options | undefined;
  try {
    o = options();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 2;
  }
  if (!o) {
    console.log(usage);
    return 0;
  }
  if (o.live) {
    return runLiveDemo((line) => {
      console.error(line);
    });
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\nInterrupted: stopping the runner (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    await run(o, controller.signal);
    return 0;
  } catch (error) {
    if (controller.signal.aborted) return 130;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\ndemo failed: ${message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const code = await main();
process.exitCode = code;
// Keep-alive sockets may hold the loop open for a moment; do not let them hold it forever.
setTimeout(() => process.exit(code), 3000).unref();
