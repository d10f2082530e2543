// What GitOps tools see of real Rollouts on the test bed, in every phase, computed by the tools'
// own code: kstatus (sigs.k8s.io/cli-utils status.Compute — kubectl-wait tooling, Flux, Helm 4)
// and Argo CD (its settings manager reads the argocd-cm patch from docs/gitops/argocd, its Lua VM
// runs the health check and actions). Actions are written back as Argo CD's API server writes
// them, and KULTA (the local runner) must then do what the action says.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import {
  ArgoCdLua,
  ensureGitopsTools,
  installArgocdCm,
  kstatusOf,
  type GitopsTools,
} from '../bed/gitops.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { eventually, tempNamespace } from '../support/kube.ts';
import { useRunnerNamespace } from '../support/runner.ts';

const file = useRunnerNamespace('gitops');
const kube = file.kube;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoNode = join(root, 'node_modules', '.bin', 'node');

let tools: GitopsTools;
let argocd: ArgoCdLua;

/** A cold build of Argo CD's packages takes many minutes on 2 cores; later runs use the cache. */
const buildTimeoutMs = 60 * 60_000;

beforeAll(async () => {
  tools = await ensureGitopsTools((line) => {
    console.error(line);
  });
  const argocdNs = await tempNamespace(kube, 'argocd');
  await installArgocdCm(kube.kc, argocdNs.name);
  argocd = new ArgoCdLua(tools, inject('kubeconfig'), argocdNs.name);
  return () => argocdNs.remove();
}, buildTimeoutMs);

const steps: JsonObject[] = [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }];

function app(name: string): CanaryApp {
  return new CanaryApp(kube, file.namespace, name);
}

async function started(name: string, manifest: JsonObject): Promise<CanaryApp> {
  const a = app(name);
  await a.createBackends();
  await a.createRollout(manifest);
  return a;
}

function phase(a: CanaryApp, want: string, also: (s: RolloutStatus) => boolean = () => true) {
  return eventually(
    `${a.name} ${want}`,
    () => a.status(),
    (s) => s.phase === want && also(s),
  );
}

/** A Rollout read whole from the API server, as kstatus and Argo CD read it. */
async function live(a: CanaryApp): Promise<unknown> {
  return a.rollout();
}

async function healthyApp(name: string): Promise<CanaryApp> {
  const a = await started(
    name,
    rolloutManifest(name, { image: 'registry.example/web:1.0', steps }),
  );
  await phase(a, 'Healthy');
  return a;
}

async function pausedApp(name: string): Promise<CanaryApp> {
  const a = await healthyApp(name);
  await a.setImage('registry.example/web:2.0');
  await phase(a, 'Paused', (s) => s.currentStepIndex === 1);
  return a;
}

