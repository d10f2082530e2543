// A real Prometheus for tests: Prometheus 3 built from its Go module (test/bed/tools.ts, cached
// like the test bed's binaries) on a free 127.0.0.1 port with temp storage, fed by backfilled
// OpenMetrics (promtool) and/or a scraped test exporter; stopped by pid, removed after.
// The integration tests' global setup builds it once; PROMETHEUS_BINARY and PROMTOOL_BINARY
// (both) use other binaries instead.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isAlive, startProcess, stopProcess, waitFor } from '../bed/processes.ts';
import { insecureFetch } from '../../functions/adapters/insecure-fetch.ts';
import { ensurePrometheus } from '../bed/tools.ts';
import { eventually } from './kube.ts';

const run = promisify(execFile);

export interface PrometheusOptions {
  /** OpenMetrics text (ending with `# EOF`) backfilled into storage before start. */
  readonly openMetrics?: string;
  /** host:port targets to scrape, e.g. a startExporter() target. */
  readonly scrapeTargets?: readonly string[];
  /** Scrape and evaluation interval; default 1s. */
  readonly scrapeInterval?: string;
  /**
   * Serve https with a self-signed certificate for 127.0.0.1 (made with openssl into the temp
   * folder), through Prometheus' own --web.config.file.
   */
  readonly tls?: boolean;
}

export interface TestPrometheus {
  /** Base URL, http://127.0.0.1:<port> (https with `tls`). */
  readonly url: string;
  readonly pid: number;
  /** The temp folder with config, storage and log; removed by stop(). */
  readonly dir: string;
  /** Stops Prometheus by its pid and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

function config(options: PrometheusOptions): string {
  const interval = options.scrapeInterval ?? '1s';
  const lines = ['global:', `  scrape_interval: ${interval}`, `  evaluation_interval: ${interval}`];
  if (options.scrapeTargets !== undefined && options.scrapeTargets.length > 0) {
    lines.push('scrape_configs:', '  - job_name: test', '    static_configs:');
    lines.push(
      `      - targets: [${options.scrapeTargets.map((t) => JSON.stringify(t)).join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Starts Prometheus and waits until it is ready; on failure nothing is left behind. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<TestPrometheus> {
  const binaries = await ensurePrometheus((line) => {
    console.error(line);
  });
  const dir = await mkdtemp(join(tmpdir(), 'kulta-prometheus-'));
  const storage = join(dir, 'data');
  const logFile = join(dir, 'prometheus.log');
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    if (pid !== undefined) await stopProcess(pid);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'prometheus.yml'), config(options));
    if (options.openMetrics !== undefined) {
      await writeFile(join(dir, 'backfill.om'), options.openMetrics);
      await run(binaries.promtool, [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        join(dir, 'backfill.om'),
        storage,
      ]);
    }
    const port = await freePort();
    const web = options.tls === true ? [`--web.config.file=${await selfSignedTls(dir)}`] : [];
    pid = startProcess(
      binaries.prometheus,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...web,
      ],
      logFile,
    );
    const url = `${options.tls === true ? 'https' : 'http'}://127.0.0.1:${port}`;
    const started = pid;
    await waitFor(
      `Prometheus at ${url} (log: ${logFile})`,
      async () => {
        if (!isAlive(started)) throw new Error(`Prometheus exited: ${await tail(logFile)}`);
        // The readiness probe itself does not check the self-signed certificate.
        return (await insecureFetch(`${url}/-/ready`, {})).ok;
      },
      30_000,
    );
    return { url, pid: started, dir, stop };
  } catch (error) {
    const log = await tail(logFile);
    await stop();
    throw new Error(`could not start Prometheus: ${String(error)}\n${log}`, { cause: error });
  }
}

/** A self-signed certificate for 127.0.0.1 and Prometheus' web config serving it; its path. */
async function selfSignedTls(dir: string): Promise<string> {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=kulta-test-prometheus',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const config = join(dir, 'web.yml');
  await writeFile(config, `tls_server_config:\n  cert_file: ${cert}\n  key_file: ${key}\n`);
  return config;
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** One OpenMetrics family to backfill; counters get the `_total` suffix on their samples. */
export interface MetricFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
    /** Unix seconds, fractions allowed. */
    readonly time: number;
  }[];
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

/** OpenMetrics text for promtool: each family once, each series' samples in time order. */
export function openMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
    const sorted = [...family.samples].sort(
      (a, b) => labelText(a.labels).localeCompare(labelText(b.labels)) || a.time - b.time,
    );
    for (const s of sorted) lines.push(`${sampleName}${labelText(s.labels)} ${s.value} ${s.time}`);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** A small /metrics endpoint on 127.0.0.1 whose gauge values the test sets. */
export interface TestExporter {
  /** host:port for scrape configs. */
  readonly target: string;
  set(name: string, labels: Readonly<Record<string, string>>, value: number): void;
  stop(): Promise<void>;
}

export async function startExporter(): Promise<TestExporter> {
  const values = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const body = [...values].map(([series, value]) => `${series} ${value}`).join('\n');
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`${body}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('exporter has no port');
  return {
    target: `127.0.0.1:${address.port}`,
    set: (name, labels, value) => values.set(`${name}${labelText(labels)}`, value),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}

/** Waits until `query` returns `count` series: the exporter was scraped at least once. */
export async function scraped(prometheus: TestPrometheus, query: string, count: number) {
  const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`;
  await eventually(
    `${String(count)} series of ${query} in Prometheus`,
    async () => (await fetch(url)).json() as Promise<{ data?: { result?: unknown[] } }>,
    (body) => body.data?.result?.length === count,
  );
}
