// The dashboard as its own Knative Service, checked for real: its manifests pass a server-side
// dry-run with the Knative CRDs, its RBAC is enough for every read and action the dashboard makes
// (run as its ServiceAccount's token against the test bed) and no more, and its esbuild bundle
// serves the page and the API as the container would run it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AuthorizationV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubernetesTransitionRecorder } from '../../../functions/adapters/kubernetes/events.ts';
import {
  KubernetesRolloutOperator,
  KubernetesRolloutReader,
} from '../../../functions/dashboard/kubernetes.ts';
import { buildFunctions, functionEntries } from '../../../scripts/build-functions.ts';
import {
  dryRunApply,
  installKnativeCrds,
  renderKnative,
  tokenKubeconfig,
  type Manifest,
} from '../../bed/knative.ts';
import { freePort, waitFor } from '../../bed/processes.ts';
import { CanaryApp, rolloutManifest } from '../../support/canary-app.ts';
import { tempNamespace, testKube } from '../../support/kube.ts';

const kube = testKube();
const app = new CanaryApp(kube, '', 'web');
let ns: Awaited<ReturnType<typeof tempNamespace>>;
const cleanup: (() => Promise<unknown>)[] = [];

/** The dashboard's objects in knative/, rendered into `namespace`. */
function dashboardObjects(namespace: string): Manifest[] {
  return renderKnative({ namespace }).filter((o) => o.metadata.name === 'kulta-dashboard');
}

const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], o);

beforeAll(async () => {
  await installKnativeCrds(inject('kubeconfig'));
  ns = await tempNamespace(kube, 'dash-knative');
  Object.assign(app, { namespace: ns.name });
  await app.createBackends();
  await app.createRollout(
    rolloutManifest('web', { image: 'registry.example/web:1.0', steps: [{ pause: {} }] }),
  );
}, 600_000);

afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
  await ns.remove();
});

describe('knative/dashboard.yaml', () => {
  it('has a Service, a ServiceAccount, a ClusterRole and its binding, all accepted by a dry-run', async () => {
    const objects = dashboardObjects(ns.name);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
    for (const object of objects) {
      const reply = await dryRunApply(kube.kc, object);
      expect(reply.status, `${object.kind}: ${reply.body}`).toBeLessThan(300);
    }
  });

  it('runs the dashboard bundle cluster-locally as kulta-dashboard, scaling to zero', () => {
    const service = dashboardObjects('kulta').find((o) => o.kind === 'Service');
    expect(service?.metadata.labels).toMatchObject({
      'networking.knative.dev/visibility': 'cluster-local',
    });
    // It sends no CDEvents: no K_SINK binding.
    expect(service?.metadata.labels).not.toHaveProperty('kulta.io/sink-binding');
    expect(at(service, 'spec.template.metadata.annotations')).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0',
    });
    const spec = at(service, 'spec.template.spec') as {
      serviceAccountName: string;
      timeoutSeconds: number;
      containers: { args: string[]; env: { name: string; value: string }[] }[];
    };
    expect(spec.serviceAccountName).toBe('kulta-dashboard');
    const [container] = spec.containers;
    expect(container?.args).toEqual([
      functionEntries.dashboard.replace(/^functions\/(\w+)\/main\.ts$/, '/app/$1.mjs'),
    ]);
    // A live stream ends before Knative's request timeout would cut it.
    const streamSeconds = container?.env.find((e) => e.name === 'KULTA_DASHBOARD_STREAM_SECONDS');
    expect(Number(streamSeconds?.value)).toBeLessThan(spec.timeoutSeconds);
  });
});

