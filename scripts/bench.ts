// `npm run bench`: every bench part on the local test bed (started or reused), results written
// to bench-results.json at the repository root and printed as markdown (docs/benchmarks.md).
// Benchmarks are not tests: nothing here asserts a timing; targets are reported, met or not.
//
//   node scripts/bench.ts [--parts steps,side,cold,sweep] [--rollouts N] [--noops N]
//                         [--connections shared|new|both] [--side-rollouts N] [--idle-seconds S]
//                         [--argo auto|skip] [--sweep 1000,10000] [--sweep-ticks N]
//                         [--cold-runs N] [--quiet-wait S] [--kubeconfig PATH]
//
// steps: reconcile steps driven one at a time (step-latency.ts). side: the same canaries through
// Argo Rollouts and KULTA, each a process behind a counting proxy (side-by-side.ts; builds Argo's
// controller once, many minutes cold, into the test bed's cache). cold: cold start and RSS of
// the bundled functions (cold-start.ts). sweep: the tick with 1,000 and 10,000 Rollouts
// (tick-sweep.ts). --connections: "shared" is one connection pool (PooledKubeConfig, as the
// functions run), "new" client-node 2.0.1 without it (a new TCP+TLS connection per request).
// side and sweep need the local test bed (the proxy serves with its apiserver certificate).
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ArgoBinaries, argoVersion, ensureArgo, installArgoCrds } from '../test/bed/argo.ts';
import { readState } from '../test/bed/cluster.ts';
import { kubeClients, loadKubeConfigFile } from '../test/support/clients.ts';
import { coldStartMarkdown, type ColdStartResult, runColdStart } from './bench/cold-start.ts';
import {
  activityMarkdown,
  sideBySideMarkdown,
  stepLatencyMarkdown,
  tickSweepMarkdown,
} from './bench/markdown.ts';
import { type BedCheck, waitForQuietBed } from './bench/shared-bed.ts';
import { runSideBySide, type SideBySideResult } from './bench/side-by-side.ts';
import { runStepLatency, type StepLatencyResult } from './bench/step-latency.ts';
import { runTickSweep, type TickSweepResult } from './bench/tick-sweep.ts';
import { deleteNamespace, prepareCluster, recreateNamespace } from './demo/test-bed.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modes = { new: [false], shared: [true], both: [false, true] } as const;

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return n;
}

