// Cold start of the bundled functions, as Knative sees it when scaling from zero: process
// start → first event handled (reconcile: a due event that costs one API round trip; tick: a
// PingSource ping that lists the active Rollouts), and the resident memory right after (idle);
// then RSS under load (a burst of events, several in flight). The bundles (npm run build) are
// what the image runs; the reconcile source run directly is measured beside them. Several runs,
// median. Needs the test bed (npm run cluster:up). Not a test: nothing is asserted.
// `npm run bench` calls runColdStart; run alone, this prints its table.
//
//   node scripts/bench/cold-start.ts [--runs N] [--kubeconfig PATH]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pingEvent } from '../../functions/local/bridge.ts';
import { readState } from '../../test/bed/cluster.ts';
import { freePort } from '../../test/bed/processes.ts';
import { buildFunctions } from '../build-functions.ts';
import { memoryOf } from './observe.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  /** Spawn to the first 2xx answer to /healthz (the server listens). */
  readonly listeningMs: number;
  /** Spawn to the first 2xx answer to a CloudEvent (the event was handled). */
  readonly firstEventMs: number;
  /** Resident set size right after the first event, in MiB (the instance idles from here). */
  readonly rssMiB: number;
  /** Peak RSS (VmHWM) after a burst of `loadEvents` events, `inFlight` at a time. */
  readonly loadPeakMiB: number;
}

/** A due event for a rollout that does not exist: one GET, a 404, acknowledged with 202. */
const dueEvent = (): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': `cold-start-${String(Math.random())}`,
    'ce-source': '/kulta/bench',
    'ce-type': 'dev.kulta.rollout.due',
  },
  body: JSON.stringify({ namespace: 'default', name: 'cold-start-bench' }),
});

const ping = (): RequestInit => {
  const e = pingEvent({});
  return { method: 'POST', headers: e.headers, body: e.body };
};

async function until(url: string, init: () => RequestInit | undefined, deadline: number) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, init());
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new Error(`${url} did not answer 2xx in time`);
}

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
  readonly event: () => RequestInit;
  /** The burst: reconcile takes many events at once; the tick one ping every 2 s. */
  readonly load: Load;
}

interface Load {
  readonly events: number;
  readonly inFlight: number;
}

async function burst(url: string, variant: Variant, load: Load): Promise<void> {
  let left = load.events;
  const worker = async (): Promise<void> => {
    while (left > 0) {
      left -= 1;
      const response = await fetch(url, variant.event());
      await response.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: load.inFlight }, worker));
}

