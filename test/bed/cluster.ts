// The test bed: a real Kubernetes control plane without containers. etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler run as local processes on loopback, and KWOK
// plays the kubelet of one fake node so pods really become Running and Ready.
//
// One cluster lives in a run folder (state.json, kubeconfig, certificates, logs, etcd data).
// Every process is started in the background and stopped by its own pid; stopping removes the
// folder, so nothing is left behind.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureAssets, type Assets, type Progress } from './assets.ts';
import { freePort, httpsGet, isAlive, startProcess, stopProcess, waitFor } from './processes.ts';

/** What `cluster:up` leaves behind for `cluster:down`, other shells and the tests. */
export interface ClusterState {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  /** Every process by name, in start order (the real bed adds its node's daemons). */
  readonly pids: Readonly<Record<string, number>>;
  readonly versions: Assets['versions'];
  readonly startedAt: string;
}

export const fakeNodeName = 'kwok-node-0';
const startTimeoutMs = 120_000;

/** The run folder: `$KULTA_TESTBED_DIR`, else one fixed folder under the system temp dir. */
export function runDir(): string {
  return process.env.KULTA_TESTBED_DIR ?? join(tmpdir(), 'kulta-testbed');
}

function statePath(dir: string): string {
  return join(dir, 'state.json');
}

/** Pids are recorded the moment each process starts, so even a half-started cluster stops. */
function pidsPath(dir: string): string {
  return join(dir, 'pids.json');
}

function readPids(dir: string): Record<string, number> {
  if (!existsSync(pidsPath(dir))) return {};
  return JSON.parse(readFileSync(pidsPath(dir), 'utf8')) as Record<string, number>;
}

export async function readState(dir = runDir()): Promise<ClusterState | undefined> {
  if (!existsSync(statePath(dir))) return undefined;
  return JSON.parse(await readFile(statePath(dir), 'utf8')) as ClusterState;
}

/** True when every process of the cluster runs and the apiserver answers /readyz. */
export async function isHealthy(state: ClusterState): Promise<boolean> {
  const pids = Object.values(state.pids);
  if (pids.length === 0 || !pids.every((pid) => isAlive(pid))) return false;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const user = kc.getCurrentUser();
    const ca = readFileSync(join(state.dir, 'certs', 'apiserver.crt'), 'utf8');
    const res = await httpsGet(`${state.server}/readyz`, { ca, token: user?.token ?? '' });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Stops every process of the cluster in `dir` by its pid, in reverse start order. */
export async function stopProcesses(dir: string): Promise<void> {
  const pids = readPids(dir);
  // Reverse start order: the node and controllers first, etcd last.
  for (const pid of Object.values(pids).reverse()) await stopProcess(pid);
}

/** Stops every process of the cluster in `dir` by its pid and removes the folder. */
export async function stopCluster(dir = runDir()): Promise<boolean> {
  await stopProcesses(dir);
  const existed = existsSync(dir);
  await rm(dir, { recursive: true, force: true });
  return existed;
}

function logTail(dir: string, name: string): string {
  const path = join(dir, 'logs', `${name}.log`);
  if (!existsSync(path)) return '';
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return `\n--- last lines of ${path} ---\n${lines.slice(-15).join('\n')}`;
}

/** The address every component listens on, and the ports each one takes. */
interface Ports {
  host: string;
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

async function allocatePorts(host: string): Promise<Ports> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    host,
    etcdClient: await next(),
    etcdPeer: await next(),
    apiserver: await next(),
    controllerManager: await next(),
    scheduler: await next(),
    kwok: await next(),
  };
}

/** Writes the credentials the control plane uses: a static admin token and SA keys. */
async function writeCredentials(dir: string): Promise<string> {
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'tokens.csv'), `${token},kulta-admin,kulta-admin,"system:masters"\n`, {
    mode: 0o600,
  });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  await writeFile(join(dir, 'sa.pub'), publicKey);
  return token;
}

function kubeconfigYaml(server: string, ca: string, token: string): string {
  const caData = Buffer.from(ca).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kulta-testbed',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caData}`,
    'users:',
    '- name: kulta-admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: kulta-testbed',
    '  context:',
    '    cluster: kulta-testbed',
    '    user: kulta-admin',
    '    namespace: default',
    'current-context: kulta-testbed',
    '',
  ].join('\n');
}

