// The image's payload without the image: the esbuild bundles (scripts/build-functions.ts) run as
// plain `node dist/<function>.mjs`, as the container does. The reconcile bundle starts, answers
// its health route, takes one ApiServerSource event against the test bed and stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiServerEvent, watchedResources } from '../../functions/local/bridge.ts';
import { buildFunctions } from '../../scripts/build-functions.ts';
import { freePort, waitFor } from '../bed/processes.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
let outdir = '';
let ns: Awaited<ReturnType<typeof tempNamespace>>;
const app = new CanaryApp(kube, '', 'api');

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'kulta-dist-'));
  await buildFunctions(outdir);
  ns = await tempNamespace(kube, 'bundle');
  Object.assign(app, { namespace: ns.name });
  await app.createBackends();
  await app.createRollout(
    rolloutManifest('api', { image: 'registry.example/api:1.0', steps: [{ setWeight: 50 }] }),
  );
});

afterAll(async () => {
  await ns.remove();
  await rm(outdir, { recursive: true, force: true });
});

function start(
  bundle: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [join(outdir, bundle)], {
    env: { PATH: process.env.PATH ?? '', KULTA_LISTEN_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (c: Buffer): void => {
    output += c.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', resolve);
  });
}

describe('the bundled functions', () => {
  it('reconcile starts, is healthy, reconciles one ApiServerSource event, stops on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${String(port)}`;
    const { child, output } = start('reconcile.mjs', {
      PORT: String(port),
      KUBECONFIG: inject('kubeconfig'),
      KULTA_LOG_LEVEL: 'info',
    });
    try {
      await waitFor(
        'the bundle to answer /healthz',
        async () => (await fetch(`${base}/healthz`)).status === 200,
        15_000,
      );
      const [rolloutResource] = watchedResources;
      if (!rolloutResource) throw new Error('no Rollout in watchedResources');
      const event = apiServerEvent(
        kube.kc.getCurrentCluster()?.server ?? '',
        rolloutResource,
        'ADDED',
        (await app.rollout()) as unknown as { metadata: { name: string; namespace: string } },
      );
      const response = await fetch(`${base}/`, { method: 'POST', ...event });
      expect(response.status, output()).toBe(202);
      const status = await app.status();
      expect(status.observedGeneration).toBe(1);
      expect((await app.replicaSets()).map((rs) => rs.metadata?.name)).toEqual([
        `api-${status.currentPodHash ?? ''}`,
      ]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
    expect(output()).toContain('shutting down: finishing requests in flight');
  });

  it('tick refuses to start without K_SINK, naming it', async () => {
    const { child, output } = start('tick.mjs', { KUBECONFIG: inject('kubeconfig') });
    expect(await exited(child)).toBe(1);
    expect(output()).toContain('K_SINK is not set');
  });
});
