// The real event contract end to end: Knative's own ApiServerSource receive adapter (built from
// knative.dev/eventing) watches the test bed and POSTs its CloudEvents over HTTP to reconcile
// served on 127.0.0.1; a tick app, pinged with PingSource-shaped events, sends due events the
// same way. Both run with the ServiceAccounts and RBAC of knative/rbac.yaml (real tokens), so
// the least-privilege rules are proven sufficient. A canary goes to Healthy on its new revision
// driven only by those events; then two reconcile instances get every event at once.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRolloutStore } from '../../functions/adapters/kubernetes/rollouts.ts';
import { createReconcileHandler } from '../../functions/reconcile/handler.ts';
import { createApp } from '../../functions/runtime/app.ts';
import { kubernetesDeps, systemClock } from '../../functions/runtime/deps.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';
import { sinkDispatcher } from '../../functions/tick/dispatch.ts';
import { createTickHandler } from '../../functions/tick/handler.ts';
import {
  ensureApiServerSourceAdapter,
  renderKnative,
  startAdapter,
  tokenKubeconfig,
  type Manifest,
} from '../bed/knative.ts';
import { freePort, isAlive, stopProcess } from '../bed/processes.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const logger = createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' });
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let adapterPid = 0;
let adapterLog = '';
let stopPings = (): void => undefined;
const servers: ServerType[] = [];
const clusterObjects: Manifest[] = [];
/** Temporary folders (token kubeconfigs, the adapter's log), removed afterwards. */
const tempDirs: string[] = [];

/** What one reconcile instance received over HTTP, and what it answered. */
interface Received {
  readonly headers: Record<string, string>;
  readonly status: number;
}

interface Instance {
  readonly url: string;
  readonly received: Received[];
}

async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const port = await freePort();
  await new Promise<void>((resolve) => {
    servers.push(
      serve({ fetch, port, hostname: '127.0.0.1' }, () => {
        resolve();
      }),
    );
  });
  return `http://127.0.0.1:${String(port)}/`;
}

/** A reconcile function as Knative would run it: its app on its own HTTP server. */
async function reconcileInstance(kc: KubeConfig): Promise<Instance> {
  const metrics = createMetrics({ defaults: false });
  const deps = kubernetesDeps(kc, systemClock, {});
  const app = createApp({ handle: createReconcileHandler({ ...deps, metrics }), logger, metrics });
  const received: Received[] = [];
  const url = await listen(async (request) => {
    const headers = Object.fromEntries(request.headers.entries());
    const response = await app.fetch(request);
    received.push({ headers, status: response.status });
    return response;
  });
  return { url, received };
}

/** The Broker's stand-in: every event to every current target at once; the worst status wins. */
function fanOut(targets: () => readonly string[]) {
  return async (request: Request): Promise<Response> => {
    const body = await request.text();
    const headers = Object.fromEntries(request.headers.entries());
    const statuses = await Promise.all(
      targets().map(async (url) => {
        const response = await fetch(url, { method: 'POST', headers, body });
        await response.body?.cancel();
        return response.status;
      }),
    );
    delivered.push(headers['ce-id'] ?? '');
    return new Response(null, { status: Math.max(...statuses) });
  };
}

/** knative/rbac.yaml for real, cluster-wide names suffixed so parallel runs never collide. */
async function applyRbac(namespace: string): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kube.kc);
  const rbac = renderKnative({ namespace }).filter((o) =>
    ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
  );
  for (const object of rbac) {
    if (object.kind !== 'ServiceAccount') {
      object.metadata.name = `${object.metadata.name}-${namespace}`;
      clusterObjects.push(object);
    }
    const roleRef = object.roleRef as { name: string } | undefined;
    if (roleRef) roleRef.name = `${roleRef.name}-${namespace}`;
    await objects.create(object);
  }
}

async function serviceAccountKubeconfig(name: string): Promise<string> {
  const { status } = await kube.core.createNamespacedServiceAccountToken({
    name,
    namespace: ns.name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const path = await tokenKubeconfig(kube.kc, status?.token ?? '');
  tempDirs.push(dirname(path));
  return path;
}

function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** PingSource-shaped pings to tick every 500 ms, a resync every 10th; returns a stop function. */
function startPings(tickUrl: string): () => void {
  let n = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    n += 1;
    const resync = n % 10 === 0;
    fetch(tickUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': `ping-${String(n)}`,
        'ce-source': `/apis/v1/namespaces/${ns.name}/pingsources/kulta-tick`,
        'ce-type': 'dev.knative.sources.ping',
      },
      body: resync ? '{"resync":true}' : '',
    })
      .then((r) => r.body?.cancel())
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 500);
  return () => {
    clearInterval(timer);
  };
}

