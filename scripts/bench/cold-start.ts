// Cold start of the reconcile function, as Knative sees it when scaling from zero: process
// start → first event handled (a 2xx answer to a CloudEvent that costs one API round trip),
// and the resident memory right after. The bundle (npm run build) is what the image runs; the
// TypeScript source run directly is measured beside it for comparison. Several runs, median.
// Needs the test bed (npm run cluster:up). Not a test: nothing is asserted.
//
//   node scripts/bench/cold-start.ts [--runs N] [--kubeconfig PATH]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { readState } from '../../test/bed/cluster.ts';
import { freePort } from '../../test/bed/processes.ts';
import { buildFunctions } from '../build-functions.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  /** Spawn to the first 2xx answer to /healthz (the server listens). */
  readonly listeningMs: number;
  /** Spawn to the first 2xx answer to a CloudEvent (the event was handled). */
  readonly firstEventMs: number;
  /** Resident set size right after the first event, in MiB. */
  readonly rssMiB: number;
}

/** A due event for a rollout that does not exist: one GET, a 404, acknowledged with 202. */
const event = {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': 'cold-start',
    'ce-source': '/kulta/bench',
    'ce-type': 'dev.kulta.rollout.due',
  },
  body: JSON.stringify({ namespace: 'default', name: 'cold-start-bench' }),
};

async function until(url: string, init: RequestInit | undefined, deadline: number) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, init);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new Error(`${url} did not answer 2xx in time`);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

async function once(args: readonly string[], kubeconfig: string): Promise<Run> {
  const port = await freePort();
  const base = `http://127.0.0.1:${String(port)}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      KULTA_LISTEN_HOST: '127.0.0.1',
      KULTA_LOG_LEVEL: 'warn',
      KUBECONFIG: kubeconfig,
    },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    await until(`${base}/healthz`, undefined, deadline);
    const listeningMs = performance.now() - started;
    await until(`${base}/`, event, deadline);
    const firstEventMs = performance.now() - started;
    return { listeningMs, firstEventMs, rssMiB: await rssMiB(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function summary(label: string, runs: readonly Run[]): string {
  const f = (pick: (r: Run) => number, unit: string, digits = 0): string => {
    const values = runs.map(pick);
    const range = `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    return `${median(values).toFixed(digits)} ${unit} (${range})`;
  };
  return [
    `| ${label} | ${f((r) => r.listeningMs, 'ms')} | ${f((r) => r.firstEventMs, 'ms')} |`,
    ` ${f((r) => r.rssMiB, 'MiB', 1)} |`,
  ].join('');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, kubeconfig: { type: 'string' } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  const kubeconfig = values.kubeconfig ?? (await readState())?.kubeconfig;
  if (!kubeconfig) throw new Error('no test bed running: npm run cluster:up (or --kubeconfig)');
  const outdir = await mkdtemp(join(tmpdir(), 'kulta-cold-start-'));
  try {
    await buildFunctions(outdir);
    const variants = [
      ['bundle (dist/reconcile.mjs)', [join(outdir, 'reconcile.mjs')]],
      ['source (functions/reconcile/main.ts)', ['functions/reconcile/main.ts']],
    ] as const;
    const lines = [
      `reconcile cold start, ${String(runs)} runs each, median (min–max), Node ${process.version}`,
      '| variant | start → listening | start → first event handled | RSS after it |',
      '| --- | --- | --- | --- |',
    ];
    for (const [label, args] of variants) {
      const results: Run[] = [];
      await once(args, kubeconfig); // warm the OS page cache; not counted
      for (let i = 0; i < runs; i += 1) results.push(await once(args, kubeconfig));
      lines.push(summary(label, results));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

await main();
