// Counts every Kubernetes API request a KubeConfig's typed clients make, at the HTTP layer.
//
// client-node 2.x builds each typed client in `KubeConfig.makeApiClient` from a Configuration
// whose `httpApi` sends the requests (after the middleware has run). KULTA's adapters call
// `kc.makeApiClient(...)` themselves, so a KubeConfig subclass that hands them a Configuration
// with a wrapped `httpApi` sees every request they send — method, path, status, timing —
// without touching functions/. Watches do not go through typed clients and are not counted.
import {
  type ApiConstructor,
  type ApiType,
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';

export const writeVerbs: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ApiRequest {
  readonly method: string;
  /** URL path, e.g. /apis/kulta.io/v1alpha1/namespaces/x/rollouts/y/status */
  readonly path: string;
  /** HTTP status, or 0 when the request failed below HTTP. */
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export class RequestLog {
  readonly #requests: ApiRequest[] = [];

  record(request: ApiRequest): void {
    this.#requests.push(request);
  }

  /** A position to take `since(mark)` from. */
  mark(): number {
    return this.#requests.length;
  }

  since(mark: number): readonly ApiRequest[] {
    return this.#requests.slice(mark);
  }

  get all(): readonly ApiRequest[] {
    return this.#requests;
  }
}

/** Requests per verb, e.g. { GET: 5, PUT: 2 }. */
export function byVerb(requests: readonly ApiRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
  return counts;
}

export function writesIn(requests: readonly ApiRequest[]): number {
  return requests.filter((r) => writeVerbs.has(r.method)).length;
}

async function timed(
  log: RequestLog,
  inner: IsomorphicFetchHttpLibrary,
  request: RequestContext,
): Promise<ResponseContext> {
  const startedAt = performance.now();
  const method = request.getHttpMethod();
  const path = new URL(request.getUrl()).pathname;
  try {
    const response = await inner.send(request).toPromise();
    log.record({
      method,
      path,
      status: response.httpStatusCode,
      startedAt,
      endedAt: performance.now(),
    });
    return response;
  } catch (error) {
    log.record({ method, path, status: 0, startedAt, endedAt: performance.now() });
    throw error;
  }
}

/**
 * A KubeConfig whose typed clients log every request into `log`. With `reuseConnections`, all
 * requests share one undici dispatcher: client-node 2.0.1 builds a new Agent per request in
 * applySecurityAuthentication, so every request opens a new TCP+TLS connection; the bench
 * measures both to show what that costs.
 */
export class CountingKubeConfig extends KubeConfig {
  readonly log = new RequestLog();
  readonly #reuse: boolean;
  #dispatcher: ReturnType<RequestContext['getDispatcher']>;

  constructor(options: { reuseConnections: boolean }) {
    super();
    this.#reuse = options.reuseConnections;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!this.#reuse) return;
    this.#dispatcher ??= context.getDispatcher();
    if (this.#dispatcher) context.setDispatcher(this.#dispatcher);
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    const inner = new IsomorphicFetchHttpLibrary();
    const config = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this },
      httpApi: wrapHttpLibrary({ send: (request) => timed(this.log, inner, request) }),
    });
    return new apiClientType(config);
  }
}