/** knative/'s dashboard RBAC for real, with cluster-wide names suffixed; returns the SA's kubeconfig. */
async function dashboardIdentity(): Promise<KubeConfig> {
  const objects = KubernetesObjectApi.makeApiClient(kube.kc);
  const suffix = randomBytes(3).toString('hex');
  for (const object of dashboardObjects(ns.name).filter((o) => o.kind !== 'Service')) {
    if (object.kind !== 'ServiceAccount') object.metadata.name = `kulta-dashboard-${suffix}`;
    const roleRef = object.roleRef as { name: string } | undefined;
    if (roleRef) roleRef.name = `kulta-dashboard-${suffix}`;
    await objects.create(object);
    if (object.kind !== 'ServiceAccount') cleanup.push(() => objects.delete(object));
  }
  const { status } = await kube.core.createNamespacedServiceAccountToken({
    name: 'kulta-dashboard',
    namespace: ns.name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const path = await tokenKubeconfig(kube.kc, status?.token ?? '');
  cleanup.push(() => rm(dirname(path), { recursive: true, force: true }));
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

describe('the dashboard as its ServiceAccount', () => {
  let kc: KubeConfig;

  beforeAll(async () => {
    kc = await dashboardIdentity();
  });

  it('reads the list, a rollout page and its timeline', async () => {
    const rollout = await app.rollout();
    const uid = (rollout as unknown as { metadata: { uid: string } }).metadata.uid;
    await app.patchStatus({
      transition: 1,
      history: [{ transition: 1, at: '2026-11-22T10:00:00Z', event: 'deployed', message: 'hi' }],
    });
    // An Event as the reconcile function records it: the timeline finds it by field selector.
    await new KubernetesTransitionRecorder(kube.kc).record(
      { namespace: ns.name, name: 'web' },
      {
        uid,
        transition: 1,
        event: 'deployed',
        message: 'revision deployed',
        at: '2026-11-22T10:00:00.000Z',
      },
    );
    const reader = new KubernetesRolloutReader(kc);
    expect((await reader.list(ns.name)).map((r) => r.name)).toEqual(['web']);
    expect((await reader.list(undefined)).some((r) => r.namespace === ns.name)).toBe(true);
    const detail = await reader.detail({ namespace: ns.name, name: 'web' });
    expect(detail?.rollout.weights.routes).toEqual([
      expect.objectContaining({ name: 'web-route', found: true, stable: 100, canary: 0 }),
    ]);
    expect(detail?.timeline).toEqual([
      expect.objectContaining({
        transition: 1,
        event: 'deployed',
        kubernetesEvent: expect.objectContaining({ reason: 'Deployed' }) as unknown,
      }),
    ]);
    expect(await reader.detail({ namespace: ns.name, name: 'nope' })).toBeUndefined();
  });

  it('promotes, aborts and retries with the Argo CLI patches', async () => {
    const operator = new KubernetesRolloutOperator(kc);
    const ref = { namespace: ns.name, name: 'web' };
    await app.patchStatus({
      currentStepIndex: 0,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-11-22T10:00:00Z' }],
    });
    expect(await operator.act(ref, 'promote')).toBe(
      `Rollout ${ns.name}/web promoted (pause cleared)`,
    );
    expect((await app.status()).pauseConditions).toBeUndefined();
    await operator.act(ref, 'abort');
    expect((await app.status()).abort).toBe(true);
    await operator.act(ref, 'retry');
    expect((await app.status()).abort).toBe(false);
    await expect(operator.act({ ...ref, name: 'nope' }, 'abort')).rejects.toThrow(
      `Rollout ${ns.name}/nope not found`,
    );
  });

  it.each([
    ['delete', 'kulta.io', 'rollouts'],
    ['update', 'kulta.io', 'rollouts/status'],
    ['update', 'apps', 'replicasets'],
    ['delete', '', 'pods'],
    ['update', 'gateway.networking.k8s.io', 'httproutes'],
    ['get', '', 'secrets'],
    ['create', 'events.k8s.io', 'events'],
  ])('may not %s %s %s', async (verb, group, resource) => {
    const [plural, subresource] = resource.split('/');
    const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            namespace: ns.name,
            verb,
            group,
            resource: plural ?? '',
            ...(subresource ? { subresource } : {}),
          },
        },
      },
    });
    expect(review.status?.allowed).toBe(false);
  });
});

describe('the bundled dashboard', () => {
  it('serves the page, its files and the API, and stops on SIGTERM', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'kulta-dist-'));
    cleanup.push(() => rm(outdir, { recursive: true, force: true }));
    await buildFunctions(outdir);
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [join(outdir, 'dashboard.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        KULTA_LISTEN_HOST: '127.0.0.1',
        KUBECONFIG: inject('kubeconfig'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const base = `http://127.0.0.1:${String(port)}`;
    try {
      await waitFor(
        'the bundle to answer /healthz',
        async () => (await fetch(`${base}/healthz`)).ok,
        15_000,
      );
      const page = await fetch(`${base}/`);
      expect(await page.text()).toContain('assets/app.js');
      expect((await fetch(`${base}/assets/app.js`)).headers.get('content-type')).toBe(
        'text/javascript; charset=utf-8',
      );
      const list = (await (await fetch(`${base}/api/rollouts?namespace=${ns.name}`)).json()) as {
        name: string;
      }[];
      expect(
        list.map((r) => r.name),
        output,
      ).toEqual(['web']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
