// A small app on the test bed for canary tests: two Services, an HTTPRoute with rules and
// filters of its own, and a Rollout; plus the operator's patches (Argo CLI contract).
import {
  type CoreV1Api,
  type CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { type TestKube } from './kube.ts';

export const rolloutApi = { group: 'kulta.io', version: 'v1alpha1', plural: 'rollouts' } as const;
export const routeApi = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  plural: 'httproutes',
} as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function createService(
  core: CoreV1Api,
  namespace: string,
  name: string,
  app: string,
): Promise<void> {
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name },
      spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
}

/** A route with a rule of ours (matches, a filter, a timeout), and a rule for another app. */
export function routeManifest(name: string, app: string): JsonObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: {
      parentRefs: [{ name: 'shared-gateway', namespace: 'infra' }],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { add: [{ name: 'x-app', value: app }] },
            },
          ],
          timeouts: { request: '10s' },
          backendRefs: [
            { name: `${app}-stable`, port: 80, weight: 100 },
            { name: `${app}-canary`, port: 80, weight: 0 },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/static' } }],
          backendRefs: [{ name: 'cdn', port: 80 }],
        },
      ],
    },
  };
}

/** Blue-green with `<name>-stable` active and `<name>-canary` preview, over `<name>-route`. */
export function blueGreenStrategy(name: string, extra: JsonObject = {}): JsonObject {
  return {
    blueGreen: {
      activeService: `${name}-stable`,
      previewService: `${name}-canary`,
      scaleDownDelaySeconds: 2,
      abortScaleDownDelaySeconds: 2,
      trafficRouting: {
        plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route` } },
      },
      ...extra,
    },
  };
}

export function rolloutManifest(
  name: string,
  options: {
    image: string;
    replicas?: number;
    steps: JsonObject[];
    canary?: JsonObject;
    /** Replaces the canary strategy (blueGreen, simple). */
    strategy?: JsonObject;
  },
): JsonObject {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: options.image }] },
      },
      strategy: options.strategy ?? {
        canary: {
          stableService: `${name}-stable`,
          canaryService: `${name}-canary`,
          scaleDownDelaySeconds: 2,
          abortScaleDownDelaySeconds: 2,
          trafficRouting: {
            plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route` } },
          },
          steps: options.steps,
          ...options.canary,
        },
      },
    },
  };
}

export class CanaryApp {
  readonly kube: TestKube;
  readonly namespace: string;
  readonly name: string;

  constructor(kube: TestKube, namespace: string, name: string) {
    this.kube = kube;
    this.namespace = namespace;
    this.name = name;
  }

  get #custom(): CustomObjectsApi {
    return this.kube.custom;
  }

  async createBackends(): Promise<void> {
    await createService(this.kube.core, this.namespace, `${this.name}-stable`, this.name);
    await createService(this.kube.core, this.namespace, `${this.name}-canary`, this.name);
    await this.#custom.createNamespacedCustomObject({
      ...routeApi,
      namespace: this.namespace,
      body: routeManifest(`${this.name}-route`, this.name),
    });
  }

  async createRollout(manifest: JsonObject): Promise<void> {
    await this.#custom.createNamespacedCustomObject({
      ...rolloutApi,
      namespace: this.namespace,
      body: manifest,
    });
  }

  async rollout(): Promise<{
    metadata: { generation: number };
    spec: JsonObject;
    status?: RolloutStatus;
  }> {
    return (await this.#custom.getNamespacedCustomObject({
      ...rolloutApi,
      namespace: this.namespace,
      name: this.name,
    })) as { metadata: { generation: number }; spec: JsonObject; status?: RolloutStatus };
  }

  /** The Rollout's status; empty before the first reconcile step wrote one. */
  async status(): Promise<RolloutStatus> {
    const { status } = await this.rollout();
    return status ?? {};
  }

  async route(): Promise<JsonObject> {
    return (await this.#custom.getNamespacedCustomObject({
      ...routeApi,
      namespace: this.namespace,
      name: `${this.name}-route`,
    })) as JsonObject;
  }

  /** [stable, canary] weights of our backends in the route's first rule. */
  async weights(): Promise<[number, number]> {
    const route = await this.route();
    const spec = route.spec as { rules: { backendRefs: { weight?: number }[] }[] };
    const refs = spec.rules[0]?.backendRefs ?? [];
    return [Number(refs[0]?.weight), Number(refs[1]?.weight)];
  }

  async replicaSets(): Promise<V1ReplicaSet[]> {
    const list = await this.kube.apps.listNamespacedReplicaSet({
      namespace: this.namespace,
      labelSelector: `app=${this.name}`,
    });
    return list.items;
  }

  async serviceHash(role: 'stable' | 'canary'): Promise<string | undefined> {
    const svc = await this.kube.core.readNamespacedService({
      name: `${this.name}-${role}`,
      namespace: this.namespace,
    });
    return svc.spec?.selector?.['rollouts-pod-template-hash'];
  }

  async patchSpec(patch: JsonObject): Promise<void> {
    await this.#custom.patchNamespacedCustomObject(
      { ...rolloutApi, namespace: this.namespace, name: this.name, body: { spec: patch } },
      mergePatch,
    );
  }

  async setImage(image: string): Promise<void> {
    await this.patchSpec({ template: { spec: { containers: [{ name: this.name, image }] } } });
  }

  /** The operator contract: the same status patches as `kubectl argo rollouts`. */
  async patchStatus(patch: JsonObject): Promise<void> {
    await this.#custom.patchNamespacedCustomObjectStatus(
      { ...rolloutApi, namespace: this.namespace, name: this.name, body: { status: patch } },
      mergePatch,
    );
  }

  promote(): Promise<void> {
    return this.patchStatus({ pauseConditions: null });
  }

  abort(): Promise<void> {
    return this.patchStatus({ abort: true });
  }

  retry(): Promise<void> {
    return this.patchStatus({ abort: false });
  }
}
