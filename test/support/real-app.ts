// A demo workload on the real bed: two Services, an HTTPRoute attached to the bed's Gateway
// under a host name of its own, and a Rollout whose pods run the demo image (version, error
// ratio and latency from their environment). Revisions differ only in that environment.
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { CanaryApp, rolloutManifest, routeApi } from './canary-app.ts';
import { eventually, type TestKube } from './kube.ts';

/** What one revision of the demo workload does. */
export interface Behaviour {
  readonly version: string;
  readonly errorRate?: number;
  readonly latencyMs?: number;
}

interface RouteParent {
  parentRef: { name: string; namespace?: string };
  conditions?: { type: string; status: string; observedGeneration?: number }[];
}

/** The gateway the real bed provides (test/bed/real/gateway.ts). */
export const bedGateway = { name: 'kulta-bed', namespace: 'kulta-bed' } as const;

/** The demo container for one behaviour: never pulled, ready only once it answers. */
export function demoContainer(name: string, image: string, b: Behaviour): JsonObject {
  return {
    name,
    image,
    imagePullPolicy: 'Never',
    ports: [{ containerPort: 8080 }],
    env: [
      { name: 'VERSION', value: b.version },
      { name: 'ERROR_RATE', value: String(b.errorRate ?? 0) },
      { name: 'LATENCY_MS', value: String(b.latencyMs ?? 0) },
    ],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
  };
}

/** A route with one rule: our stable and canary Services at 100/0, for `host` only. */
export function realRouteManifest(name: string, host: string): JsonObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `${name}-route` },
    spec: {
      parentRefs: [{ name: bedGateway.name, namespace: bedGateway.namespace }],
      hostnames: [host],
      rules: [
        {
          backendRefs: [
            { name: `${name}-stable`, port: 80, weight: 100 },
            { name: `${name}-canary`, port: 80, weight: 0 },
          ],
        },
      ],
    },
  };
}

/** What a RealApp needs of the real bed: the demo image and Traefik's API. */
export interface Bed {
  readonly image: string;
  readonly traefikApi: string;
}

interface TraefikRouter {
  readonly name: string;
  readonly service: string;
}

interface TraefikService {
  readonly name: string;
  readonly weighted?: { readonly services?: readonly { name: string; weight?: number }[] };
  readonly loadBalancer?: { readonly servers?: readonly { url: string }[] };
}

/** Traefik's name for generated objects: every run of other characters becomes one '-'. */
const normalize = (name: string): string =>
  name
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join('-');

interface RouteRule {
  readonly matches?: readonly unknown[];
  readonly backendRefs?: readonly { weight?: number }[];
}

/** True when Traefik's routers for one rule all lead to weighted services with `weights`. */
function ruleLoaded(
  routers: readonly TraefikRouter[],
  services: ReadonlyMap<string, TraefikService>,
  weights: readonly number[],
): boolean {
  return routers.every((r) => {
    const service = services.get(`${r.service}@kubernetesgateway`) ?? services.get(r.service);
    const loaded = (service?.weighted?.services ?? []).map((c) => c.weight ?? 1);
    return JSON.stringify(loaded) === JSON.stringify(weights);
  });
}

export class RealApp extends CanaryApp {
  readonly image: string;
  readonly traefikApi: string;
  /** The host name the route answers for (requests carry it as `Host`). */
  readonly host: string;

  constructor(kube: TestKube, namespace: string, name: string, bed: Bed) {
    super(kube, namespace, name);
    this.image = bed.image;
    this.traefikApi = bed.traefikApi;
    this.host = `${name}.${namespace}.kulta.test`;
  }

