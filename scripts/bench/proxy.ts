// A counting HTTPS proxy in front of the test bed's apiserver: every request a controller
// process makes (watches included) passes through it, so KULTA and Argo are counted the same
// way, at the wire, whatever client library they use. It serves with the apiserver's own
// certificate (the test bed's self-signed one, valid for 127.0.0.1), so a copy of the kubeconfig
// with only `server` changed trusts it; the bearer token is passed through untouched.
import { readFile, writeFile } from 'node:fs/promises';
import { Agent, createServer, type Server, request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface ProxiedRequest {
  readonly method: string;
  /** Path without the query, e.g. /apis/argoproj.io/v1alpha1/namespaces/x/rollouts/y */
  readonly path: string;
  readonly watch: boolean;
  readonly startedAt: number;
  status: number;
  endedAt: number;
  /** Response body bytes read by the client. */
  bytesRead: number;
  /** Request body bytes sent by the client. */
  bytesWritten: number;
}

export interface CountingProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Writes a copy of `kubeconfig` that talks to this proxy; returns its path. */
  kubeconfigAt(path: string): Promise<string>;
  stop(): Promise<void>;
}

interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly ca: string;
}

function forward(upstream: Upstream, agent: Agent, log: ProxiedRequest[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
      startedAt: performance.now(),
      status: 0,
      endedAt: Number.NaN,
      bytesRead: 0,
      bytesWritten: 0,
    };
    log.push(entry);
    const out = request(
      {
        host: upstream.host,
        port: upstream.port,
        ca: upstream.ca,
        agent,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${upstream.host}:${String(upstream.port)}` },
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(entry.status, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          entry.bytesRead += chunk.length;
        });
        answer.on('end', () => {
          entry.endedAt = performance.now();
        });
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      entry.endedAt = performance.now();
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    req.on('data', (chunk: Buffer) => {
      entry.bytesWritten += chunk.length;
    });
    res.on('close', () => {
      out.destroy();
    });
    req.pipe(out);
  };
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
}

/** Starts a proxy for the cluster in `kubeconfig` (a test bed run folder holds the certs). */
export async function startCountingProxy(
  kubeconfig: string,
  testbedDir: string,
): Promise<CountingProxy> {
  const config = parse(await readFile(kubeconfig, 'utf8')) as KubeconfigFile;
  const cluster = config.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw new Error(`${kubeconfig}: the counting proxy needs clusters[0] with server and CA data`);
  }
  const target = new URL(cluster.server);
  const upstream: Upstream = {
    host: target.hostname,
    port: Number(target.port || 443),
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer(
    {
      cert: await readFile(join(testbedDir, 'certs', 'apiserver.crt')),
      key: await readFile(join(testbedDir, 'certs', 'apiserver.key')),
    },
    forward(upstream, agent, requests),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const url = `https://127.0.0.1:${String(address.port)}`;
  return {
    url,
    requests,
    async kubeconfigAt(path: string): Promise<string> {
      const copy = parse(await readFile(kubeconfig, 'utf8')) as KubeconfigFile;
      for (const c of copy.clusters ?? []) if (c.cluster) c.cluster.server = url;
      await writeFile(path, stringify(copy), { mode: 0o600 });
      return path;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
}

/** Requests (watches counted once, when opened) and bytes in `[from, to)` of a proxy's log. */
export function countBetween(
  requests: readonly ProxiedRequest[],
  from: number,
  to: number,
): { requests: number; watches: number; writes: number; bytesRead: number } {
  const inWindow = requests.filter((r) => r.startedAt >= from && r.startedAt < to);
  const writes = inWindow.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
  return {
    requests: inWindow.length,
    watches: inWindow.filter((r) => r.watch).length,
    writes: writes.length,
    bytesRead: inWindow.reduce((sum, r) => sum + r.bytesRead, 0),
  };
}

/** Requests in a window by verb and path, the namespace and object names generalised. */
export function pathsBetween(
  requests: readonly ProxiedRequest[],
  namespace: string,
  from: number,
  to: number,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    if (r.startedAt < from || r.startedAt >= to) continue;
    const path = r.path
      .replace(`/namespaces/${namespace}/`, '/namespaces/NS/')
      .replace(/\/namespaces\/NS\/([^/]+)\/[^/]+/, '/namespaces/NS/$1/NAME');
    const key = `${r.method}${r.watch ? ' (watch)' : ''} ${path}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
