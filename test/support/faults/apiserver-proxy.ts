// A fault-injecting HTTPS proxy in front of the test bed's real kube-apiserver. The functions get
// a kubeconfig that points at it (same CA, same token: the proxy serves the apiserver's own
// certificate), and a seeded share of their requests fails: 500 and 503 answers, 409 conflicts on
// writes, timeouts (held, then the apiserver's 504), requests that are never answered (the client
// must give up by itself), connections dropped before the request reaches the apiserver, and
// dropped after it was applied (the write happened, the answer is lost). The proxy also narrows the functions to one namespace, as namespace-scoped RBAC would:
// cluster-wide lists and watches are rewritten to that namespace, anything else is refused (403),
// so a run on the shared test bed never touches other engineers' objects.
import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { Agent, createServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Random } from './seeded.ts';

export const faultKinds = [
  'error-500',
  'error-503',
  'conflict-409',
  'timeout-504',
  'stall',
  'drop-before',
  'drop-after',
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** What a request is, for fault choice, kill points and the report. */
export interface RequestInfo {
  readonly method: string;
  /** The path as forwarded (after narrowing to the namespace). */
  readonly path: string;
  readonly watch: boolean;
  readonly write: boolean;
  /** e.g. "rollouts/status", "replicasets", "httproutes", "events". */
  readonly resource: string;
}

/** Decides, after a write reached the apiserver, whether its answer is lost (e.g. a kill). */
export type WriteInterceptor = (info: RequestInfo, status: number) => Promise<'drop' | 'pass'>;

export interface FaultProxyOptions {
  /** The test bed's kubeconfig (its folder holds the apiserver's certificate and key). */
  readonly kubeconfig: string;
  /** The one namespace the functions may use. */
  readonly namespace: string;
  readonly random: Random;
  /** Share of requests that get a fault, 0–1. */
  readonly rate: number;
  /** How long a timeout holds the request before the 504; default 1500 ms. */
  readonly timeoutMs?: number;
}

export interface FaultCounts {
  requests: number;
  writes: number;
  watches: number;
  refusedOutsideNamespace: number;
  faults: Record<FaultKind, number>;
  /** Faults per resource, e.g. { "rollouts/status": 4 }. */
  faultsByResource: Record<string, number>;
}

interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly ca: string;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
}

/** One request being proxied, and whether its answer is to be lost. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly info: RequestInfo;
  readonly dropAfter: boolean;
}

/** The apiserver-shaped answer of each injected failure. */
const injected: Record<
  Exclude<FaultKind, 'drop-after' | 'drop-before' | 'stall'>,
  [number, string, string]
> = {
  'error-500': [500, 'InternalError', 'Internal error (injected by the fault proxy)'],
  'error-503': [
    503,
    'ServiceUnavailable',
    'The server is currently unable to handle the request (injected)',
  ],
  'conflict-409': [
    409,
    'Conflict',
    'Operation cannot be fulfilled: the object has been modified (injected)',
  ],
  'timeout-504': [
    504,
    'Timeout',
    'Timeout: request did not complete within the allotted timeout (injected)',
  ],
};

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const scopePattern = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/(.+)$/;

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
  });
}

/** The resource a path names ("rollouts", "rollouts/status", …); "" for discovery paths. */
function resourceOf(path: string): string {
  const match = scopePattern.exec(path.split('?')[0] ?? '');
  if (!match) return '';
  const parts = (match[2] ?? '').split('/');
  const rest = parts[0] === 'namespaces' && parts.length > 2 ? parts.slice(2) : parts;
  return rest.length >= 3 ? `${rest[0] ?? ''}/${rest[2] ?? ''}` : (rest[0] ?? '');
}

/**
 * The path narrowed to `namespace`: cluster-wide collection paths get the namespace inserted;
 * undefined when the path names another namespace.
 */