/** The commit measured, and whether functions/ had uncommitted changes. */
function code(): string {
  try {
    const git = (args: string[]): string =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const dirty = git(['status', '--porcelain', '--', 'functions']) !== '';
    return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted functions/' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function machine(kubeconfig: string): Promise<Record<string, unknown>> {
  const state = await readState();
  return {
    code: code(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    kubernetes: state?.kubeconfig === kubeconfig ? state.versions : 'external cluster',
  };
}

const allParts = ['steps', 'side', 'cold', 'sweep'] as const;
type Part = (typeof allParts)[number];

function list(name: string, raw: string): number[] {
  if (raw === '' || raw === 'none') return [];
  return raw.split(',').map((x) => positive(name, x.trim()));
}

function args() {
  const { values } = parseArgs({
    options: {
      parts: { type: 'string', default: allParts.join(',') },
      rollouts: { type: 'string', default: '20' },
      noops: { type: 'string', default: '5' },
      connections: { type: 'string', default: 'shared' },
      'side-rollouts': { type: 'string', default: '5' },
      'idle-seconds': { type: 'string', default: '60' },
      argo: { type: 'string', default: 'auto' },
      sweep: { type: 'string', default: '1000,10000' },
      'sweep-ticks': { type: 'string', default: '10' },
      'cold-runs': { type: 'string', default: '7' },
      'quiet-wait': { type: 'string', default: '300' },
      kubeconfig: { type: 'string' },
    },
  });
  if (!(values.connections in modes)) {
    throw new Error(`--connections must be both, new or shared (got "${values.connections}")`);
  }
  const parts = values.parts.split(',').map((x) => x.trim());
  const unknown = parts.filter((x) => !(allParts as readonly string[]).includes(x));
  if (unknown.length > 0) {
    throw new Error(`--parts takes ${allParts.join(', ')} (got ${unknown.join(', ')})`);
  }
  if (values.argo !== 'auto' && values.argo !== 'skip') {
    throw new Error(`--argo must be auto or skip (got "${values.argo}")`);
  }
  return {
    parts: new Set(parts as Part[]),
    rollouts: positive('rollouts', values.rollouts),
    noops: positive('noops', values.noops),
    reuse: modes[values.connections as keyof typeof modes],
    sideRollouts: positive('side-rollouts', values['side-rollouts']),
    idleSeconds: positive('idle-seconds', values['idle-seconds']),
    argo: values.argo,
    sweep: list('sweep', values.sweep),
    sweepTicks: positive('sweep-ticks', values['sweep-ticks']),
    coldRuns: positive('cold-runs', values['cold-runs']),
    quietWaitMs: Number(values['quiet-wait']) * 1000,
    kubeconfig: values.kubeconfig,
  };
}

type Args = ReturnType<typeof args>;
const progress = (line: string): void => {
  console.error(line);
};

const title = (r: StepLatencyResult): string =>
  r.reuseConnections
    ? 'Step latency — one shared connection pool (PooledKubeConfig, as the functions run)'
    : 'Step latency — client-node without pooling (a new connection per request)';

/** Argo's binaries (built once, into the cache) and CRDs, or why Argo is not run. */
async function prepareArgo(
  a: Args,
  kubeconfig: string,
): Promise<ArgoBinaries | { skipped: string }> {
  if (a.argo === 'skip') return { skipped: '--argo skip' };
  try {
    const t0 = Date.now();
    const binaries = await ensureArgo(progress);
    await installArgoCrds(kubeconfig);
    progress(
      `argo: controller ${argoVersion()} ready in ${String(Math.round((Date.now() - t0) / 1000))} s`,
    );
    return binaries;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    progress(`argo: not run: ${why}`);
    return { skipped: why };
  }
}

/** Looks for other engineers' reconcilers on the shared bed, waiting a bounded time. */
async function checkBed(a: Args, kubeconfig: string): Promise<BedCheck> {
  const kube = kubeClients(loadKubeConfigFile(kubeconfig));
  const namespace = `kulta-bench-probe-${String(process.pid)}`;
  await recreateNamespace(kube.core, namespace);
  try {
    return await waitForQuietBed(kube, namespace, a.quietWaitMs, progress);
  } finally {
    await deleteNamespace(kube.core, namespace);
  }
}

interface Results {
  stepLatency?: StepLatencyResult[];
  sideBySide?: SideBySideResult;
  coldStart?: ColdStartResult;
  tickSweep?: TickSweepResult;
  sharedBed: Record<string, BedCheck>;
  skipped: Record<string, string>;
}

async function runParts(a: Args, kubeconfig: string, testbedDir: string | undefined) {
  const r: Results = { sharedBed: {}, skipped: {} };
  const noBed = 'needs the local test bed (its apiserver certificate serves the counting proxy)';
  if (a.parts.has('steps')) {
    r.sharedBed.steps = await checkBed(a, kubeconfig);
    r.stepLatency = [];
    for (const reuseConnections of a.reuse) {
      progress(
        `step latency: ${String(a.rollouts)} rollouts, shared connections: ${String(reuseConnections)}`,
      );
      r.stepLatency.push(await runStepLatency({ ...a, kubeconfig, reuseConnections, progress }));
    }
  }
  if (a.parts.has('side')) {
    if (testbedDir === undefined) r.skipped.side = noBed;
    else {
      const argo = await prepareArgo(a, kubeconfig);
      r.sharedBed.side = await checkBed(a, kubeconfig);
      const common = { kubeconfig, testbedDir, idleSeconds: a.idleSeconds, progress };
      r.sideBySide = await runSideBySide({
        ...common,
        rollouts: a.sideRollouts,
        logDir: tmpdir(),
        argo,
      });
    }
  }
  if (a.parts.has('cold')) r.coldStart = await runColdStart({ kubeconfig, runs: a.coldRuns });
  if (a.parts.has('sweep') && a.sweep.length > 0) {
    if (testbedDir === undefined) r.skipped.sweep = noBed;
    else {
      r.sharedBed.sweep = await checkBed(a, kubeconfig);
      const sweep = { sizes: a.sweep, ticks: a.sweepTicks, concurrency: 16, progress };
      r.tickSweep = await runTickSweep({ kubeconfig, testbedDir, ...sweep });
    }
  }
  return r;
}

function markdown(r: Results, facts: Record<string, unknown>): string {
  const cpu = `${String(facts.cores)} cores (${String(facts.cpu)}), Node ${process.version}`;
  const out = [
    `Machine: ${cpu}, ${String(facts.memoryGiB)} GiB, ${String(facts.os)}; code ${String(facts.code)}; load average at the end ${JSON.stringify(facts.loadAverage)}`,
    '',
  ];
  for (const s of r.stepLatency ?? []) {
    out.push(
      `### ${title(s)}`,
      '',
      s.method,
      '',
      ...activityMarkdown(s),
      '',
      ...stepLatencyMarkdown(s),
      '',
    );
  }
  if (r.sideBySide) {
    out.push(
      '### KULTA and Argo Rollouts side by side',
      '',
      r.sideBySide.method,
      '',
      ...sideBySideMarkdown(r.sideBySide),
      '',
    );
  }
  if (r.coldStart)
    out.push(
      '### Cold start and memory of the bundled functions',
      '',
      r.coldStart.method,
      '',
      ...coldStartMarkdown(r.coldStart),
      '',
    );
  if (r.tickSweep)
    out.push('### Tick sweep', '', r.tickSweep.method, '', ...tickSweepMarkdown(r.tickSweep), '');
  for (const [part, why] of Object.entries(r.skipped)) out.push(`${part}: not run: ${why}`);
  const busy = Object.entries(r.sharedBed).filter(([, c]) => c.foreignReconciler);
  if (busy.length > 0) {
    out.push(
      '',
      `Another reconciler was active on the shared test bed during: ${busy.map(([p]) => p).join(', ')} (figures disturbed).`,
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const a = args();
  const cluster = await prepareCluster(a.kubeconfig, progress);
  const state = await readState();
  const testbedDir = state?.kubeconfig === cluster.kubeconfig ? state.dir : undefined;
  const started = new Date().toISOString();
  const results = await runParts(a, cluster.kubeconfig, testbedDir);
  const facts = await machine(cluster.kubeconfig);
  const path = join(root, 'bench-results.json');
  const json = { started, finished: new Date().toISOString(), machine: facts, ...results };
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
  console.log(markdown(results, facts));
  console.error(`results written to ${path}`);
  if (cluster.started) console.error('the test bed keeps running: npm run cluster:down stops it');
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
