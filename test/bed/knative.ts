// Knative on the test bed, without Knative's controllers: the Serving and Eventing CRDs (read
// from the Go module cache through the wrapper module test/bed/go/knative, never copied into
// this repository), a renderer for knative/ (the kustomization's resources, namespace, labels and
// images, no kustomize binary), server-side dry-runs, and the real ApiServerSource receive
// adapter built from knative.dev/eventing into the test bed's version-keyed cache.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  ApiextensionsV1Api,
  KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  componentVersion,
  ensureGoBinary,
  run,
  type GoComponent,
  type Progress,
} from './assets.ts';
import { applyCrds, readCrds } from './crds.ts';

const here = dirname(fileURLToPath(import.meta.url));
const wrapper = join(here, 'go', 'knative');
export const knativeDir = join(here, '..', '..', 'knative');
const versionKey = 'kulta.io/testbed-knative-version';

/** The receive adapter of Knative Eventing's ApiServerSource, as the test bed builds it. */
const adapterComponent: GoComponent = {
  name: 'knative-apiserversource',
  wrapper: 'knative',
  module: 'knative.dev/eventing',
  binaries: ['apiserver_receive_adapter'],
  packages: ['knative.dev/eventing/cmd/apiserver_receive_adapter'],
};

/** The Knative releases (Go module versions) pinned by the wrapper module. */
export function knativeVersions(): { serving: string; eventing: string } {
  return {
    serving: componentVersion('knative', 'knative.dev/serving'),
    eventing: componentVersion('knative', 'knative.dev/eventing'),
  };
}

async function goLine(args: readonly string[]): Promise<string> {
  let out = '';
  await run('go', args, wrapper, (line) => {
    out = line.trim();
  });
  return out;
}

/** Where the module cache holds a module's files, downloading it first if needed. */
async function moduleDir(module: string): Promise<string> {
  await run('go', ['mod', 'download', module], wrapper, () => undefined);
  return goLine(['list', '-m', '-f', '{{.Dir}}', module]);
}

/** The Serving and Eventing CRDs of the pinned release (core resources only). */
export async function knativeCrds(): Promise<V1CustomResourceDefinition[]> {
  const serving = await moduleDir('knative.dev/serving');
  const eventing = await moduleDir('knative.dev/eventing');
  return [
    ...(await readCrds(join(serving, 'config', 'core', '300-resources'))),
    ...(await readCrds(join(eventing, 'config', 'core', 'resources'))),
  ];
}

function versionStamp(): string {
  const v = knativeVersions();
  return `serving-${v.serving}.eventing-${v.eventing}`;
}

