// Starts the real node inside the bed's netns: containerd, then the pause image imported,
// kubelet, kube-proxy and CoreDNS; returns when the node is Ready and DNS answers.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { run, type Progress } from '../assets.ts';
import type { Starter } from '../cluster.ts';
import type { NodeAssets } from '../node-assets.ts';
import type { Footprint } from './host.ts';
import { buildPauseImage } from './images.ts';
import {
  cniConfig,
  containerdConfig,
  corefile,
  kubeletArgs,
  kubeletConfig,
  kubeProxyConfig,
  nodeLayout,
  nodePorts,
  pauseImage,
  realNodeName,
  resolvConf,
} from './node-config.ts';

async function writeConfigs(f: Footprint, assets: NodeAssets, kubeconfig: string): Promise<void> {
  const l = nodeLayout(f.dir);
  for (const path of [l.containerdRoot, l.containerdState, l.cniConfDir, l.kubeletRoot]) {
    await mkdir(path, { recursive: true });
  }
  await mkdir(l.podLogs, { recursive: true });
  await writeFile(l.containerdConfig, containerdConfig(f.dir, assets));
  await writeFile(join(l.cniConfDir, '10-kulta-bed.conflist'), cniConfig(f.dir));
  await writeFile(l.kubeletConfig, kubeletConfig(f));
  await writeFile(l.resolvConf, resolvConf(f));
  await writeFile(l.kubeProxyConfig, kubeProxyConfig(f, kubeconfig));
  await writeFile(l.corefile, corefile(f, kubeconfig));
}

/** `ctr` against the bed's containerd, in the namespace the CRI plugin uses. */
export function ctrArgs(socket: string, ...args: string[]): string[] {
  return ['--address', socket, '--namespace', 'k8s.io', ...args];
}

/** Imports an OCI or docker archive into the bed's containerd for pods to use. */
export async function importImage(
  ctr: string,
  socket: string,
  archive: string,
  progress: Progress,
): Promise<void> {
  await run(ctr, ctrArgs(socket, 'images', 'import', archive), '/', progress);
}

async function startContainerd(s: Starter, f: Footprint, assets: NodeAssets): Promise<string> {
  const l = nodeLayout(f.dir);
  // The runc shim is found on PATH, next to containerd in the cache.
  const path = `${dirname(assets.containerdShim)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  s.start('containerd', 'env', [
    `PATH=${path}`,
    assets.containerd,
    `--config=${l.containerdConfig}`,
  ]);
  await s.ready('containerd', async () => {
    if (!existsSync(l.containerdSocket)) return false;
    await run(assets.ctr, ctrArgs(l.containerdSocket, 'version'), '/', () => undefined);
    return true;
  });
  const archive = await buildPauseImage(f.dir, assets.pause, pauseImage);
  await importImage(assets.ctr, l.containerdSocket, archive, () => undefined);
  return l.containerdSocket;
}

async function nodeReady(core: CoreV1Api): Promise<boolean> {
  const node = await core.readNode({ name: realNodeName });
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Starts every daemon of the node; resolves once the node is Ready and CoreDNS is healthy. */
export async function startNode(
  s: Starter,
  f: Footprint,
  assets: NodeAssets,
  kubeconfig: string,
): Promise<{ containerdSocket: string }> {
  await writeConfigs(f, assets, kubeconfig);
  const containerdSocket = await startContainerd(s, f, assets);
  const l = nodeLayout(f.dir);
  s.start('kubelet', assets.kubelet, kubeletArgs(f, kubeconfig));
  s.start('kube-proxy', assets.kubeProxy, [`--config=${l.kubeProxyConfig}`]);
  s.start('coredns', assets.coredns, ['-conf', l.corefile]);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await s.ready('kubelet', () => nodeReady(core));
  await s.ready('kube-proxy', async () => {
    const url = `http://${f.nodeIp}:${String(nodePorts.kubeProxyHealthz)}/healthz`;
    return (await fetch(url)).ok;
  });
  await s.ready('coredns', async () => {
    return (await fetch(`http://${f.nodeIp}:${String(nodePorts.dnsHealth)}/health`)).ok;
  });
  return { containerdSocket };
}