  /**
   * Waits until the Gateway took the route as it is now: Accepted and ResolvedRefs for its
   * generation, and Traefik's loaded routers and weighted services match every rule.
   */
  async gatewayTook(timeoutMs = 60_000): Promise<void> {
    await eventually('the Gateway to take the route', () => this.#loaded(), Boolean, timeoutMs);
  }

  async #loaded(): Promise<boolean> {
    const conditions = await this.parentConditions();
    if (conditions.Accepted !== 'True' || conditions.ResolvedRefs !== 'True') return false;
    const rules = ((await this.route()).spec as unknown as { rules: RouteRule[] }).rules;
    const get = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${this.traefikApi}${path}?per_page=1000`)).json()) as T;
    const routers = await get<TraefikRouter[]>('/http/routers');
    const services = new Map(
      (await get<TraefikService[]>('/http/services')).map((s) => [s.name, s]),
    );
    if (!(await this.#endpointsLoaded(services))) return false;
    const prefix = normalize(
      `httproute-${this.namespace}-${this.name}-route-gw-${bedGateway.namespace}-${bedGateway.name}-ep-web`,
    );
    const ours = routers.filter((r) => r.name.startsWith(`${prefix}-`));
    const expected = rules.reduce((n, r) => n + Math.max(1, r.matches?.length ?? 0), 0);
    if (ours.length !== expected) return false;
    return rules.every((rule, i) =>
      ruleLoaded(
        ours.filter((r) => r.name.startsWith(`${prefix}-${String(i)}-`)),
        services,
        (rule.backendRefs ?? []).map((b) => b.weight ?? 1),
      ),
    );
  }

  override async createBackends(): Promise<void> {
    for (const role of ['stable', 'canary']) {
      await this.kube.core.createNamespacedService({
        namespace: this.namespace,
        body: {
          metadata: { name: `${this.name}-${role}` },
          spec: { selector: { app: this.name }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      });
    }
    await this.kube.custom.createNamespacedCustomObject({
      ...routeApi,
      namespace: this.namespace,
      body: realRouteManifest(this.name, this.host),
    });
  }

  /** A Rollout of the demo image: `strategy` is the manifest's strategy block. */
  manifest(b: Behaviour, strategy: JsonObject, replicas = 2): JsonObject {
    const base = rolloutManifest(this.name, { image: this.image, replicas, steps: [], strategy });
    const spec = base.spec as JsonObject & { template: JsonObject };
    return {
      ...base,
      spec: {
        ...spec,
        template: {
          metadata: { labels: { app: this.name } },
          spec: { containers: [demoContainer(this.name, this.image, b)] },
        },
      },
    };
  }

  /** Waits until the Rollout is Healthy and the Gateway took the route. */
  async waitHealthy(timeoutMs = 180_000): Promise<void> {
    await eventually(
      'Healthy',
      () => this.status(),
      (s) => s.phase === 'Healthy',
      timeoutMs,
    );
    await this.gatewayTook();
  }

  /** The names of the route's rules (KULTA's header rules are named `kulta-…`). */
  async ruleNames(): Promise<string[]> {
    const spec = (await this.route()).spec as { rules: { name?: string }[] };
    return spec.rules.map((r) => r.name ?? '');
  }

  /** True when Traefik sends each of our Services to exactly its ready pods. */
  async #endpointsLoaded(services: ReadonlyMap<string, TraefikService>): Promise<boolean> {
    for (const role of ['stable', 'canary']) {
      const service = `${this.name}-${role}`;
      const svc = await this.kube.core.readNamespacedService({
        name: service,
        namespace: this.namespace,
      });
      const selector = Object.entries(svc.spec?.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const pods = await this.kube.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: selector,
      });
      const ready = pods.items
        .filter((p) => p.metadata?.deletionTimestamp === undefined)
        .filter((p) =>
          (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        )
        .map((p) => `http://${p.status?.podIP ?? ''}:8080`)
        .sort();
      const name = traefikService(this.namespace, service);
      const loaded = (services.get(name)?.loadBalancer?.servers ?? []).map((s) => s.url).sort();
      if (JSON.stringify(loaded) !== JSON.stringify(ready)) return false;
    }
    return true;
  }

  /** The bed Gateway's conditions on the route, only those reported for its generation. */
  async parentConditions(): Promise<Record<string, string>> {
    const route = (await this.route()) as unknown as {
      metadata: { generation: number };
      status?: { parents?: RouteParent[] };
    };
    const parent = (route.status?.parents ?? []).find(
      (p) => p.parentRef.name === bedGateway.name && p.parentRef.namespace === bedGateway.namespace,
    );
    const current = (parent?.conditions ?? []).filter(
      (c) => c.observedGeneration === route.metadata.generation,
    );
    return Object.fromEntries(current.map((c) => [c.type, c.status]));
  }

  /** A new revision: the same image with another behaviour. */
  async setBehaviour(b: Behaviour): Promise<void> {
    await this.patchSpec({
      template: { spec: { containers: [demoContainer(this.name, this.image, b)] } },
    });
  }
}

/** A canary strategy over `<name>-stable`/`<name>-canary` and `<name>-route`. */
export function canaryStrategy(name: string, steps: JsonObject[], extra: JsonObject = {}) {
  return {
    canary: {
      stableService: `${name}-stable`,
      canaryService: `${name}-canary`,
      scaleDownDelaySeconds: 2,
      abortScaleDownDelaySeconds: 2,
      trafficRouting: { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route` } } },
      steps,
      ...extra,
    },
  };
}

/** Traefik's name for a Service backend of a Gateway API route, as its metrics label it. */
export function traefikService(namespace: string, service: string, port = 80): string {
  return `${namespace}-${service}-http-${String(port)}@kubernetesgateway`;
}

/**
 * The share of a backend's requests that failed (5xx) over the last `window`, from Traefik's own
 * per-backend counters. Without any request in the window there is no data: never a pass.
 */
export function traefikErrorRateTemplate(prometheus: string, window = '10s'): JsonObject {
  const requests = 'traefik_service_requests_total{service="{{args.service}}"}';
  const failed = 'traefik_service_requests_total{service="{{args.service}}",code=~"5.."}';
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'gateway-error-rate' },
    spec: {
      args: [{ name: 'service' }],
      metrics: [
        {
          name: 'error-ratio',
          // Prometheus needs two scrapes of the canary's first requests for a rate.
          initialDelay: '10s',
          interval: '3s',
          count: 3,
          failureLimit: 0,
          successCondition: 'result[0] < 0.05',
          noDataPolicy: 'inconclusive',
          provider: {
            prometheus: {
              address: prometheus,
              query: `(sum(rate(${failed}[${window}])) or vector(0)) / sum(rate(${requests}[${window}]))`,
            },
          },
        },
      ],
    },
  };
}
