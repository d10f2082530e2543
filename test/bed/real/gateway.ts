// The real bed's Gateway: Traefik as the Gateway API implementation (out of cluster, inside the
// bed's netns, routing to pod IPs from EndpointSlices), the GatewayClass and the Gateway
// `kulta-bed/kulta-bed` with one HTTP listener for routes from every namespace, and Prometheus
// scraping Traefik's per-backend request metrics.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Progress } from '../assets.ts';
import type { Starter } from '../cluster.ts';
import { ensurePrometheus, ensureTraefik } from '../tools.ts';
import type { Footprint } from './host.ts';

export const gatewayNamespace = 'kulta-bed';
export const gatewayName = 'kulta-bed';
export const gatewayClassName = 'kulta-bed';
const traefikController = 'traefik.io/gateway-controller';

/** Ports inside the netns: the Gateway's HTTP listener, Traefik's own, Prometheus. */
export const gatewayPorts = { http: 8000, traefik: 9000, prometheus: 9090 } as const;

/** How often Prometheus scrapes Traefik: analysis steps read rates over a few of these. */
export const scrapeIntervalSeconds = 1;

function traefikArgs(f: Footprint): string[] {
  return [
    `--entryPoints.web.address=${f.nodeIp}:${String(gatewayPorts.http)}`,
    `--entryPoints.traefik.address=${f.nodeIp}:${String(gatewayPorts.traefik)}`,
    '--providers.kubernetesGateway=true',
    `--providers.kubernetesGateway.statusAddress.ip=${f.nodeIp}`,
    '--metrics.prometheus=true',
    '--metrics.prometheus.entryPoint=traefik',
    '--metrics.prometheus.addServicesLabels=true',
    '--metrics.prometheus.addEntryPointsLabels=true',
    '--api=true',
    '--api.insecure=true',
    '--api.dashboard=false',
    '--ping=true',
    '--ping.entryPoint=traefik',
    '--log.level=INFO',
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
  ];
}

function prometheusConfig(f: Footprint): string {
  return `global:
  scrape_interval: ${String(scrapeIntervalSeconds)}s
  evaluation_interval: ${String(scrapeIntervalSeconds)}s
scrape_configs:
  - job_name: traefik
    static_configs:
      - targets: ['${f.nodeIp}:${String(gatewayPorts.traefik)}']
`;
}

async function applyGateway(kubeconfig: string): Promise<CustomObjectsApi> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const group = 'gateway.networking.k8s.io';
  await core.createNamespace({ body: { metadata: { name: gatewayNamespace } } });
  await custom.createClusterCustomObject({
    group,
    version: 'v1',
    plural: 'gatewayclasses',
    body: {
      apiVersion: `${group}/v1`,
      kind: 'GatewayClass',
      metadata: { name: gatewayClassName },
      spec: { controllerName: traefikController },
    },
  });
  await custom.createNamespacedCustomObject({
    group,
    version: 'v1',
    namespace: gatewayNamespace,
    plural: 'gateways',
    body: {
      apiVersion: `${group}/v1`,
      kind: 'Gateway',
      metadata: { name: gatewayName, namespace: gatewayNamespace },
      spec: {
        gatewayClassName,
        listeners: [
          {
            name: 'http',
            protocol: 'HTTP',
            port: gatewayPorts.http,
            allowedRoutes: { namespaces: { from: 'All' } },
          },
        ],
      },
    },
  });
  return custom;
}

async function gatewayProgrammed(custom: CustomObjectsApi): Promise<boolean> {
  const gateway = (await custom.getNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace: gatewayNamespace,
    plural: 'gateways',
    name: gatewayName,
  })) as { status?: { conditions?: { type: string; status: string }[] } };
  return (gateway.status?.conditions ?? []).some(
    (c) => c.type === 'Programmed' && c.status === 'True',
  );
}

/** Starts Traefik and Prometheus; resolves when the Gateway is Programmed and Prometheus ready. */
export async function startGateway(
  s: Starter,
  f: Footprint,
  kubeconfig: string,
  progress: Progress,
): Promise<{ address: string; prometheus: string; api: string; versions: Record<string, string> }> {
  const { traefik, version } = await ensureTraefik(progress);
  const { prometheus } = await ensurePrometheus(progress);
  const custom = await applyGateway(kubeconfig);
  s.start('traefik', 'env', [`KUBECONFIG=${kubeconfig}`, traefik, ...traefikArgs(f)]);
  await s.ready('traefik', () => gatewayProgrammed(custom));
  const promDir = join(f.dir, 'prometheus');
  await mkdir(join(promDir, 'data'), { recursive: true });
  await writeFile(join(promDir, 'prometheus.yml'), prometheusConfig(f));
  const promUrl = `http://${f.nodeIp}:${String(gatewayPorts.prometheus)}`;
  s.start('prometheus', prometheus, [
    `--config.file=${join(promDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(promDir, 'data')}`,
    `--web.listen-address=${f.nodeIp}:${String(gatewayPorts.prometheus)}`,
  ]);
  await s.ready('prometheus', async () => (await fetch(`${promUrl}/-/ready`)).ok);
  return {
    address: `${f.nodeIp}:${String(gatewayPorts.http)}`,
    prometheus: promUrl,
    api: `http://${f.nodeIp}:${String(gatewayPorts.traefik)}/api`,
    versions: { traefik: version },
  };
}
