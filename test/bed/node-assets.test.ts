// The real node's components are pinned by the wrapper modules under test/bed/go, and its
// configuration keeps every container inside the bed's cgroup and netns.
import { describe, expect, it } from 'vitest';
import { componentDir, componentVersion } from './assets.ts';
import { containerd, coredns, kubeNode } from './node-assets.ts';
import type { Footprint } from './real/host.ts';
import { containerdConfig, kubeletConfig, kubeProxyConfig } from './real/node-config.ts';

const footprint: Footprint = {
  dir: '/tmp/bed',
  netns: 'kulta-0123abcd',
  vethHost: 'kh0123abcd',
  vethNode: 'kn0123abcd',
  hostIp: '10.213.0.1',
  nodeIp: '10.213.0.2',
  cgroup: '/process_api/abc/kulta-bed-0123abcd',
};

describe('real node assets', () => {
  it.each([
    ['kubelet and kube-proxy', kubeNode, /^v1\.36\.\d+$/],
    ['containerd', containerd, /^v2\.4\.\d+$/],
    ['CoreDNS', coredns, /^v1\.15\.\d+$/],
  ])('reads the %s version from its wrapper module', (_, c, version) => {
    expect(componentVersion(c.wrapper, c.module)).toMatch(version);
  });

  it('caches kubelet apart from the control plane binaries of the same version', () => {
    expect(componentDir(kubeNode)).toMatch(/kubernetes-node-v1\.36\.\d+$/);
  });

  it('builds containerd without cgo', () => {
    expect(containerd.env).toEqual({ CGO_ENABLED: '0' });
  });
});

describe('real node configuration', () => {
  it('runs kubelet on cgroup v1 with cgroupfs, under the bed cgroup, on the node address', () => {
    expect(JSON.parse(kubeletConfig(footprint))).toMatchObject({
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: footprint.cgroup,
      enforceNodeAllocatable: [],
      address: footprint.nodeIp,
      clusterDNS: [footprint.nodeIp],
      containerRuntimeEndpoint: 'unix:///tmp/bed/containerd/containerd.sock',
    });
  });

  it('clamps oom_score_adj in containerd and keeps its netns mounts under the run folder', () => {
    const config = containerdConfig(footprint.dir, {
      runc: '/usr/sbin/runc',
      cniBinDir: '/usr/lib/cni',
    } as Parameters<typeof containerdConfig>[1]);
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain('netns_mounts_under_state_dir = true');
    expect(config).toContain('SystemdCgroup = false');
    expect(config).toContain('root = "/tmp/bed/containerd/root"');
  });

  it('binds kube-proxy to the node address only', () => {
    expect(JSON.parse(kubeProxyConfig(footprint, '/tmp/bed/kubeconfig'))).toMatchObject({
      bindAddress: footprint.nodeIp,
      healthzBindAddress: `${footprint.nodeIp}:10256`,
      metricsBindAddress: `${footprint.nodeIp}:10249`,
    });
  });
});