async function once(variant: Variant, env: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const base = `http://127.0.0.1:${String(port)}`;
  const started = performance.now();
  const child = spawn(process.execPath, variant.args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      KULTA_LISTEN_HOST: '127.0.0.1',
      KULTA_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    await until(`${base}/healthz`, () => undefined, deadline);
    const listeningMs = performance.now() - started;
    await until(`${base}/`, variant.event, deadline);
    const firstEventMs = performance.now() - started;
    const idle = await memoryOf(child.pid);
    await burst(`${base}/`, variant, variant.load);
    const loaded = await memoryOf(child.pid);
    return { listeningMs, firstEventMs, rssMiB: idle.rssMiB, loadPeakMiB: loaded.peakMiB };
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

export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface ColdStartVariant {
  readonly variant: string;
  readonly runs: number;
  readonly listeningMs: Figure;
  readonly firstEventMs: Figure;
  readonly rssMiB: Figure;
  readonly loadPeakMiB: Figure;
  readonly load: Load;
}

export interface ColdStartResult {
  readonly method: string;
  readonly variants: readonly ColdStartVariant[];
}

function figure(values: readonly number[], digits: number): Figure {
  const f = 10 ** digits;
  const r = (x: number): number => Math.round(x * f) / f;
  return { median: r(median(values)), min: r(Math.min(...values)), max: r(Math.max(...values)) };
}

/** A local stand-in for the Broker: the tick's due events are answered 202 and dropped. */
async function sink(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${String(port)}/`, close: () => server.close() };
}

export const coldStartMethod =
  'Each variant spawned fresh (one warm-up run not counted, then N runs, median and range): start → /healthz answers; start → first CloudEvent answered 2xx (reconcile: a due event for a missing Rollout, one GET; tick: a PingSource ping, one LIST of active Rollouts, due events to a local 202 sink); VmRSS right after (idle); then a burst of events with several in flight and the peak RSS (VmHWM).';

export async function runColdStart(options: {
  kubeconfig: string;
  runs: number;
}): Promise<ColdStartResult> {
  const load = { events: 300, inFlight: 10 };
  const tickLoad = { events: 30, inFlight: 2 };
  const outdir = await mkdtemp(join(tmpdir(), 'kulta-cold-start-'));
  const broker = await sink();
  try {
    await buildFunctions(outdir);
    const env = { KUBECONFIG: options.kubeconfig };
    const variants: [Variant, Record<string, string>][] = [
      [
        {
          label: 'reconcile bundle (dist/reconcile.mjs)',
          args: [join(outdir, 'reconcile.mjs')],
          event: dueEvent,
          load,
        },
        env,
      ],
      [
        {
          label: 'tick bundle (dist/tick.mjs)',
          args: [join(outdir, 'tick.mjs')],
          event: ping,
          load: tickLoad,
        },
        { ...env, K_SINK: broker.url },
      ],
      [
        {
          label: 'reconcile source (functions/reconcile/main.ts)',
          args: ['functions/reconcile/main.ts'],
          event: dueEvent,
          load,
        },
        env,
      ],
    ];
    const results: ColdStartVariant[] = [];
    for (const [variant, vars] of variants) {
      const runs: Run[] = [];
      await once(variant, vars); // warm the OS page cache; not counted
      for (let i = 0; i < options.runs; i += 1) runs.push(await once(variant, vars));
      results.push({
        variant: variant.label,
        runs: runs.length,
        load: variant.load,
        listeningMs: figure(
          runs.map((r) => r.listeningMs),
          0,
        ),
        firstEventMs: figure(
          runs.map((r) => r.firstEventMs),
          0,
        ),
        rssMiB: figure(
          runs.map((r) => r.rssMiB),
          1,
        ),
        loadPeakMiB: figure(
          runs.map((r) => r.loadPeakMiB),
          1,
        ),
      });
    }
    return { method: coldStartMethod, variants: results };
  } finally {
    broker.close();
    await rm(outdir, { recursive: true, force: true });
  }
}

const range = (f: Figure, unit: string, digits = 0): string =>
  `${f.median.toFixed(digits)} ${unit} (${f.min.toFixed(digits)}–${f.max.toFixed(digits)})`;

export function coldStartMarkdown(r: ColdStartResult): string[] {
  return [
    '| function | start → listening | start → first event handled | RSS idle (after it) | peak RSS under load |',
    '| --- | --- | --- | --- | --- |',
    ...r.variants.map(
      (v) =>
        `| ${v.variant} | ${range(v.listeningMs, 'ms')} | ${range(v.firstEventMs, 'ms')} | ${range(v.rssMiB, 'MiB', 1)} | ${range(v.loadPeakMiB, 'MiB', 1)} (${String(v.load.events)} events, ${String(v.load.inFlight)} in flight) |`,
    ),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, kubeconfig: { type: 'string' } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  const kubeconfig = values.kubeconfig ?? (await readState())?.kubeconfig;
  if (!kubeconfig) throw new Error('no test bed running: npm run cluster:up (or --kubeconfig)');
  const result = await runColdStart({ kubeconfig, runs });
  const lines = [
    `cold start, ${String(runs)} runs each, median (min–max), Node ${process.version}`,
    ...coldStartMarkdown(result),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
