// Installs CustomResourceDefinitions into the test bed: KULTA's own (every YAML in crds/) and
// the Gateway API standard channel, read from the Go module cache through the wrapper module
// test/bed/go/gateway-api (the manifests are never copied into this repository). Both are
// idempotent: server-side apply of an unchanged CRD writes nothing, and the Gateway API is
// skipped (no Go needed) when its pinned bundle version is already installed.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  ApiextensionsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { componentVersion } from './assets.ts';
import { waitFor } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const kultaCrdsDir = join(here, '..', '..', 'crds');
const gatewayWrapper = join(here, 'go', 'gateway-api');
const gatewayModule = 'sigs.k8s.io/gateway-api';
const bundleVersionKey = 'gateway.networking.k8s.io/bundle-version';
const fieldManager = 'kulta-testbed';

/**
 * The CRD documents of every `.yaml` file directly in `dir`, in file-name order. They are read
 * into client-node's models (`x-kubernetes-validations` becomes `xKubernetesValidations`), because
 * the client serializes known kinds through those models and would drop the raw JSON names.
 */
export async function readCrds(dir: string): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    const docs = loadAllYaml(
      await readFile(join(dir, file), 'utf8'),
    ) as (V1CustomResourceDefinition | null)[];
    for (const doc of docs) if (doc?.kind === 'CustomResourceDefinition') crds.push(doc);
  }
  return crds;
}

function clients(kubeconfig: string): { objects: KubernetesObjectApi; apiext: ApiextensionsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    objects: KubernetesObjectApi.makeApiClient(kc),
    apiext: kc.makeApiClient(ApiextensionsV1Api),
  };
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );
}

/** Server-side applies `crds` and waits until the apiserver serves every one of them. */
export async function applyCrds(
  kubeconfig: string,
  crds: readonly V1CustomResourceDefinition[],
): Promise<void> {
  const { objects, apiext } = clients(kubeconfig);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    try {
      await objects.patch(
        { ...crd, apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
        undefined,
        undefined,
        fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      const body = error instanceof ApiException ? String(error.body) : '';
      throw new Error(`applying CRD ${name} failed: ${body || String(error)}`, { cause: error });
    }
  }
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    await waitFor(
      `CRD ${name} to be Established`,
      async () => isEstablished(await apiext.readCustomResourceDefinition({ name })),
      60_000,
    );
  }
}

/** Installs (or updates) every CRD in crds/. */
export async function installCrds(kubeconfig: string): Promise<void> {
  await applyCrds(kubeconfig, await readCrds(kultaCrdsDir));
}

/** The Gateway API release the test bed installs, as pinned by the wrapper module. */
export function gatewayApiVersion(): string {
  return componentVersion('gateway-api', gatewayModule);
}

function goOutput(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd: gatewayWrapper, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => {
      reject(new Error(`cannot run go (needed once to fetch the Gateway API CRDs): ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`go ${args.join(' ')} exited ${String(code)}: ${err.trim()}`));
    });
  });
}

/** Where the Go module cache holds the Gateway API's standard-channel CRD manifests. */
export async function gatewayApiCrdDir(): Promise<string> {
  await goOutput(['mod', 'download', gatewayModule]);
  const dir = await goOutput(['list', '-m', '-f', '{{.Dir}}', gatewayModule]);
  return join(dir, 'config', 'crd', 'standard');
}

async function installedBundleVersion(apiext: ApiextensionsV1Api): Promise<string | undefined> {
  try {
    const crd = await apiext.readCustomResourceDefinition({
      name: 'httproutes.gateway.networking.k8s.io',
    });
    return isEstablished(crd) ? crd.metadata?.annotations?.[bundleVersionKey] : undefined;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** Installs the Gateway API standard CRDs (HTTPRoute, Gateway, GatewayClass, …) once. */
export async function installGatewayApi(kubeconfig: string): Promise<void> {
  const version = gatewayApiVersion();
  if ((await installedBundleVersion(clients(kubeconfig).apiext)) === version) return;
  await applyCrds(kubeconfig, await readCrds(await gatewayApiCrdDir()));
}