const instances: Instance[] = [];
/** ce-ids of the events the fan-out delivered to every target (all answered). */
const delivered: string[] = [];
let targets: string[] = [];

beforeAll(async () => {
  const adapter = await ensureApiServerSourceAdapter((line) => {
    console.error(line);
  });
  ns = await tempNamespace(kube, 'ass-e2e');
  await applyRbac(ns.name);
  const functions = loadKubeconfig(await serviceAccountKubeconfig('kulta-functions'));
  instances.push(await reconcileInstance(functions), await reconcileInstance(functions));
  const broker = await listen(fanOut(() => targets));
  targets = [instances[0]?.url ?? ''];
  // Only this test's rollouts: tick lists every active rollout in the cluster.
  const toBroker = sinkDispatcher(broker);
  const tickMetrics = createMetrics({ defaults: false });
  const tick = createApp({
    handle: createTickHandler({
      rollouts: new KubernetesRolloutStore(functions),
      dispatch: (ref, id) => (ref.namespace === ns.name ? toBroker(ref, id) : Promise.resolve()),
    }),
    logger,
    metrics: tickMetrics,
  });
  stopPings = startPings(await listen((request) => tick.fetch(request)));
  tempDirs.push(await mkdtemp(join(tmpdir(), 'kulta-adapter-')));
  adapterLog = join(tempDirs.at(-1) ?? '', 'adapter.log');
  adapterPid = startAdapter({
    binary: adapter,
    kubeconfig: await serviceAccountKubeconfig('kulta-apiserversource'),
    sink: broker,
    namespaces: [ns.name],
    resources: [
      { group: 'kulta.io', version: 'v1alpha1', resource: 'rollouts' },
      {
        group: 'apps',
        version: 'v1',
        resource: 'replicasets',
        selector: 'rollouts-pod-template-hash',
      },
    ],
    logFile: adapterLog,
    profilingPort: await freePort(),
  });
  await adapterWatching();
}, 1_200_000);

