// Finds or builds what the real node runs: kubelet and kube-proxy (from the same
// k8s.io/kubernetes wrapper as the control plane), containerd with its runc shim and ctr,
// CoreDNS, the pause sandbox binary, and the Debian packages runc, CNI plugins and iptables.
//
// Go binaries are cached by version like the control plane's (test/bed/assets.ts); the pause
// binary is compiled with gcc from the kubernetes module's build/pause/linux/pause.c into a
// folder keyed by the kubernetes version. Debian packages are installed with apt-get when they
// are missing and the bed runs as root; otherwise the error names them.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  componentVersion,
  ensureGoBinary,
  isExecutable,
  run,
  type GoComponent,
  type Progress,
} from './assets.ts';

const goRoot = join(dirname(fileURLToPath(import.meta.url)), 'go');

/** kubelet and kube-proxy: the kube wrapper, cached apart from the control plane's binaries. */
export const kubeNode: GoComponent = {
  name: 'kubernetes-node',
  wrapper: 'kube',
  module: 'k8s.io/kubernetes',
  binaries: ['kubelet', 'kube-proxy'],
  packages: ['k8s.io/kubernetes/cmd/kubelet', 'k8s.io/kubernetes/cmd/kube-proxy'],
};

/** containerd 2.x (kubelet 1.36 refuses 1.x), its runc shim and ctr, static without cgo. */
export const containerd: GoComponent = {
  name: 'containerd',
  wrapper: 'containerd',
  module: 'github.com/containerd/containerd/v2',
  binaries: ['containerd', 'containerd-shim-runc-v2', 'ctr'],
  packages: [
    'github.com/containerd/containerd/v2/cmd/containerd',
    'github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2',
    'github.com/containerd/containerd/v2/cmd/ctr',
  ],
  env: { CGO_ENABLED: '0' },
};

/** CoreDNS, serving the cluster's `*.svc.cluster.local` names from the apiserver. */
export const coredns: GoComponent = {
  name: 'coredns',
  wrapper: 'coredns',
  module: 'github.com/coredns/coredns',
  binaries: ['coredns'],
  packages: ['github.com/coredns/coredns'],
};

/** A Debian package the node needs, and the file that shows it is installed. */
interface DebianPackage {
  readonly name: string;
  readonly provides: string;
}

const debianPackages: readonly DebianPackage[] = [
  { name: 'runc', provides: '/usr/sbin/runc' },
  { name: 'containernetworking-plugins', provides: '/usr/lib/cni/bridge' },
  { name: 'iptables', provides: '/usr/sbin/iptables' },
  { name: 'conntrack', provides: '/usr/sbin/conntrack' },
];

/** Absolute paths of everything the real node runs. */
export interface NodeAssets {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly containerd: string;
  readonly containerdShim: string;
  readonly ctr: string;
  readonly coredns: string;
  readonly pause: string;
  readonly runc: string;
  readonly cniBinDir: string;
  readonly versions: Readonly<Record<'kubernetes' | 'containerd' | 'coredns', string>>;
}

/** Installs the missing Debian packages when it may (root, apt-get), else says which. */
async function ensureDebianPackages(progress: Progress): Promise<void> {
  const missing = debianPackages.filter((p) => !existsSync(p.provides));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      `The real node needs the Debian packages ${names.join(', ')}, which are not installed. ` +
        `Install them with \`sudo apt-get install -y ${names.join(' ')}\` and start again.`,
    );
  }
  progress(`test bed: installing ${names.join(', ')} with apt-get`);
  const env = 'DEBIAN_FRONTEND=noninteractive';
  await run('env', [env, 'apt-get', 'update'], '/', () => undefined);
  const install = ['install', '-y', '--no-install-recommends', ...names];
  await run('env', [env, 'apt-get', ...install], '/', () => undefined);
}

/** The pause binary, compiled statically from the kubernetes module's pause.c once. */
async function ensurePause(progress: Progress): Promise<string> {
  const version = componentVersion('kube', 'k8s.io/kubernetes');
  const dir = join(cacheRoot(), `pause-${version}`);
  const binary = join(dir, 'pause');
  if (await isExecutable(binary)) return binary;
  const cwd = join(goRoot, 'kube');
  await run('go', ['mod', 'download', 'k8s.io/kubernetes'], cwd, progress);
  let moduleDir = '';
  await run('go', ['list', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'], cwd, (line) => {
    moduleDir = line.trim();
  });
  const source = join(moduleDir, 'build', 'pause', 'linux', 'pause.c');
  const staging = `${dir}.building-${String(process.pid)}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  progress(`test bed: compiling pause ${version} from ${source}`);
  await run(
    'gcc',
    ['-Os', '-static', '-Wall', '-DVERSION=' + version, '-o', join(staging, 'pause'), source],
    cwd,
    progress,
  );
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return binary;
}

/** Every binary the real node needs, building or installing any that are missing. */
export async function ensureNodeAssets(progress: Progress): Promise<NodeAssets> {
  await ensureDebianPackages(progress);
  const [kubelet, kubeProxy] = [
    await ensureGoBinary(kubeNode, 'kubelet', progress),
    await ensureGoBinary(kubeNode, 'kube-proxy', progress),
  ];
  const containerdBinary = await ensureGoBinary(containerd, 'containerd', progress);
  return {
    kubelet,
    kubeProxy,
    containerd: containerdBinary,
    containerdShim: await ensureGoBinary(containerd, 'containerd-shim-runc-v2', progress),
    ctr: await ensureGoBinary(containerd, 'ctr', progress),
    coredns: await ensureGoBinary(coredns, 'coredns', progress),
    pause: await ensurePause(progress),
    runc: '/usr/sbin/runc',
    cniBinDir: '/usr/lib/cni',
    versions: {
      kubernetes: componentVersion(kubeNode.wrapper, kubeNode.module),
      containerd: componentVersion(containerd.wrapper, containerd.module),
      coredns: componentVersion(coredns.wrapper, coredns.module),
    },
  };
}