function etcdArgs(dir: string, p: Ports): string[] {
  const client = `http://${p.host}:${String(p.etcdClient)}`;
  const peer = `http://${p.host}:${String(p.etcdPeer)}`;
  return [
    '--name=testbed',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testbed=${peer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

function apiserverArgs(dir: string, p: Ports): string[] {
  return [
    `--etcd-servers=http://${p.host}:${String(p.etcdClient)}`,
    `--bind-address=${p.host}`,
    `--advertise-address=${p.host}`,
    `--secure-port=${String(p.apiserver)}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
  ];
}

function controllerManagerArgs(dir: string, p: Ports): string[] {
  return [
    `--kubeconfig=${join(dir, 'kubeconfig')}`,
    `--bind-address=${p.host}`,
    `--secure-port=${String(p.controllerManager)}`,
    `--service-account-private-key-file=${join(dir, 'sa.key')}`,
    `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
    '--leader-elect=false',
    '--controllers=*',
  ];
}

function schedulerArgs(dir: string, p: Ports): string[] {
  return [
    `--kubeconfig=${join(dir, 'kubeconfig')}`,
    `--authentication-kubeconfig=${join(dir, 'kubeconfig')}`,
    `--authorization-kubeconfig=${join(dir, 'kubeconfig')}`,
    `--bind-address=${p.host}`,
    `--secure-port=${String(p.scheduler)}`,
    '--leader-elect=false',
  ];
}

function kwokArgs(dir: string, p: Ports, assets: Assets): string[] {
  return [
    `--kubeconfig=${join(dir, 'kubeconfig')}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    `--server-address=${p.host}:${String(p.kwok)}`,
    '--node-lease-duration-seconds=40',
    ...assets.kwokStages.map((s) => `--config=${s}`),
  ];
}

/** The fake node KWOK keeps alive: roomy enough for every test's pods. */
function fakeNode() {
  const resources = { cpu: '64', memory: '256Gi', pods: '1000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': fakeNodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

/** Where the control plane runs (its listen address) and whether it gets a fake node. */
export interface Placement {
  readonly host: string;
  /** Whether KWOK plays a fake node (the fast suite's bed) or a real node joins later. */
  readonly fakeNode: boolean;
}

export const loopback: Placement = { host: '127.0.0.1', fakeNode: true };

export class Starter {
  readonly pids: Record<string, number> = {};
  readonly dir: string;
  readonly progress: Progress;
  /** A command prefix every process starts through, e.g. `nsenter --net=<netns> --` (it keeps
   * the pid, so the recorded pid is the daemon's own). */
  readonly enter: readonly string[];

  constructor(dir: string, progress: Progress, enter: readonly string[] = []) {
    this.dir = dir;
    this.progress = progress;
    this.enter = enter;
  }

  start(name: string, binary: string, args: readonly string[]): void {
    this.progress(`test bed: starting ${name}`);
    const [command, ...rest] = [...this.enter, binary, ...args];
    this.pids[name] = startProcess(command ?? binary, rest, join(this.dir, 'logs', `${name}.log`));
    writeFileSync(pidsPath(this.dir), `${JSON.stringify(this.pids)}\n`);
  }

  async ready(name: string, check: () => Promise<boolean>): Promise<void> {
    try {
      await waitFor(
        `${name} to become ready`,
        async () => {
          const pid = this.pids[name];
          if (pid !== undefined && !isAlive(pid)) throw new Error(`${name} exited`);
          return check();
        },
        startTimeoutMs,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}${logTail(this.dir, name)}`, { cause: error });
    }
  }
}

/** Starts the control plane (and KWOK's fake node when `place.fakeNode`) in `s.dir`. */
export async function launch(s: Starter, assets: Assets, place: Placement): Promise<ClusterState> {
  const { dir } = s;
  const ports = await allocatePorts(place.host);
  const token = await writeCredentials(dir);
  const server = `https://${place.host}:${String(ports.apiserver)}`;

  s.start('etcd', assets.etcd, etcdArgs(dir, ports));
  await s.ready('etcd', async () => {
    const res = await fetch(`http://${place.host}:${String(ports.etcdClient)}/health`);
    return res.ok;
  });

  s.start('kube-apiserver', assets.kubeApiserver, apiserverArgs(dir, ports));
  const caPath = join(dir, 'certs', 'apiserver.crt');
  await s.ready('kube-apiserver', async () => {
    if (!existsSync(caPath)) return false;
    const ca = await readFile(caPath, 'utf8');
    return (await httpsGet(`${server}/readyz`, { ca, token })).status === 200;
  });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(server, await readFile(caPath, 'utf8'), token), {
    mode: 0o600,
  });

  s.start(
    'kube-controller-manager',
    assets.kubeControllerManager,
    controllerManagerArgs(dir, ports),
  );
  s.start('kube-scheduler', assets.kubeScheduler, schedulerArgs(dir, ports));
  if (place.fakeNode) s.start('kwok', assets.kwok, kwokArgs(dir, ports, assets));
  const healthz = (port: number) => async () =>
    (await httpsGet(`https://${place.host}:${String(port)}/healthz`, {})).status === 200;
  await s.ready('kube-controller-manager', healthz(ports.controllerManager));
  await s.ready('kube-scheduler', healthz(ports.scheduler));
  if (place.fakeNode) await readyFakeNode(s, kubeconfig);
  await readyServiceAccount(s, kubeconfig);

  return {
    dir,
    kubeconfig,
    server,
    pids: s.pids,
    versions: assets.versions,
    startedAt: new Date().toISOString(),
  };
}

function coreApi(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

/** Registers the fake node, then waits for KWOK to report it Ready. */
async function readyFakeNode(s: Starter, kubeconfig: string): Promise<void> {
  const core = coreApi(kubeconfig);
  await core.createNode({ body: fakeNode() });
  await s.ready('kwok', async () => {
    const node = await core.readNode({ name: fakeNodeName });
    return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  });
}

/** Waits for the default service account. */
async function readyServiceAccount(s: Starter, kubeconfig: string): Promise<void> {
  const core = coreApi(kubeconfig);
  // The service-account controller creates `default`; pods are refused until it exists.
  await s.ready('kube-controller-manager', async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return true;
  });
}

/**
 * Starts a cluster in `dir`, or returns the one already running there. A stale folder (its
 * processes gone) is cleaned up first. On failure everything started is stopped again.
 */
export async function startCluster(
  progress: Progress,
  dir = runDir(),
): Promise<{ state: ClusterState; reused: boolean }> {
  const existing = await readState(dir);
  if (existing && (await isHealthy(existing))) return { state: existing, reused: true };
  await stopCluster(dir);
  const assets = await ensureAssets(progress);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'certs'), { recursive: true });
  const starter = new Starter(dir, progress);
  try {
    const state = await launch(starter, assets, loopback);
    await writeFile(statePath(dir), `${JSON.stringify(state, null, 2)}\n`);
    return { state, reused: false };
  } catch (error) {
    await stopCluster(dir);
    throw error;
  }
}
