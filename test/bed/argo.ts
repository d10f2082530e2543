// Argo Rollouts on the test bed, for `npm run bench` only: its controller and the bench's
// Gateway API traffic-router plugin built into the version-keyed cache (assets.ts), its CRDs
// read from its Go module (manifests/crds, never copied into this repository), and the
// controller run as a local process against a kubeconfig, limited to one namespace.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, ApiextensionsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import {
  argoController,
  argoGatewayPlugin,
  componentVersion,
  ensureGoBinary,
  run,
  type Progress,
} from './assets.ts';
import { applyCrds, readCrds } from './crds.ts';
import { freePort, isAlive, stopProcess, waitFor } from './processes.ts';

const wrapper = join(dirname(fileURLToPath(import.meta.url)), 'go', 'argo-rollouts');
const versionKey = 'kulta.io/testbed-argo-rollouts-version';
/** The name Argo's Gateway API plugin registers under, as Rollouts name it. */
export const argoGatewayPluginName = 'argoproj-labs/gatewayAPI';

export function argoVersion(): string {
  return componentVersion(argoController.wrapper, argoController.module);
}

export interface ArgoBinaries {
  readonly controller: string;
  readonly gatewayPlugin: string;
}

/** The controller and the plugin, from the cache or built into it (many minutes when cold). */
export async function ensureArgo(progress: Progress): Promise<ArgoBinaries> {
  return {
    controller: await ensureGoBinary(argoController, 'rollouts-controller', progress),
    gatewayPlugin: await ensureGoBinary(argoGatewayPlugin(), 'gatewayapi', progress),
  };
}

async function moduleDir(): Promise<string> {
  await run('go', ['mod', 'download', argoController.module], wrapper, () => undefined);
  let dir = '';
  await run('go', ['list', '-m', '-f', '{{.Dir}}', argoController.module], wrapper, (line) => {
    dir = line.trim();
  });
  return dir;
}

async function installedStamp(kubeconfig: string): Promise<string | undefined> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  try {
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({
      name: 'rollouts.argoproj.io',
    });
    return crd.metadata?.annotations?.[versionKey];
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** Installs Argo's CRDs (group argoproj.io) once per version; the Rollout CRD goes last. */
export async function installArgoCrds(kubeconfig: string): Promise<void> {
  const version = argoVersion();
  if ((await installedStamp(kubeconfig)) === version) return;
  const crds = (await readCrds(join(await moduleDir(), 'manifests', 'crds'))).map((crd) => ({
    ...crd,
    metadata: {
      ...crd.metadata,
      annotations: { ...crd.metadata?.annotations, [versionKey]: version },
    },
  }));
  const last = crds.filter((c) => c.metadata.name === 'rollouts.argoproj.io');
  await applyCrds(kubeconfig, [...crds.filter((c) => !last.includes(c)), ...last]);
}

export interface ArgoProcess {
  readonly pid: number;
  /** The plugin process Argo started, once it did (found among the controller's children). */
  pluginPid(): Promise<number | undefined>;
  readonly logFile: string;
  readonly metricsUrl: string;
  stop(): Promise<void>;
}

export interface ArgoOptions {
  readonly binaries: ArgoBinaries;
  /** The cluster Argo (and its plugin) talks to, e.g. a counting proxy's kubeconfig. */
  readonly kubeconfig: string;
  /** Argo runs --namespaced in this namespace; its ConfigMap is created here. */
  readonly namespace: string;
  readonly logFile: string;
}

interface KubeconfigFile {
  contexts?: { context?: { namespace?: string } }[];
}

/** Argo's ConfigMap: the Gateway API plugin, loaded from a local file (file:// is copied). */
async function writeArgoConfig(kubeconfig: string, namespace: string, plugin: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name: 'argo-rollouts-config' },
      data: {
        trafficRouterPlugins: stringify([
          { name: argoGatewayPluginName, location: `file://${plugin}` },
        ]),
      },
    },
  });
}

/** A process's children: Go starts them from any of its threads, so every task is read. */
async function childrenOf(pid: number): Promise<number[]> {
  try {
    const tasks = await readdir(`/proc/${String(pid)}/task`);
    const lists = await Promise.all(
      tasks.map((t) => readFile(`/proc/${String(pid)}/task/${t}/children`, 'utf8').catch(() => '')),
    );
    return lists.flatMap((raw) => raw.trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/**
 * Starts Argo's controller out of cluster, namespaced (the kubeconfig's context namespace is set
 * to `namespace`), without leader election, and waits until its healthz answers.
 */
export async function startArgo(options: ArgoOptions): Promise<ArgoProcess> {
  const workdir = await mkdtemp(join(tmpdir(), 'kulta-bench-argo-'));
  const config = parse(await readFile(options.kubeconfig, 'utf8')) as KubeconfigFile;
  for (const c of config.contexts ?? []) if (c.context) c.context.namespace = options.namespace;
  const kubeconfig = join(workdir, 'kubeconfig');
  await writeFile(kubeconfig, stringify(config), { mode: 0o600 });
  await writeArgoConfig(kubeconfig, options.namespace, options.binaries.gatewayPlugin);
  const [healthz, metrics] = [await freePort(), await freePort()];
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    options.binaries.controller,
    [
      `--kubeconfig=${kubeconfig}`,
      '--namespaced',
      '--leader-elect=false',
      `--healthzPort=${String(healthz)}`,
      `--metricsPort=${String(metrics)}`,
      '--loglevel=info',
    ],
    {
      cwd: workdir, // plugins are copied into ./plugin-bin
      env: {
        PATH: process.env.PATH ?? '',
        POD_NAMESPACE: options.namespace,
        KUBECONFIG: kubeconfig,
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.binaries.controller}`);
  const stop = async (): Promise<void> => {
    await stopProcess(pid);
    await rm(workdir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `Argo Rollouts' healthz on port ${String(healthz)} (log: ${options.logFile})`,
      async () => {
        if (!isAlive(pid)) throw new Error(`Argo Rollouts exited; see ${options.logFile}`);
        const answer = await fetch(`http://127.0.0.1:${String(healthz)}/healthz`).catch(
          () => undefined,
        );
        return answer?.ok === true;
      },
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid,
    pluginPid: async () => (await childrenOf(pid))[0],
    logFile: options.logFile,
    metricsUrl: `http://127.0.0.1:${String(metrics)}/metrics`,
    stop,
  };
}
