// `npm run bench`: every bench part on the local test bed (started or reused), results written
// to bench-results.json at the repository root and printed as markdown for the README.
// Benchmarks are not tests: nothing here asserts a timing; targets are reported, met or not.
//
//   node scripts/bench.ts [--rollouts N] [--noops N] [--connections both|new|shared]
//                         [--kubeconfig PATH]
//
// --connections: "new" is client-node 2.0.1 as KULTA uses it today (a new TCP+TLS connection
// per request), "shared" one connection pool for all requests (what a fix would give).
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readState } from '../test/bed/cluster.ts';
import { stepLatencyMarkdown } from './bench/markdown.ts';
import { runStepLatency, type StepLatencyResult } from './bench/step-latency.ts';
import { prepareCluster } from './demo/test-bed.ts';

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

function args() {
  const { values } = parseArgs({
    options: {
      rollouts: { type: 'string', default: '20' },
      noops: { type: 'string', default: '5' },
      connections: { type: 'string', default: 'both' },
      kubeconfig: { type: 'string' },
    },
  });
  if (!(values.connections in modes)) {
    throw new Error(`--connections must be both, new or shared (got "${values.connections}")`);
  }
  return {
    rollouts: positive('rollouts', values.rollouts),
    noops: positive('noops', values.noops),
    reuse: modes[values.connections as keyof typeof modes],
    kubeconfig: values.kubeconfig,
  };
}

const title = (r: StepLatencyResult): string =>
  r.reuseConnections
    ? 'Step latency — one shared connection pool (what-if)'
    : 'Step latency — client-node default (a new connection per request)';

async function main(): Promise<void> {
  const a = args();
  const progress = (line: string): void => {
    console.error(line);
  };
  const cluster = await prepareCluster(a.kubeconfig, progress);
  const started = new Date().toISOString();
  const stepLatency: StepLatencyResult[] = [];
  for (const reuseConnections of a.reuse) {
    progress(
      `step latency: ${a.rollouts} rollouts, shared connections: ${String(reuseConnections)}`,
    );
    stepLatency.push(
      await runStepLatency({ ...a, kubeconfig: cluster.kubeconfig, reuseConnections, progress }),
    );
  }
  const facts = await machine(cluster.kubeconfig);
  const path = join(root, 'bench-results.json');
  await writeFile(path, `${JSON.stringify({ started, machine: facts, stepLatency }, null, 2)}\n`);
  const cpu = `${String(facts.cores)} cores (${String(facts.cpu)}), Node ${process.version}`;
  const out = [
    `Machine: ${cpu}, ${String(facts.memoryGiB)} GiB, ${String(facts.os)}; code ${String(facts.code)}; load average at the end ${JSON.stringify(facts.loadAverage)}`,
    '',
  ];
  for (const r of stepLatency) {
    out.push(`### ${title(r)}`, '', r.method, '', ...stepLatencyMarkdown(r), '');
  }
  console.log(out.join('\n'));
  console.error(`results written to ${path}`);
  if (cluster.started) console.error('the test bed keeps running: npm run cluster:down stops it');
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
