// The real bed: the control plane, a real node (containerd, kubelet, kube-proxy, CoreDNS), a
// real Gateway (Traefik) and Prometheus, all inside one network namespace the bed makes, every
// process and container inside the bed's cgroup under the starter's own. The host reaches it
// through a veth pair at the node's address only.
//
// Stopping (and starting over a killed run) stops the recorded processes by pid, kills what is
// left in the bed's cgroups, unmounts what was mounted under the run folder, deletes the netns
// and removes the cgroups and the folder.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureAssets, type Progress } from '../assets.ts';
import {
  isHealthy,
  launch,
  runDir,
  Starter,
  stopProcesses,
  type ClusterState,
} from '../cluster.ts';
import { installCrds, installGatewayApi } from '../crds.ts';
import { ensureNodeAssets } from '../node-assets.ts';
import {
  createCgroups,
  createNetwork,
  enterNetns,
  footprint,
  joinCgroups,
  killCgroupProcesses,
  removeCgroups,
  removeNetwork,
  unmountUnder,
} from './host.ts';
import { startGateway } from './gateway.ts';
import { importImage, startNode } from './node.ts';

/** What the real bed adds to a cluster's state: where its gateway and Prometheus answer. */
export interface RealBedState extends ClusterState {
  readonly real: {
    readonly nodeIp: string;
    readonly netns: string;
    /** `host:port` of the Gateway's HTTP listener, reachable from the host. */
    readonly gateway: string;
    readonly prometheus: string;
    /** Traefik's API (dynamic configuration as loaded), for tests that wait for a route. */
    readonly traefikApi: string;
    readonly containerdSocket: string;
    readonly ctr: string;
  };
}

/** The real bed's run folder: `$KULTA_REAL_TESTBED_DIR`, else the KWOK bed's folder + `-real`. */
export function realRunDir(): string {
  return process.env.KULTA_REAL_TESTBED_DIR ?? `${runDir()}-real`;
}

const statePath = (dir: string): string => join(dir, 'state.json');

export async function readRealState(dir = realRunDir()): Promise<RealBedState | undefined> {
  if (!existsSync(statePath(dir))) return undefined;
  const state = JSON.parse(await readFile(statePath(dir), 'utf8')) as Partial<RealBedState>;
  return state.real ? (state as RealBedState) : undefined;
}

/** Removes everything of the real bed in `dir`, whether it stopped cleanly or was killed. */
export async function stopRealBed(dir = realRunDir()): Promise<boolean> {
  const existed = existsSync(dir);
  const f = await footprint(dir);
  await stopProcesses(dir);
  await killCgroupProcesses(f);
  await unmountUnder(dir);
  await removeNetwork(f);
  await removeCgroups(f);
  await rm(dir, { recursive: true, force: true });
  return existed;
}

/** True when every process runs, the apiserver answers and Prometheus is ready. */
export async function isRealBedHealthy(state: RealBedState): Promise<boolean> {
  if (!(await isHealthy(state))) return false;
  try {
    return (await fetch(`${state.real.prometheus}/-/ready`)).ok;
  } catch {
    return false;
  }
}

async function launchRealBed(dir: string, progress: Progress): Promise<RealBedState> {
  const assets = await ensureAssets(progress);
  const nodeAssets = await ensureNodeAssets(progress);
  const f = await footprint(dir);
  await createNetwork(f);
  await createCgroups(f);
  progress(`test bed: netns ${f.netns}, node ${f.nodeIp}, cgroup ${f.cgroup}`);
  const starter = new Starter(dir, progress, [...joinCgroups(f), ...enterNetns(f)]);
  const cluster = await launch(starter, assets, { host: f.nodeIp, fakeNode: false });
  await installGatewayApi(cluster.kubeconfig);
  await installCrds(cluster.kubeconfig);
  const node = await startNode(starter, f, nodeAssets, cluster.kubeconfig);
  const gateway = await startGateway(starter, f, cluster.kubeconfig, progress);
  return {
    ...cluster,
    pids: starter.pids,
    versions: { ...cluster.versions, ...nodeAssets.versions, ...gateway.versions },
    real: {
      nodeIp: f.nodeIp,
      netns: f.netns,
      gateway: gateway.address,
      prometheus: gateway.prometheus,
      traefikApi: gateway.api,
      containerdSocket: node.containerdSocket,
      ctr: nodeAssets.ctr,
    },
  };
}

/**
 * Starts the real bed in `dir`, or returns the one already running there. Leftovers of a killed
 * run are removed first; on failure everything started is removed again.
 */
export async function startRealBed(
  progress: Progress,
  dir = realRunDir(),
): Promise<{ state: RealBedState; reused: boolean }> {
  const existing = await readRealState(dir);
  if (existing && (await isRealBedHealthy(existing))) return { state: existing, reused: true };
  await stopRealBed(dir);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'certs'), { recursive: true });
  try {
    const state = await launchRealBed(dir, progress);
    await writeFile(statePath(dir), `${JSON.stringify(state, null, 2)}\n`);
    return { state, reused: false };
  } catch (error) {
    if (process.env.KULTA_REAL_TESTBED_KEEP_FAILED !== '1') await stopRealBed(dir);
    throw error;
  }
}

/**
 * Imports an image archive into the real bed's containerd when a healthy real bed runs in
 * `dir`; resolves with whether it did (`cluster:image` builds either way).
 */
export async function importIntoRealBed(
  archive: string,
  progress: Progress,
  dir = realRunDir(),
): Promise<boolean> {
  const state = await readRealState(dir);
  if (!state || !(await isRealBedHealthy(state))) return false;
  await importImage(state.real.ctr, state.real.containerdSocket, archive, progress);
  return true;
}
