// Finds or builds the test bed's binaries: a real control plane (Kubernetes, etcd) and KWOK.
//
// Versions come from the wrapper modules under test/bed/go, so go.mod is the one place that
// names them. Binaries are looked up, in order, in $KUBEBUILDER_ASSETS (the envtest layout: a
// flat folder of binaries), in the version-keyed cache, and otherwise built with Go into that
// cache. Cold builds take many minutes, so progress is printed while they run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const goRoot = join(dirname(fileURLToPath(import.meta.url)), 'go');

/** The KWOK stage files the test bed runs with: node lifecycle and pod lifecycle. */
const kwokStageFiles = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
] as const;

/** A Go-built component: the wrapper module it comes from and the binaries it yields. */
export interface GoComponent {
  readonly name: string;
  readonly wrapper: string;
  readonly module: string;
  /** Build tags the component's own build supports (e.g. Prometheus' `remove_all_sd`). */
  readonly tags?: readonly string[];
  /** Extra `-ldflags` (version stamping) for the component's version. */
  readonly stamp?: (version: string) => readonly string[];
  readonly binaries: readonly string[];
  readonly packages: readonly string[];
  /** A Go toolchain the module needs beyond the installed one (GOTOOLCHAIN for its builds). */
  readonly toolchain?: string;
  /** Extra environment for `go build`, e.g. `CGO_ENABLED=0` for static binaries. */
  readonly env?: Readonly<Record<string, string>>;
}

/** One of the test bed's own components. */
interface Component extends GoComponent {
  readonly name: 'kubernetes' | 'etcd' | 'kwok';
}

const components: readonly Component[] = [
  {
    name: 'etcd',
    wrapper: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    binaries: ['etcd'],
    packages: ['.'],
  },
  {
    name: 'kubernetes',
    wrapper: 'kube',
    module: 'k8s.io/kubernetes',
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'],
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
  },
  {
    name: 'kwok',
    wrapper: 'kwok',
    module: 'sigs.k8s.io/kwok',
    binaries: ['kwok'],
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
  },
];

/**
 * Argo Rollouts' controller, built from its Go module through the wrapper module
 * test/bed/go/argo-rollouts (which copies Argo's replace directives). Only `npm run bench` uses
 * it, to run the same canaries through Argo and KULTA; tests and CI never build it.
 */
export const argoController: GoComponent = {
  name: 'argo-rollouts',
  wrapper: 'argo-rollouts',
  module: 'github.com/argoproj/argo-rollouts',
  binaries: ['rollouts-controller'],
  packages: ['github.com/argoproj/argo-rollouts/cmd/rollouts-controller'],
};

/**
 * The bench's Gateway API traffic-router plugin for Argo (test/bed/go/argo-rollouts/gatewayapi).
 * It is this repository's code, so its cache folder is keyed by a hash of its source as well as
 * by the Argo version it is built against: an edit builds it anew.
 */
