// How the test bed finds its binaries when they are not built yet: pre-built ones are used,
// and without Go it says exactly what is missing and how to get it.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  argoController,
  argoGatewayPlugin,
  cacheRoot,
  componentVersion,
  ensureAssets,
  ensureGoBinary,
} from './assets.ts';

const saved = { ...process.env };
let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kulta-assets-'));
  process.env.KULTA_TESTBED_CACHE = join(scratch, 'cache');
  process.env.PATH = join(scratch, 'empty-path');
  delete process.env.KUBEBUILDER_ASSETS;
});

afterEach(async () => {
  process.env = { ...saved };
  await rm(scratch, { recursive: true, force: true });
});

const binaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

describe('test bed assets', () => {
  it('reads component versions from the wrapper modules', () => {
    expect(componentVersion('kube', 'k8s.io/kubernetes')).toMatch(/^v1\.36\.\d+$/);
    expect(componentVersion('etcd', 'go.etcd.io/etcd/server/v3')).toMatch(/^v3\.6\.\d+$/);
    expect(componentVersion('kwok', 'sigs.k8s.io/kwok')).toMatch(/^v0\.8\.\d+$/);
  });

  it("reads Argo Rollouts' version (for npm run bench) from its wrapper module", () => {
    expect(componentVersion(argoController.wrapper, argoController.module)).toMatch(/^v1\.9\.\d+$/);
  });

  it('keys the Argo Gateway API plugin by a hash of its source', () => {
    expect(argoGatewayPlugin().name).toMatch(/^argo-rollouts-gatewayapi-[0-9a-f]{12}$/);
    expect(argoGatewayPlugin().packages).toEqual(['./gatewayapi']);
  });

  it('says which Argo module and version it cannot build without Go', async () => {
    const failure = ensureGoBinary(argoController, 'rollouts-controller', () => undefined);
    await expect(failure).rejects.toThrow(
      /rollouts-controller \(github\.com\/argoproj\/argo-rollouts v1\.9\.\d+\) is not in .*Go was not found on PATH/,
    );
  });

  it('uses a cached Argo controller without building it', async () => {
    const version = componentVersion(argoController.wrapper, argoController.module);
    const dir = join(scratch, 'cache', `argo-rollouts-${version}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'rollouts-controller'), '#!/bin/sh\n');
    await chmod(join(dir, 'rollouts-controller'), 0o755);
    const path = await ensureGoBinary(argoController, 'rollouts-controller', () => undefined);
    expect(path).toBe(join(dir, 'rollouts-controller'));
  });

  it('honours KULTA_TESTBED_CACHE', () => {
    expect(cacheRoot()).toBe(join(scratch, 'cache'));
  });

  it('names every missing binary and how to get it when Go is absent', async () => {
    const failure = ensureAssets(() => undefined);
    await expect(failure).rejects.toThrow(/Go was not found on PATH/);
    await expect(failure).rejects.toThrow(
      /kube-apiserver, kube-controller-manager, kube-scheduler/,
    );
    await expect(failure).rejects.toThrow(/- etcd \(go\.etcd\.io\/etcd\/server\/v3 v3\.6\./);
    await expect(failure).rejects.toThrow(
      /- kwok \(sigs\.k8s\.io\/kwok v0\.8\.\d+\) and its stage files/,
    );
    await expect(failure).rejects.toThrow(/KUBEBUILDER_ASSETS/);
  });

  it('uses pre-built binaries from KUBEBUILDER_ASSETS without building', async () => {
    const assetsDir = join(scratch, 'assets');
    await mkdir(assetsDir);
    for (const b of binaries) {
      await writeFile(join(assetsDir, b), '#!/bin/sh\n');
      await chmod(join(assetsDir, b), 0o755);
    }
    const kwokVersion = componentVersion('kwok', 'sigs.k8s.io/kwok');
    const stages = join(scratch, 'cache', `kwok-${kwokVersion}`, 'stages');
    await mkdir(stages, { recursive: true });
    for (const s of [
      'node-initialize',
      'node-heartbeat-with-lease',
      'pod-ready',
      'pod-complete',
      'pod-delete',
    ]) {
      await writeFile(join(stages, `${s}.yaml`), '');
    }
    process.env.KUBEBUILDER_ASSETS = assetsDir;
    const assets = await ensureAssets(() => undefined);
    expect(assets.kubeApiserver).toBe(join(assetsDir, 'kube-apiserver'));
    expect(assets.etcd).toBe(join(assetsDir, 'etcd'));
    expect(assets.kwok).toBe(join(assetsDir, 'kwok'));
    expect(assets.kwokStages).toHaveLength(5);
  });

  it('still needs the binaries envtest does not ship', async () => {
    const assetsDir = join(scratch, 'assets');
    await mkdir(assetsDir);
    for (const b of ['etcd', 'kube-apiserver']) {
      await writeFile(join(assetsDir, b), '#!/bin/sh\n');
      await chmod(join(assetsDir, b), 0o755);
    }
    process.env.KUBEBUILDER_ASSETS = assetsDir;
    const failure = ensureAssets(() => undefined);
    await expect(failure).rejects.toThrow(/kube-controller-manager/);
    await expect(failure).rejects.not.toThrow(/- etcd/);
  });
});