async function installedStamp(kubeconfig: string): Promise<string | undefined> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  try {
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({
      name: 'triggers.eventing.knative.dev',
    });
    return crd.metadata?.annotations?.[versionKey];
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * Installs the Knative CRDs once per release: skipped (no Go needed) when the installed ones
 * carry this release's stamp. The Trigger CRD is applied last, so its stamp means all are in.
 */
export async function installKnativeCrds(kubeconfig: string): Promise<void> {
  const stamp = versionStamp();
  if ((await installedStamp(kubeconfig)) === stamp) return;
  const crds = (await knativeCrds()).map((crd) => ({
    ...crd,
    metadata: {
      ...crd.metadata,
      annotations: { ...crd.metadata?.annotations, [versionKey]: stamp },
    },
  }));
  const last = crds.filter((c) => c.metadata.name === 'triggers.eventing.knative.dev');
  await applyCrds(kubeconfig, [...crds.filter((c) => !last.includes(c)), ...last]);
}

// ---- Rendering knative/ (the parts of kustomize the kustomization uses)

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

interface Kustomization {
  readonly namespace?: string;
  readonly resources: readonly string[];
  readonly labels?: readonly { pairs: Record<string, string> }[];
  readonly images?: readonly { name: string; newName?: string; newTag?: string; digest?: string }[];
}

const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

function loadYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message ?? ''}`);
    return doc.toJS() as unknown;
  });
}

function imageFor(image: string, k: Kustomization): string {
  const rule = k.images?.find((i) => i.name === image);
  if (!rule) return image;
  const name = rule.newName ?? image;
  if (rule.digest) return `${name}@${rule.digest}`;
  return rule.newTag ? `${name}:${rule.newTag}` : name;
}

function setImages(object: Manifest, k: Kustomization): void {
  const spec = object.spec as
    { template?: { spec?: { containers?: { image: string }[] } } } | undefined;
  for (const c of spec?.template?.spec?.containers ?? []) c.image = imageFor(c.image, k);
}

function setNamespace(object: Manifest, namespace: string): void {
  if (object.kind === 'Namespace') object.metadata.name = namespace;
  else if (!clusterScoped.has(object.kind)) object.metadata.namespace = namespace;
  const subjects = (object.subjects ?? []) as { kind: string; namespace?: string }[];
  for (const s of subjects) if (s.kind === 'ServiceAccount') s.namespace = namespace;
}

/**
 * The objects `kubectl apply -k knative/` would create. `namespace` overrides the
 * kustomization's (as `kustomize edit set namespace` would).
 */
export function renderKnative(options: { namespace?: string } = {}): Manifest[] {
  const k = loadYaml(join(knativeDir, 'kustomization.yaml'))[0] as Kustomization;
  const namespace = options.namespace ?? k.namespace;
  const objects = k.resources.flatMap((file) => loadYaml(join(knativeDir, file)) as Manifest[]);
  for (const object of objects) {
    for (const l of k.labels ?? [])
      object.metadata.labels = { ...object.metadata.labels, ...l.pairs };
    if (namespace) setNamespace(object, namespace);
    setImages(object, k);
  }
  return objects;
}

// ---- Talking to the API server with options client-node does not expose

interface Reply {
  readonly status: number;
  readonly body: string;
}

async function kubeRequest(kc: KubeConfig, method: string, path: string, body?: string) {
  const server = kc.getCurrentCluster()?.server ?? '';
  const options: Parameters<typeof request>[1] = { method, headers: {} };
  await kc.applyToHTTPSOptions(options);
  if (body !== undefined) {
    options.headers = { ...options.headers, 'content-type': 'application/apply-patch+yaml' };
  }
  return new Promise<Reply>((resolve, reject) => {
    const req = request(new URL(path, server), options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const discovered = new Map<
  string,
  Promise<{ name: string; kind: string; namespaced: boolean }[]>
>();

async function resourceOf(kc: KubeConfig, object: Manifest) {
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : '/api/v1';
  let list = discovered.get(base);
  if (!list) {
    list = kubeRequest(kc, 'GET', base).then((r) => {
      if (r.status !== 200) throw new Error(`discovery of ${base}: ${String(r.status)} ${r.body}`);
      return (
        JSON.parse(r.body) as { resources: { name: string; kind: string; namespaced: boolean }[] }
      ).resources;
    });
    discovered.set(base, list);
  }
  const resource = (await list).find((r) => r.kind === object.kind && !r.name.includes('/'));
  if (!resource)
    throw new Error(`the API server does not serve ${object.apiVersion} ${object.kind}`);
  const ns = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return `${base}${ns}/${resource.name}/${object.metadata.name}`;
}

/**
 * Server-side apply with `dryRun=All` and strict field validation (an unknown or misspelled
 * field is an error, not silently pruned). Resolves with the API server's status and body.
 */
export async function dryRunApply(kc: KubeConfig, object: Manifest): Promise<Reply> {
  const query = 'dryRun=All&fieldManager=kulta-test&force=true&fieldValidation=Strict';
  return kubeRequest(
    kc,
    'PATCH',
    `${await resourceOf(kc, object)}?${query}`,
    JSON.stringify(object),
  );
}

// ---- The real ApiServerSource receive adapter

/** The adapter binary, built once into the test bed cache (minutes when cold). */
export function ensureApiServerSourceAdapter(progress: Progress): Promise<string> {
  return ensureGoBinary(adapterComponent, 'apiserver_receive_adapter', progress);
}

/** One watched resource in the adapter's K_SOURCE_CONFIG (apiserver.ResourceWatch). */
export interface WatchedResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly selector?: string;
}

export interface AdapterOptions {
  readonly binary: string;
  /** Kubeconfig the adapter watches with (its ServiceAccount's token). */
  readonly kubeconfig: string;
  readonly sink: string;
  readonly namespaces: readonly string[];
  readonly resources: readonly WatchedResource[];
  readonly logFile: string;
  readonly profilingPort: number;
}

/**
 * The environment the ApiServerSource controller gives the adapter's Deployment
 * (pkg/reconciler/apiserversource/resources/receive_adapter.go), for the namespaces listed.
 */
export function adapterEnv(o: AdapterOptions): Record<string, string> {
  const config = {
    namespaces: o.namespaces,
    allNamespaces: false,
    resources: o.resources.map((r) => ({
      gvr: { Group: r.group, Version: r.version, Resource: r.resource },
      ...(r.selector ? { selector: r.selector } : {}),
    })),
    mode: 'Resource',
  };
  return {
    NAME: 'kulta-rollouts',
    NAMESPACE: o.namespaces[0] ?? 'default',
    K_SINK: o.sink,
    K_SOURCE_CONFIG: JSON.stringify(config),
    SYSTEM_NAMESPACE: 'knative-eventing',
    METRICS_DOMAIN: 'knative.dev/eventing',
    K_LOGGING_CONFIG: JSON.stringify({ 'zap-logger-config': '{"level":"info"}' }),
    KUBECONFIG: o.kubeconfig,
    // The probes server is fixed at :8080; pprof is movable, so it goes to a free port.
    PROFILING_PORT: String(o.profilingPort),
  };
}

/** Starts the adapter in its own process group; returns its pid. */
export function startAdapter(o: AdapterOptions): number {
  const log = openSync(o.logFile, 'a');
  try {
    const child = spawn(o.binary, [], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...adapterEnv(o) },
    });
    if (child.pid === undefined) throw new Error('could not start apiserver_receive_adapter');
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** A kubeconfig file for a ServiceAccount token on the cluster `base` points at. */
export async function tokenKubeconfig(base: KubeConfig, token: string): Promise<string> {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }],
    currentContext: 'sa',
  });
  const path = join(await mkdtemp(join(tmpdir(), 'kulta-sa-')), 'kubeconfig');
  await writeFile(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}