describe('kstatus and Argo CD on a Rollout in each phase', () => {
  it('Healthy: kstatus Current, Argo CD Healthy, only restart offered', async () => {
    const a = await healthyApp('healthy');
    expect(await kstatusOf(tools, await live(a))).toMatchObject({ status: 'Current' });
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Healthy' });
    const actions = await argocd.actions(file.namespace, a.name);
    expect(Object.keys(actions).sort()).toEqual([
      'abort',
      'promote',
      'promote-full',
      'restart',
      'retry',
    ]);
    expect(
      Object.values(actions)
        .filter((x) => x.disabled !== true)
        .map((x) => x.name),
    ).toEqual(['restart']);
    // Argo CD's restart writes spec.restartAt (not status); KULTA replaces the older pods.
    const ran = (await argocd.run(file.namespace, a.name, 'restart')) as {
      patches: { subresource: string; patch: { spec?: { restartAt?: string } } }[];
    };
    expect(ran.patches).toEqual([
      {
        subresource: '',
        patch: {
          spec: { restartAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as string },
        },
      },
    ]);
    const restartAt = ran.patches[0]?.patch.spec?.restartAt ?? '';
    await phase(a, 'Healthy', (s) => s.restartedAt === restartAt);
  });

  it('Progressing (canary pods coming up, a timed pause): kstatus InProgress, Argo CD Progressing', async () => {
    const name = 'timed';
    const a = await started(
      name,
      rolloutManifest(name, {
        image: 'registry.example/web:1.0',
        steps: [{ setWeight: 25 }, { pause: { duration: '1h' } }],
      }),
    );
    await phase(a, 'Healthy');
    await a.setImage('registry.example/web:2.0');
    await phase(a, 'Paused', (s) => s.pauseEndsAt !== undefined);
    const verdict = await kstatusOf(tools, await live(a));
    expect(verdict).toMatchObject({ status: 'InProgress' });
    expect(await argocd.health(file.namespace, name)).toMatchObject({ status: 'Progressing' });
    // Argo CD's promote-full: every step skipped, and KULTA promotes the revision.
    await argocd.run(file.namespace, name, 'promote-full');
    await phase(a, 'Healthy', (s) => s.currentPodHash === s.stableRS);
    expect(await kstatusOf(tools, await live(a))).toMatchObject({ status: 'Current' });
  });

  it('Paused until promoted: kstatus Failed (a person must act), Argo CD Suspended; promote goes on', async () => {
    const a = await pausedApp('paused');
    const verdict = await kstatusOf(tools, await live(a));
    expect(verdict.status).toBe('Failed');
    expect(verdict.message).toMatch(/promote to go on/);
    expect(verdict.conditions).toEqual([
      expect.objectContaining({ type: 'Stalled', reason: 'WaitingForPromotion' }),
    ]);
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Suspended' });
    const actions = await argocd.actions(file.namespace, a.name);
    expect(actions.promote?.disabled).not.toBe(true);
    expect(actions.abort?.disabled).not.toBe(true);
    expect(actions.retry?.disabled).toBe(true);
    const patched = await argocd.run(file.namespace, a.name, 'promote');
    expect(patched).toEqual({
      patches: [{ subresource: 'status', patch: { status: { pauseConditions: null } } }],
    });
    await phase(a, 'Healthy', (s) => s.currentPodHash === s.stableRS);
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Healthy' });
  });

  it('Degraded (aborted through Argo CD): kstatus Failed, Argo CD Degraded; retry starts again', async () => {
    const a = await pausedApp('aborted');
    await argocd.run(file.namespace, a.name, 'abort');
    await phase(a, 'Degraded', (s) => s.abortedAt !== undefined);
    const verdict = await kstatusOf(tools, await live(a));
    expect(verdict.status).toBe('Failed');
    expect(verdict.conditions).toEqual([
      expect.objectContaining({ type: 'Stalled', reason: 'RolloutAborted' }),
    ]);
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Degraded' });
    const actions = await argocd.actions(file.namespace, a.name);
    expect(actions.retry?.disabled).not.toBe(true);
    expect(actions.abort?.disabled).toBe(true);
    await argocd.run(file.namespace, a.name, 'retry');
    await phase(a, 'Paused', (s) => s.abortedAt === undefined && s.currentStepIndex === 1);
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Suspended' });
  });

  it('InvalidSpec: kstatus Failed with the field, Argo CD Degraded', async () => {
    // The schema accepts it; only KULTA can tell that the header route's canary has no pods.
    const name = 'invalid';
    const headerStep = {
      setHeaderRoute: {
        name: 'beta',
        match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
      },
    };
    const a = await started(
      name,
      rolloutManifest(name, {
        image: 'registry.example/web:1.0',
        steps: [headerStep, { setWeight: 50 }],
        canary: {
          trafficRouting: {
            managedRoutes: [{ name: 'beta' }],
            plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${name}-route` } },
          },
        },
      }),
    );
    await phase(a, 'Degraded');
    const verdict = await kstatusOf(tools, await live(a));
    expect(verdict.status).toBe('Failed');
    expect(verdict.message).toMatch(/spec\.strategy\.canary\.steps\[0\]/);
    expect(await argocd.health(file.namespace, name)).toMatchObject({
      status: 'Degraded',
      message: expect.stringMatching(/^InvalidSpec: spec\.strategy\.canary\.steps\[0\]/) as string,
    });
  });
});

describe('a step error only a person can fix (Stalled)', () => {
  const name = 'stalled';
  const analysisSteps: JsonObject[] = [
    { setWeight: 25 },
    { analysis: { templates: [{ templateName: 'not-there-yet' }] } },
    { setWeight: 50 },
  ];

  it('is Degraded with the error in kulta get, kstatus Failed, Argo CD Degraded', async () => {
    const a = await started(
      name,
      rolloutManifest(name, { image: 'registry.example/web:1.0', steps: analysisSteps }),
    );
    await phase(a, 'Healthy');
    await a.setImage('registry.example/web:2.0');
    const status = await phase(a, 'Degraded');
    expect(status.message).toMatch(/^Stalled: AnalysisTemplate not-there-yet does not exist/);
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ActionFailed', status: 'True' }),
        expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'ActionFailed' }),
      ]),
    );
    const verdict = await kstatusOf(tools, await live(a));
    expect(verdict).toMatchObject({ status: 'Failed' });
    expect(verdict.message).toMatch(/not-there-yet does not exist/);
    expect(await argocd.health(file.namespace, name)).toMatchObject({ status: 'Degraded' });
    const shown = await kultaGet(name);
    expect(shown).toMatch(/Degraded/);
    expect(shown).toMatch(/Stalled: AnalysisTemplate not-there-yet does not exist/);
  });

  it('clears once the template exists, and the canary goes on', async () => {
    await kube.custom.createNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysistemplates',
      namespace: file.namespace,
      body: {
        apiVersion: 'kulta.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'not-there-yet' },
        spec: {
          metrics: [
            {
              name: 'always',
              count: 1,
              successCondition: 'result == 1',
              provider: { prometheus: { address: 'http://127.0.0.1:9', query: 'vector(1)' } },
            },
          ],
        },
      },
    });
    const status = await eventually(
      'the ActionFailed condition cleared',
      () => app(name).status(),
      (s) => !(s.conditions ?? []).some((c) => c.type === 'ActionFailed'),
    );
    // The run could be created now (KULTA measures it next); the message no longer says Stalled.
    expect(status.message ?? '').not.toMatch(/^Stalled/);
    const runs = (await kube.custom.listNamespacedCustomObject({
      group: 'kulta.io',
      version: 'v1alpha1',
      plural: 'analysisruns',
      namespace: file.namespace,
    })) as { items: unknown[] };
    expect(runs.items.length).toBeGreaterThan(0);
  });
});

/** Waits until the Rollout has not changed for 3 s: no step of KULTA is writing it any more. */
async function settled(app: CanaryApp): Promise<void> {
  let last = '';
  let since = Date.now();
  await eventually(
    'no more writes to the Rollout',
    async () => {
      const { metadata } = (await app.rollout()) as unknown as {
        metadata: { resourceVersion: string };
      };
      if (metadata.resourceVersion !== last) {
        last = metadata.resourceVersion;
        since = Date.now();
      }
      return Date.now() - since;
    },
    (quietMs) => quietMs >= 3000,
  );
}

describe('a spec KULTA has not seen yet', () => {
  it('is InProgress for kstatus and Progressing for Argo CD until observedGeneration catches up', async () => {
    const a = await healthyApp('unseen');
    // Stop KULTA: the next spec change stays unobserved, as it would while KULTA is down. A step
    // already under way may still see one change; then the next change is the unobserved one.
    file.runner.stop();
    // Let a step that was under way finish its writes (the Rollout stays the same for 3 s).
    await settled(a);
    let version = 3;
    const object = await eventually(
      'a spec change KULTA has not observed',
      async () => {
        await a.setImage(`registry.example/web:${String(version++)}.0`);
        return a.rollout();
      },
      (o) => Number(o.status?.observedGeneration) < o.metadata.generation,
    );
    const verdict = await kstatusOf(tools, object);
    expect(verdict.status).toBe('InProgress');
    expect(verdict.message).toBe(
      `Rollout generation is ${String(object.metadata.generation)}, but latest observed generation is ${String(object.status?.observedGeneration)}`,
    );
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({
      status: 'Progressing',
      message: `Waiting for KULTA to observe generation ${String(object.metadata.generation)}`,
    });
  });

  it('would be unreadable to kstatus with the string observedGeneration Argo Rollouts writes', async () => {
    const a = app('unseen');
    await a.patchStatus({ observedGeneration: '1' });
    await expect(kstatusOf(tools, await live(a))).rejects.toThrow(
      /status\.observedGeneration accessor error: 1 is of the type string, expected int64/,
    );
    // Argo CD's health check reads either.
    expect(await argocd.health(file.namespace, a.name)).toMatchObject({ status: 'Progressing' });
  });
});

/** `kulta get rollout NAME` as a person runs it (plain text). */
function kultaGet(name: string): Promise<string> {
  const node = existsSync(repoNode) ? repoNode : process.execPath;
  const args = [join(root, 'functions', 'cli', 'main.ts'), 'get', 'rollout', name];
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...args, '-n', file.namespace], {
      cwd: root,
      env: { ...process.env, KUBECONFIG: inject('kubeconfig'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => {
      resolve(out);
    });
  });
}