export function argoGatewayPlugin(): GoComponent {
  const source = readFileSync(join(goRoot, 'argo-rollouts', 'gatewayapi', 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return {
    name: `argo-rollouts-gatewayapi-${hash}`,
    wrapper: 'argo-rollouts',
    module: 'github.com/argoproj/argo-rollouts',
    binaries: ['gatewayapi'],
    packages: ['./gatewayapi'],
  };
}

/** A component whose main package is this repository's code: its cache key hashes the source. */
function ownProgram(
  wrapper: string,
  module: string,
  binary: string,
  toolchain?: string,
): GoComponent {
  const source = readFileSync(join(goRoot, wrapper, 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return {
    name: `${wrapper}-${hash}`,
    wrapper,
    module,
    binaries: [binary],
    packages: ['.'],
    ...(toolchain ? { toolchain } : {}),
  };
}

/**
 * test/bed/go/kstatus: prints sigs.k8s.io/cli-utils' kstatus verdict for the objects piped in
 * (the GitOps tests check KULTA's conditions with the real library, not a copy of its rules).
 */
export function kstatusProgram(): GoComponent {
  return ownProgram('kstatus', 'sigs.k8s.io/cli-utils', 'kstatus');
}

/**
 * test/bed/go/argocd-lua: runs docs/gitops/argocd's health check and actions through Argo CD's
 * own settings and Lua packages. Argo CD v3.6 needs Go 1.27, fetched as a toolchain module.
 */
export function argocdLuaProgram(): GoComponent {
  return ownProgram('argocd-lua', 'github.com/argoproj/argo-cd/v3', 'argocd-lua', 'go1.27.3');
}

/** Absolute paths of everything the test bed runs. */
export interface Assets {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
  readonly kwokStages: readonly string[];
  readonly versions: Readonly<Record<Component['name'], string>>;
}

export type Progress = (line: string) => void;

/** The version a wrapper module requires of its component, read from its go.mod. */
export function componentVersion(wrapper: string, module: string): string {
  const goMod = readFileSync(join(goRoot, wrapper, 'go.mod'), 'utf8');
  const escaped = module.replaceAll('.', '\\.').replaceAll('/', '\\/');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) {
    throw new Error(`test/bed/go/${wrapper}/go.mod does not require ${module}`);
  }
  return match[1];
}

/** Where built binaries are kept: `$KULTA_TESTBED_CACHE`, else the user's cache directory. */
export function cacheRoot(): string {
  const explicit = process.env.KULTA_TESTBED_CACHE;
  if (explicit) return explicit;
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(xdg, 'kulta', 'testbed');
}

export function componentDir(c: GoComponent): string {
  return join(cacheRoot(), `${c.name}-${componentVersion(c.wrapper, c.module)}`);
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findPrebuilt(binary: string): Promise<string | undefined> {
  const dir = process.env.KUBEBUILDER_ASSETS;
  if (!dir) return undefined;
  const path = join(dir, binary);
  return (await isExecutable(path)) ? path : undefined;
}

/** True when `go` runs; the test bed needs it only to build missing binaries. */
export async function hasGo(): Promise<boolean> {
  try {
    await run('go', ['version'], goRoot, () => undefined);
    return true;
  } catch {
    return false;
  }
}

export function run(command: string, args: readonly string[], cwd: string, onLine: Progress) {
  return runIn({ cwd }, command, args, onLine);
}

/** Where a command runs: its folder and what it adds to the environment. */
export interface RunDir {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

export function runIn(dir: RunDir, command: string, args: readonly string[], onLine: Progress) {
  const { cwd, env } = dir;
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const tail: string[] = [];
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        onLine(line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} ${args.join(' ')} exited ${String(code)}:\n${tail.join('\n')}`),
        );
    });
  });
}

function ldflags(c: GoComponent, version: string): string {
  if (c.stamp) return ['-s -w', ...c.stamp(version)].join(' ');
  if (c.module !== 'k8s.io/kubernetes') return '-s -w';
  // Without these the binaries report v0.0.0-master, and version-gated defaults go wrong.
  const [major, minor] = version.replace(/^v/, '').split('.');
  const v = 'k8s.io/component-base/version';
  return [
    '-s -w',
    `-X ${v}.gitMajor=${major ?? ''}`,
    `-X ${v}.gitMinor=${minor ?? ''}`,
    `-X ${v}.gitVersion=${version}`,
    `-X ${v}.gitTreeState=clean`,
  ].join(' ');
}

/** Builds one component into its cache folder, printing progress while Go compiles. */
async function build(c: GoComponent, progress: Progress): Promise<void> {
  const version = componentVersion(c.wrapper, c.module);
  const dir = componentDir(c);
  const staging = `${dir}.building-${String(process.pid)}`;
  const cwd = join(goRoot, c.wrapper);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const started = Date.now();
  const env = c.toolchain ? { GOTOOLCHAIN: c.toolchain } : undefined;
  progress(`test bed: downloading Go modules for ${c.name} ${version}`);
  const where = { cwd, ...(env ? { env } : {}) };
  await runIn(where, 'go', ['mod', 'download'], progress);
  progress(`test bed: building ${c.binaries.join(', ')} ${version} (cold builds take minutes)`);
  let compiled = 0;
  const ticker = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    progress(
      `test bed: building ${c.name}: ${String(compiled)} packages compiled, ${String(secs)}s`,
    );
  }, 15_000);
  try {
    const out = c.binaries.length === 1 ? join(staging, c.binaries[0] ?? '') : `${staging}/`;
    const tags = c.tags && c.tags.length > 0 ? ['-tags', c.tags.join(',')] : [];
    const args = ['build', '-v', '-trimpath', ...tags, '-ldflags', ldflags(c, version), '-o', out];
    // The component's own build environment (GOTOOLCHAIN, CGO_ENABLED=0) stays with its build.
    const buildEnv = { ...env, ...c.env };
    await runIn({ cwd, env: buildEnv }, 'go', [...args, ...c.packages], () => {
      compiled += 1;
    });
  } finally {
    clearInterval(ticker);
  }
  if (c.name === 'kwok') await copyKwokStages(cwd, staging);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  const secs = Math.round((Date.now() - started) / 1000);
  progress(`test bed: built ${c.name} ${version} in ${String(secs)}s into ${dir}`);
}

/** KWOK's stage files ship in its module; keep a copy beside the binary they belong to. */
async function copyKwokStages(cwd: string, into: string): Promise<void> {
  let moduleDir = '';
  await run('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], cwd, (line) => {
    moduleDir = line.trim();
  });
  await mkdir(join(into, 'stages'), { recursive: true });
  for (const file of kwokStageFiles) {
    await copyFile(join(moduleDir, file), join(into, 'stages', file.split('/').pop() ?? file));
  }
}

function stagePaths(dir: string): string[] {
  return kwokStageFiles.map((f) => join(dir, 'stages', f.split('/').pop() ?? f));
}

async function locate(c: Component, binary: string): Promise<string | undefined> {
  return (await findPrebuilt(binary)) ?? (await cachedBinary(c, binary));
}

async function cachedBinary(c: GoComponent, binary: string): Promise<string | undefined> {
  const path = join(componentDir(c), binary);
  return (await isExecutable(path)) ? path : undefined;
}

async function missingComponents(): Promise<Component[]> {
  const missing: Component[] = [];
  for (const c of components) {
    const found = await Promise.all(c.binaries.map((b) => locate(c, b)));
    const kwokStagesMissing =
      c.name === 'kwok' && !stagePaths(componentDir(c)).every((p) => existsSync(p));
    if (found.includes(undefined) || kwokStagesMissing) missing.push(c);
  }
  return missing;
}

function missingMessage(missing: readonly Component[]): string {
  const lines = missing.map(
    (c) =>
      `  - ${c.binaries.join(', ')} (${c.module} ${componentVersion(c.wrapper, c.module)})` +
      (c.name === 'kwok' ? ' and its stage files' : ''),
  );
  return [
    'The test bed needs binaries that are not here and cannot be built: Go was not found on PATH.',
    ...lines,
    `Install Go 1.26 or newer (https://go.dev/dl) and run \`npm run cluster:up\` again; it builds them`,
    `into ${cacheRoot()}. Or point KUBEBUILDER_ASSETS at a folder holding these binaries`,
    `(the envtest layout), with KWOK's stage files built once into ${cacheRoot()}.`,
  ].join('\n');
}

/**
 * One binary of a component beyond the test bed's own (e.g. Knative's ApiServerSource adapter):
 * from the version-keyed cache, or built into it with Go once.
 */
export async function ensureGoBinary(
  c: GoComponent,
  binary: string,
  progress: Progress,
): Promise<string> {
  const cached = await cachedBinary(c, binary);
  if (cached) return cached;
  if (!(await hasGo())) {
    throw new Error(
      `${binary} (${c.module} ${componentVersion(c.wrapper, c.module)}) is not in ${cacheRoot()} ` +
        'and cannot be built: Go was not found on PATH. Install Go 1.26 or newer.',
    );
  }
  await build(c, progress);
  const built = await cachedBinary(c, binary);
  if (!built) throw new Error(`${binary} is still missing after the build`);
  return built;
}

/** Every binary the test bed needs, building any that are missing. */
export async function ensureAssets(progress: Progress): Promise<Assets> {
  const missing = await missingComponents();
  if (missing.length > 0) {
    if (!(await hasGo())) throw new Error(missingMessage(missing));
    for (const c of missing) await build(c, progress);
  }
  const byName = (name: Component['name']): Component => {
    const c = components.find((x) => x.name === name);
    if (!c) throw new Error(`unknown test bed component ${name}`);
    return c;
  };
  const need = async (name: Component['name'], binary: string): Promise<string> => {
    const path = await locate(byName(name), binary);
    if (!path) throw new Error(`test bed: ${binary} is still missing after the build`);
    return path;
  };
  const versions = Object.fromEntries(
    components.map((c) => [c.name, componentVersion(c.wrapper, c.module)]),
  ) as Record<Component['name'], string>;
  return {
    etcd: await need('etcd', 'etcd'),
    kubeApiserver: await need('kubernetes', 'kube-apiserver'),
    kubeControllerManager: await need('kubernetes', 'kube-controller-manager'),
    kubeScheduler: await need('kubernetes', 'kube-scheduler'),
    kwok: await need('kwok', 'kwok'),
    kwokStages: stagePaths(componentDir(byName('kwok'))),
    versions,
  };
}
