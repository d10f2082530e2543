// The real node's configuration files: containerd (CRI, runc through cgroupfs, CNI), the CNI
// bridge network, kubelet, kube-proxy and CoreDNS. Pure functions of the bed's layout, so the
// files are easy to read in a test and the same on every start.
import { join } from 'node:path';
import type { NodeAssets } from '../node-assets.ts';
import type { Footprint } from './host.ts';

export const realNodeName = 'kulta-real-node';
export const podCidr = '10.244.0.0/24';
export const clusterDomain = 'cluster.local';
/** The sandbox image every pod starts with, built from the pause binary and imported first. */
export const pauseImage = 'dev.local/kulta/pause:3.10';

/** The node's ports inside the netns (nothing else listens there). */
export const nodePorts = {
  kubelet: 10250,
  kubeletHealthz: 10248,
  kubeProxyHealthz: 10256,
  kubeProxyMetrics: 10249,
  dns: 53,
  dnsHealth: 8081,
} as const;

/** Where the node keeps its files, all under the run folder. */
export function nodeLayout(dir: string) {
  return {
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    containerdConfig: join(dir, 'containerd', 'config.toml'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.yaml'),
    podLogs: join(dir, 'pod-logs'),
    resolvConf: join(dir, 'resolv.conf'),
    kubeProxyConfig: join(dir, 'kube-proxy-config.yaml'),
    corefile: join(dir, 'Corefile'),
  };
}

/**
 * containerd 2.x, config version 3. The sandbox asks for oom_score_adj -998, which this kind
 * of machine refuses to lower to; `restrict_oom_score_adj` clamps every container's value to
 * containerd's own (0), the same clamp a runc wrapper would do.
 */
export function containerdConfig(dir: string, assets: NodeAssets): string {
  const l = nodeLayout(dir);
  return `version = 3
root = ${JSON.stringify(l.containerdRoot)}
state = ${JSON.stringify(l.containerdState)}

[grpc]
  address = ${JSON.stringify(l.containerdSocket)}

[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  disable_apparmor = true
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = ${JSON.stringify(assets.runc)}
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [${JSON.stringify(assets.cniBinDir)}]
    conf_dir = ${JSON.stringify(l.cniConfDir)}

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${JSON.stringify(pauseImage)}
`;
}

/** One bridge inside the netns for every pod, addresses from host-local under the run folder. */
export function cniConfig(dir: string): string {
  const config = {
    cniVersion: '1.0.0',
    name: 'kulta-bed',
    plugins: [
      {
        type: 'bridge',
        bridge: 'kulta0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: nodeLayout(dir).cniDataDir,
        },
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** kubelet on cgroup v1 without systemd, every pod's cgroup under the bed's own folder. */
export function kubeletConfig(f: Footprint): string {
  const l = nodeLayout(f.dir);
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: f.cgroup,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: [],
    localStorageCapacityIsolation: false,
    failSwapOn: false,
    address: f.nodeIp,
    port: nodePorts.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: f.nodeIp,
    healthzPort: nodePorts.kubeletHealthz,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    clusterDNS: [f.nodeIp],
    clusterDomain,
    resolvConf: l.resolvConf,
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    podLogsDir: l.podLogs,
    podCIDR: podCidr,
    serializeImagePulls: false,
    // The bed's disk is shared with the machine: never evict the bed's pods for it.
    evictionHard: {
      'memory.available': '50Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    protectKernelDefaults: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function kubeletArgs(f: Footprint, kubeconfig: string): string[] {
  const l = nodeLayout(f.dir);
  return [
    `--config=${l.kubeletConfig}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${l.kubeletRoot}`,
    `--cert-dir=${join(l.kubeletRoot, 'pki')}`,
    `--hostname-override=${realNodeName}`,
    `--node-ip=${f.nodeIp}`,
    '--node-labels=type=real',
    '--v=1',
  ];
}

/** kube-proxy in iptables mode, only the netns' own tables; conntrack sysctls left alone. */
export function kubeProxyConfig(f: Footprint, kubeconfig: string): string {
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    hostnameOverride: realNodeName,
    bindAddress: f.nodeIp,
    healthzBindAddress: `${f.nodeIp}:${String(nodePorts.kubeProxyHealthz)}`,
    metricsBindAddress: `${f.nodeIp}:${String(nodePorts.kubeProxyMetrics)}`,
    clusterCIDR: podCidr,
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** CoreDNS on the node's address: cluster names only, nothing forwarded anywhere. */
export function corefile(f: Footprint, kubeconfig: string): string {
  return `${clusterDomain}:${String(nodePorts.dns)} in-addr.arpa:${String(nodePorts.dns)} {
  bind ${f.nodeIp}
  errors
  health ${f.nodeIp}:${String(nodePorts.dnsHealth)}
  kubernetes ${clusterDomain} in-addr.arpa {
    kubeconfig ${kubeconfig} kulta-testbed
    pods insecure
  }
  cache 5
}
`;
}

/** Pods resolve through the cluster DNS on the node; no upstream servers. */
export function resolvConf(f: Footprint): string {
  return `nameserver ${f.nodeIp}\n`;
}