export function narrowPath(rawPath: string, namespace: string): string | undefined {
  const [path = '', query] = rawPath.split('?');
  const match = scopePattern.exec(path);
  if (!match) return rawPath;
  const [, prefix = '', rest = ''] = match;
  const parts = rest.split('/');
  const suffix = query === undefined ? '' : `?${query}`;
  if (parts[0] === 'namespaces') return parts[1] === namespace ? rawPath : undefined;
  // A cluster-scoped kind the functions read (none today) would pass unchanged; collections of
  // namespaced kinds are listed or watched across namespaces: narrow them.
  if (parts.length === 1) return `/${prefix}/namespaces/${namespace}/${rest}${suffix}`;
  return rawPath;
}

async function upstreamOf(kubeconfig: string): Promise<Upstream & { key: string; cert: string }> {
  const config = parseYaml(await readFile(kubeconfig, 'utf8')) as KubeconfigFile;
  const cluster = config.clusters[0]?.cluster;
  if (!cluster) throw new Error(`${kubeconfig} has no cluster`);
  const url = new URL(cluster.server);
  const certs = join(dirname(kubeconfig), 'certs');
  let cert: string;
  let key: string;
  try {
    cert = await readFile(join(certs, 'apiserver.crt'), 'utf8');
    key = await readFile(join(certs, 'apiserver.key'), 'utf8');
  } catch (error) {
    throw new Error(
      `the fault proxy serves the test bed's apiserver certificate, expected in ${certs} ` +
        '(apiserver.crt, apiserver.key); start the test bed with `npm run cluster:up`',
      { cause: error },
    );
  }
  const ca = Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString('utf8');
  return { host: url.hostname, port: Number(url.port || 443), ca, key, cert };
}

export class FaultProxy {
  readonly counts: FaultCounts = {
    requests: 0,
    writes: 0,
    watches: 0,
    refusedOutsideNamespace: 0,
    faults: Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>,
    faultsByResource: {},
  };
  /** Requests held unanswered right now ('stall'), as "METHOD path"; released when the client goes. */
  readonly stalled = new Set<string>();
  /** resourceVersions the apiserver answered to writes made through the proxy (lost answers too). */
  readonly writtenVersions = new Set<string>();
  /** Share of requests that get a fault; may be changed while running (0 turns faults off). */
  rate: number;
  /** Picks requests to hold unanswered and unforwarded (a targeted 'stall'), before any fault. */
  holdRequest: ((info: RequestInfo) => boolean) | undefined;
  /** Called after each write the apiserver answered; 'drop' loses the answer. */
  interceptWrite: WriteInterceptor | undefined;
  readonly #options: FaultProxyOptions;
  #server: Server | undefined;
  #upstream: Upstream | undefined;
  #agent: Agent | undefined;
  #port = 0;
  #kubeconfigPath = '';

  constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.rate = options.rate;
  }

  /** https://127.0.0.1:<port> */
  get url(): string {
    return `https://127.0.0.1:${String(this.#port)}`;
  }

  /** A kubeconfig like the test bed's, pointing at the proxy. */
  get kubeconfig(): string {
    return this.#kubeconfigPath;
  }

  async start(): Promise<void> {
    const upstream = await upstreamOf(this.#options.kubeconfig);
    this.#upstream = upstream;
    this.#agent = new Agent({ keepAlive: true, ca: upstream.ca });
    const server = createServer({ key: upstream.key, cert: upstream.cert }, (req, res) => {
      void this.#handle(req, res);
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    const config = parseYaml(await readFile(this.#options.kubeconfig, 'utf8')) as KubeconfigFile;
    for (const c of config.clusters) c.cluster.server = this.url;
    const dir = await mkdtemp(join(tmpdir(), 'kulta-fault-proxy-'));
    this.#kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(this.#kubeconfigPath, stringifyYaml(config), { mode: 0o600 });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    this.#agent?.destroy();
    this.#server = undefined;
  }

  #count(kind: FaultKind, info: RequestInfo): FaultKind {
    this.counts.faults[kind] += 1;
    const key = info.resource === '' ? '(discovery)' : info.resource;
    this.counts.faultsByResource[key] = (this.counts.faultsByResource[key] ?? 0) + 1;
    return kind;
  }

  /** The fault for this request, if it gets one (the kinds that make sense for it). */
  #fault(info: RequestInfo): FaultKind | undefined {
    const { random } = this.#options;
    if (!random.chance(this.rate)) return undefined;
    if (info.watch) return this.#count(random.pick(['error-503', 'drop-before'] as const), info);
    const kinds = info.write
      ? faultKinds
      : faultKinds.filter((k) => k !== 'conflict-409' && k !== 'drop-after');
    return this.#count(random.pick(kinds), info);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = narrowPath(req.url ?? '/', this.#options.namespace);
    this.counts.requests += 1;
    if (path === undefined) {
      this.counts.refusedOutsideNamespace += 1;
      const message = `the fault proxy lets the functions use namespace ${this.#options.namespace} only`;
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(status(403, 'Forbidden', message));
      return;
    }
    const watch = /[?&]watch=(true|1)/.test(path);
    const info: RequestInfo = {
      method,
      path,
      watch,
      write: writeMethods.has(method),
      resource: resourceOf(path),
    };
    if (info.write) this.counts.writes += 1;
    if (watch) this.counts.watches += 1;
    const fault = this.holdRequest?.(info) === true ? 'stall' : this.#fault(info);
    if (fault === undefined || fault === 'drop-after') {
      this.#forward({ req, res, info, dropAfter: fault === 'drop-after' });
      return;
    }
    await this.#answerFault(fault, req, res);
  }

  /** The injected answer: none (a dropped connection), or a Status as the apiserver sends it. */
  async #answerFault(
    fault: Exclude<FaultKind, 'drop-after'>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (fault === 'drop-before') {
      req.socket.destroy();
      return;
    }
    // Never answers; the connection stays open until the client gives up (or the proxy stops).
    if (fault === 'stall') {
      const what = `${req.method ?? ''} ${req.url ?? ''}`;
      this.stalled.add(what);
      req.socket.once('close', () => this.stalled.delete(what));
      return;
    }
    if (fault === 'timeout-504') await sleep(this.#options.timeoutMs ?? 1500);
    const [code, reason, message] = injected[fault];
    res.writeHead(code, { 'content-type': 'application/json' }).end(status(code, reason, message));
  }

  #forward(exchange: Exchange): void {
    const { req, res, info } = exchange;
    const upstream = this.#upstream;
    if (!upstream) throw new Error('the fault proxy is not started');
    const headers = { ...req.headers, host: `${upstream.host}:${String(upstream.port)}` };
    const out = httpsRequest(
      {
        host: upstream.host,
        port: upstream.port,
        method: info.method,
        path: info.path,
        headers,
        agent: this.#agent,
      },
      (answer) => {
        if (info.watch || !info.write) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('error', () => {
            req.socket.destroy();
          });
          answer.pipe(res);
          return;
        }
        this.#answerWrite(exchange, answer).catch(() => {
          req.socket.destroy();
        });
      },
    );
    out.on('error', () => {
      req.socket.destroy();
    });
    // The client went away before its answer was complete (a watch it stopped): stop upstream.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  }

  #recordVersion(body: Buffer): void {
    try {
      const written = JSON.parse(body.toString('utf8')) as {
        metadata?: { resourceVersion?: unknown };
      };
      const version = written.metadata?.resourceVersion;
      if (typeof version === 'string') this.writtenVersions.add(version);
    } catch {
      // not a JSON object (an error page): nothing was written
    }
  }

  /** A write's answer, read whole: passed on, or lost (the write happened anyway). */
  async #answerWrite(exchange: Exchange, answer: IncomingMessage): Promise<void> {
    const { req, res, info, dropAfter } = exchange;
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    const code = answer.statusCode ?? 502;
    this.#recordVersion(Buffer.concat(chunks));
    const verdict = dropAfter ? 'drop' : ((await this.interceptWrite?.(info, code)) ?? 'pass');
    if (verdict === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(code, answer.headers).end(Buffer.concat(chunks));
  }
}
