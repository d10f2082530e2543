// The GitOps tools' own code on the test bed: kstatus (sigs.k8s.io/cli-utils, what kubectl-wait
// tooling, Flux and Helm 4 compute health with) and Argo CD's settings + Lua packages, each built
// once into the version-keyed cache from its wrapper module under test/bed/go (assets.ts).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { argocdLuaProgram, ensureGoBinary, kstatusProgram, type Progress } from './assets.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The patch users apply to argocd-cm (generated from docs/gitops/argocd's Lua scripts). */
export const argocdCmPatchFile = join(root, 'docs', 'gitops', 'argocd', 'argocd-cm-patch.yaml');

export interface GitopsTools {
  readonly kstatus: string;
  readonly argocdLua: string;
}

/** Both programs, from the cache or built into it (Argo CD's takes many minutes cold). */
export async function ensureGitopsTools(progress: Progress): Promise<GitopsTools> {
  return {
    kstatus: await ensureGoBinary(kstatusProgram(), 'kstatus', progress),
    argocdLua: await ensureGoBinary(argocdLuaProgram(), 'argocd-lua', progress),
  };
}

/** kstatus's verdict on one object: status.Compute's Result. */
export interface KstatusVerdict {
  readonly status: 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';
  readonly message: string;
  readonly conditions: readonly { type: string; status: string; reason: string }[] | null;
  readonly error?: string;
}

function exec(binary: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${binary} ${args.join(' ')} exited ${String(code)}: ${stderr}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** kstatus's status.Compute on an object as read from the API server. */
export async function kstatusOf(tools: GitopsTools, object: unknown): Promise<KstatusVerdict> {
  const out = await exec(tools.kstatus, [], `${JSON.stringify(object)}\n`);
  const verdict = JSON.parse(out) as KstatusVerdict;
  // Compute refused the object (kstatus tools then say Unknown): a failure of its own.
  if (verdict.error !== undefined) throw new Error(`kstatus could not compute: ${verdict.error}`);
  return verdict;
}

/** Argo CD's health of a Rollout (HealthStatus: status, message). */
export interface ArgoHealth {
  readonly status: 'Healthy' | 'Progressing' | 'Suspended' | 'Degraded' | 'Missing' | 'Unknown';
  readonly message?: string;
}

/** One action as Argo CD's API lists it. */
export interface ArgoAction {
  readonly name: string;
  readonly disabled?: boolean;
  readonly displayName?: string;
}

/** Argo CD, pointed at the test bed's argocd-cm in `namespace`. */
export class ArgoCdLua {
  readonly #tools: GitopsTools;
  readonly #kubeconfig: string;
  readonly #namespace: string;

  constructor(tools: GitopsTools, kubeconfig: string, namespace: string) {
    this.#tools = tools;
    this.#kubeconfig = kubeconfig;
    this.#namespace = namespace;
  }

  async #run(args: readonly string[]): Promise<unknown> {
    const flags = ['-kubeconfig', this.#kubeconfig, '-argocd-namespace', this.#namespace];
    return JSON.parse(await exec(this.#tools.argocdLua, [...flags, ...args])) as unknown;
  }

  async health(namespace: string, name: string): Promise<ArgoHealth> {
    return (await this.#run(['health', `${namespace}/${name}`])) as ArgoHealth;
  }

  /** The actions offered, by name. */
  async actions(namespace: string, name: string): Promise<Record<string, ArgoAction>> {
    const list = (await this.#run(['actions', `${namespace}/${name}`])) as ArgoAction[];
    return Object.fromEntries(list.map((a) => [a.name, a]));
  }

  /** Runs an action as Argo CD's API server does: its merge patch written to the Rollout. */
  async run(namespace: string, name: string, action: string): Promise<unknown> {
    return this.#run(['run', `${namespace}/${name}`, action]);
  }
}

/**
 * argocd-cm as Argo CD's install creates it (labelled part-of argocd, which Argo CD's settings
 * informer selects on), then KULTA's patch applied the way the docs say (a merge patch).
 */
export async function installArgocdCm(kc: KubeConfig, namespace: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: {
        name: 'argocd-cm',
        labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
      },
    },
  });
  const patch = parse(await readFile(argocdCmPatchFile, 'utf8')) as object;
  await core.patchNamespacedConfigMap(
    { name: 'argocd-cm', namespace, body: patch },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