afterAll(async () => {
  stopPings();
  if (adapterPid) await stopProcess(adapterPid);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  const objects = KubernetesObjectApi.makeApiClient(kube.kc);
  for (const object of clusterObjects) await objects.delete(object).catch(() => undefined);
  await ns.remove();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/**
 * The adapter announces nothing that exists when it starts, and its watches start a moment
 * after the process: touch a revision-labelled ReplicaSet until its event arrives.
 */
async function adapterWatching(): Promise<void> {
  await kube.apps.createNamespacedReplicaSet({
    namespace: ns.name,
    body: {
      metadata: { name: 'probe', labels: { 'rollouts-pod-template-hash': 'probe' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { probe: 'yes' } },
        template: {
          metadata: { labels: { probe: 'yes' } },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        },
      },
    },
  });
  let touch = 0;
  await eventually(
    "the adapter's first event",
    async () => {
      touch += 1;
      await kube.apps.patchNamespacedReplicaSet({
        name: 'probe',
        namespace: ns.name,
        body: [{ op: 'add', path: '/metadata/annotations', value: { touch: String(touch) } }],
      });
      return instances[0]?.received.some((r) => r.headers['ce-name'] === 'probe') ?? false;
    },
    (seen) => seen,
  ).catch(async (error: unknown) => {
    const log = await readFile(adapterLog, 'utf8').catch(() => '');
    throw new Error(`${String(error)}\nadapter log (tail):\n${log.slice(-4000)}`, { cause: error });
  });
}

/** The world follows the committed status (applied right after the commit, so poll briefly). */
async function worldFollows(app: CanaryApp, stableRS: string | undefined): Promise<void> {
  await eventually(
    'all traffic on stable, and the stable Service on the new revision',
    async () => [await app.weights(), await app.serviceHash('stable')] as const,
    ([weights, hash]) => weights[0] === 100 && weights[1] === 0 && hash === stableRS,
    10_000,
  );
}

const fromAdapter = (instance: Instance | undefined, name: string) =>
  (instance?.received ?? []).filter(
    (r) =>
      r.headers['ce-type']?.startsWith('dev.knative.apiserver') &&
      r.headers['ce-name']?.startsWith(name),
  );

describe('a canary driven only by the real ApiServerSource adapter and tick events', () => {
  const app = new CanaryApp(kube, '', 'web');

  beforeAll(async () => {
    Object.assign(app, { namespace: ns.name });
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('web', {
        image: 'registry.example/web:1.0',
        steps: [
          { setWeight: 25 },
          { pause: { duration: '1s' } },
          { setWeight: 50 },
          { pause: { duration: '1s' } },
        ],
      }),
    );
  });

  it('deploys the first revision, then takes the new one through every step to Healthy', async () => {
    const first = await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await app.setImage('registry.example/web:2.0');
    const status = await eventually(
      'Healthy on the new revision',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS !== undefined && s.stableRS !== first.stableRS,
    );
    expect(status.stableRS).toBe(status.currentPodHash);
    expect((status.stepHistory ?? []).map((s) => s.index)).toEqual([0, 1, 2, 3]);
    await worldFollows(app, status.stableRS);
  });

  it('received the adapter events as DESIGN.md §2 describes them, and accepted every one', async () => {
    const events = fromAdapter(instances[0], 'web');
    // A Rollout created before the adapter's watch started is never announced as an add
    // (DESIGN.md §2: existing objects are not announced), and deliveries may be reordered: any
    // Rollout event shows the attributes.
    const rollout = events.find((e) => e.headers['ce-kind'] === 'Rollout');
    expect(rollout?.headers['ce-type']).toMatch(
      /^dev\.knative\.apiserver\.resource\.(add|update)$/,
    );
    expect(rollout?.headers).toMatchObject({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-source': kube.kc.getCurrentCluster()?.server,
      'ce-subject': `/apis/kulta.io/v1alpha1/namespaces/${ns.name}/rollouts/web`,
      'ce-apiversion': 'kulta.io/v1alpha1',
      'ce-name': 'web',
      'ce-namespace': ns.name,
    });
    const replicaSet = events.find((e) => e.headers['ce-kind'] === 'ReplicaSet');
    expect(replicaSet?.headers['ce-subject']).toMatch(
      new RegExp(`^/apis/apps/v1/namespaces/${ns.name}/replicasets/web-[a-z0-9]+$`),
    );
    const types = new Set(events.map((e) => e.headers['ce-type']));
    expect(types.has('dev.knative.apiserver.resource.update')).toBe(true);
    const known = ['add', 'update', 'delete'].map((a) => `dev.knative.apiserver.resource.${a}`);
    expect([...types].filter((t) => !known.includes(String(t)))).toEqual([]);
    expect(events.filter((e) => e.status >= 400)).toEqual([]);
    const due = (instances[0]?.received ?? []).filter(
      (r) => r.headers['ce-type'] === 'dev.kulta.rollout.due',
    );
    expect(due.length).toBeGreaterThan(0);
    expect(due.filter((e) => e.status >= 400)).toEqual([]);
    expect(await readFile(adapterLog, 'utf8')).not.toMatch(/failed to send cloudevent/);
  });
});

describe('scale-out: two reconcile instances receive every event concurrently', () => {
  const app = new CanaryApp(kube, '', 'shop');

  beforeAll(async () => {
    Object.assign(app, { namespace: ns.name });
    targets = instances.map((i) => i.url);
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('shop', {
        image: 'registry.example/shop:1.0',
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '1s' } }],
      }),
    );
  });

  it('still ends correct: each step once, traffic and revisions where they belong', async () => {
    const first = await eventually(
      'Healthy',
      () => app.status(),
      (s) => s.phase === 'Healthy',
    );
    await app.setImage('registry.example/shop:2.0');
    const paused = await eventually(
      'paused at step 1',
      () => app.status(),
      (s) => s.phase === 'Paused',
    );
    expect(paused.currentStepIndex).toBe(1);
    expect(await app.weights()).toEqual([80, 20]);
    await app.promote();
    const status = await eventually(
      'Healthy on the new revision',
      () => app.status(),
      (s) => s.phase === 'Healthy' && s.stableRS === paused.currentPodHash,
    );
    expect((status.stepHistory ?? []).map((s) => s.index)).toEqual([0, 1, 2, 3]);
    await worldFollows(app, status.stableRS);
    const sets = await eventually(
      'the old revision scaled to 0',
      () => app.replicaSets(),
      (list) =>
        list.find((rs) => rs.metadata?.name === `shop-${first.stableRS ?? ''}`)?.spec?.replicas ===
        0,
    );
    expect(sets.map((rs) => rs.metadata?.name).sort()).toEqual(
      [`shop-${first.stableRS ?? ''}`, `shop-${status.stableRS ?? ''}`].sort(),
    );
  });

  it('both instances handled the same events, and refused or failed none', () => {
    const [a, b] = [fromAdapter(instances[0], 'shop'), fromAdapter(instances[1], 'shop')];
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    // Events still in flight may have reached one instance only; completed ones reached both.
    const both = a.map((e) => e.headers['ce-id'] ?? '').filter((id) => delivered.includes(id));
    const seenByB = new Set(b.map((e) => e.headers['ce-id']));
    expect(both.length).toBeGreaterThan(0);
    expect(both.filter((id) => !seenByB.has(id))).toEqual([]);
    for (const instance of instances) {
      expect(instance.received.filter((r) => r.status >= 400)).toEqual([]);
    }
  });

  it('stops the adapter by its pid', async () => {
    await stopProcess(adapterPid);
    expect(isAlive(adapterPid)).toBe(false);
  });
});
