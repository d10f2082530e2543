// The `kulta` CLI as a person or a CI job runs it: `node functions/cli/main.ts …` as a child
// process with KUBECONFIG pointing at the test bed, against a real Rollout driven by the local
// runner. Each command is checked by what it does to the Rollout, its route and its pods.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../../functions/local/runner.ts';
import { createLogger } from '../../../functions/runtime/logger.ts';
import type { RolloutDetail, RolloutSummary } from '../../../functions/view/types.ts';
import { CanaryApp, rolloutManifest } from '../../support/canary-app.ts';
import { eventually, tempNamespace, testKube } from '../../support/kube.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const repoNode = join(root, 'node_modules', '.bin', 'node');
const nodeBinary = existsSync(repoNode) ? repoNode : process.execPath;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const kube = testKube();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let runner: LocalRunner;
const app = new CanaryApp(kube, '', 'web');

/** Runs the real CLI against the test bed (KUBECONFIG from the environment, as a user would). */
function kulta(args: readonly string[], timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [join(root, 'functions', 'cli', 'main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, KUBECONFIG: inject('kubeconfig'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** `kulta …` in the test namespace; fails the test with both streams when the exit code differs. */
async function kultaIn(args: readonly string[], expectedCode = 0): Promise<Run> {
  const run = await kulta([...args, '-n', ns.name]);
  expect(run.code, `kulta ${args.join(' ')}\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toBe(
    expectedCode,
  );
  return run;
}

async function detail(): Promise<RolloutDetail> {
  return JSON.parse(
    (await kultaIn(['get', 'rollout', 'web', '-o', 'json'])).stdout,
  ) as RolloutDetail;
}

beforeAll(async () => {
  ns = await tempNamespace(kube, 'cli');
  Object.assign(app, { namespace: ns.name });
  runner = startLocalRunner({
    kc: kube.kc,
    logger: createLogger({ level: process.env.KULTA_TEST_LOG_LEVEL ?? 'silent' }),
    tickSeconds: 0.5,
    resyncSeconds: 5,
  });
  await app.createBackends();
  await app.createRollout(
    rolloutManifest('web', {
      image: 'registry.example/web:1.0',
      replicas: 2,
      steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }],
    }),
  );
});

afterAll(async () => {
  runner.stop();
  await ns.remove();
});

// The machine is shared and small: each CLI run starts a Node process; waits get a wide budget.
const waitMs = 120_000;

describe('kulta on the test bed', { timeout: 300_000 }, () => {
  it('status waits for the first revision and exits 0 on Healthy', async () => {
    const run = await kultaIn(['status', 'web', '--timeout', '120s']);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^Healthy/);
  });

  it('set image starts a new revision that pauses at step 1; status times out while Paused', async () => {
    const before = await app.status();
    const set = await kultaIn(['set', 'image', 'web', 'web=registry.example/web:2.0']);
    expect(set.stdout).toContain(`Rollout ${ns.name}/web image set: web=registry.example/web:2.0`);
    await eventually(
      'paused at step 1',
      () => app.status(),
      (s) => s.phase === 'Paused',
      waitMs,
    );
    const timedOut = await kultaIn(['status', 'web', '--timeout', '2s'], 3);
    expect(timedOut.stdout).toMatch(/^Paused/m);
    expect(timedOut.stderr).toMatch(
      /timed out after 2s: Rollout .*\/web is neither Healthy nor Degraded/,
    );
    const d = await detail();
    expect(d.phase).toBe('Paused');
    expect(d.currentStep).toEqual({ index: 1, count: 4 });
    expect(d.steps[1]).toMatchObject({ label: 'pause (until promoted)', state: 'current' });
    expect(d.weights.routes).toEqual([
      expect.objectContaining({ name: 'web-route', found: true, stable: 75, canary: 25 }),
    ]);
    expect(d.revisions.map((r) => [r.revision, r.role, r.images])).toEqual([
      [2, 'canary', ['registry.example/web:2.0']],
      [1, 'stable', ['registry.example/web:1.0']],
    ]);
    expect(d.revisions[0]?.pods).toHaveLength(1);
    expect(d.revisions[1]?.podTemplateHash).toBe(before.stableRS);
    expect(d.pause?.reasons).toEqual(['CanaryPauseStep']);
  });

  it('get rollout shows the tree with the current step marked and the route weights', async () => {
    const run = await kultaIn(['get', 'rollout', 'web']);
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toMatch(/Status:\s+॥ Paused/);
    expect(run.stdout).toMatch(/Step:\s+2\/4 pause \(until promoted\)/);
    expect(run.stdout).toMatch(new RegExp(`route ${ns.name}/web-route\\s+stable 75 / canary 25`));
    expect(run.stdout).toMatch(/▶ 1\s+pause \(until promoted\)/);
    expect(run.stdout).toMatch(/# revision:2\n.*⧉ web-\w+\s+ReplicaSet\s+✔ 1\/1 ready.*canary/);
    expect(run.stdout).toMatch(/□ web-\w+-\w+\s+Pod\s+✔ Running/);
  });

  it('list rollouts -o json parses and shows the step and weight', async () => {
    const run = await kultaIn(['list', 'rollouts', '-o', 'json']);
    const list = JSON.parse(run.stdout) as RolloutSummary[];
    expect(list).toEqual([
      expect.objectContaining({
        name: 'web',
        phase: 'Paused',
        step: { index: 1, count: 4 },
        weight: 25,
      }),
    ]);
  });

  it('promote moves the paused canary on to full promotion; status exits 0', async () => {
    const before = await app.status();
    const run = await kultaIn(['promote', 'web']);
    expect(run.stdout).toContain('promoted (pause cleared)');
    await kultaIn(['status', 'web', '--timeout', '120s']);
    const after = await app.status();
    expect(after.stableRS).toBe(before.currentPodHash);
    await eventually(
      'route back to stable 100',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
      waitMs,
    );
  });

  it('abort sends traffic back to stable; status exits 1 on Degraded', async () => {
    await kultaIn(['set', 'image', 'web', 'web=registry.example/web:3.0']);
    await eventually(
      'paused with 25% on the canary',
      () => app.weights(),
      (w) => w[1] === 25,
      waitMs,
    );
    const run = await kultaIn(['abort', 'web']);
    expect(run.stdout).toContain('aborted');
    await eventually(
      'canary weight 0',
      () => app.weights(),
      (w) => w[0] === 100 && w[1] === 0,
      waitMs,
    );
    const status = await kultaIn(['status', 'web', '--timeout', '120s'], 1);
    expect(status.stdout).toMatch(/^Degraded/m);
  });

  it('retry starts the aborted canary again', async () => {
    await kultaIn(['retry', 'web']);
    const status = await eventually(
      'paused again at step 1',
      () => app.status(),
      (s) => s.phase === 'Paused' && s.abort !== true,
      waitMs,
    );
    expect(status.currentStepIndex).toBe(1);
  });

  it('undo goes back to the previous revision: the stable one, so the canary is rolled back', async () => {
    const before = await app.status();
    const run = await kultaIn(['undo', 'web']);
    expect(run.stdout).toMatch(/rolled back to revision \d+ \(\w+\)$/m);
    await kultaIn(['status', 'web', '--timeout', '120s']);
    const after = await app.status();
    expect(after.stableRS).toBe(before.stableRS);
    expect(after.currentPodHash).toBe(before.stableRS);
    const rollout = await app.rollout();
    const containers = (rollout.spec.template as { spec: { containers: { image: string }[] } }).spec
      .containers;
    expect(containers.map((c) => c.image)).toEqual(['registry.example/web:2.0']);
  });

  it('pause and resume set spec.paused; restart stamps spec.restartAt', async () => {
    await kultaIn(['pause', 'web']);
    expect((await app.rollout()).spec.paused).toBe(true);
    await kultaIn(['resume', 'web']);
    expect((await app.rollout()).spec.paused).toBe(false);
    const run = await kultaIn(['restart', 'web']);
    const restartAt = (await app.rollout()).spec.restartAt;
    expect(restartAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(run.stdout).toContain(`pods created before ${restartAt as string} are replaced`);
  });

  it('get -w draws the rollout again until Ctrl-C, then exits 0', async () => {
    const child = spawn(
      nodeBinary,
      [join(root, 'functions', 'cli', 'main.ts'), 'get', 'rollout', 'web', '-w', '-n', ns.name],
      { cwd: root, env: { ...process.env, KUBECONFIG: inject('kubeconfig'), NO_COLOR: '1' } },
    );
    let stdout = '';
    const drawn = new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        if (stdout.includes('History (last')) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await drawn;
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(stdout).toMatch(/^Name:\s+web$/m);
    expect(stdout).not.toContain('\x1b[');
  });

  it('names the object and the fix when something is wrong', async () => {
    const missing = await kultaIn(['get', 'rollout', 'nope'], 4);
    expect(missing.stderr).toContain(
      `Rollout ${ns.name}/nope not found: check the name with \`kulta list rollouts -n ${ns.name}\``,
    );
    const container = await kultaIn(['set', 'image', 'web', 'sidecar=x:1'], 1);
    expect(container.stderr).toContain(
      `Rollout ${ns.name}/web has no container named "sidecar"; its containers are: web`,
    );
    const usage = await kultaIn(['promote', 'web', '--timeout', '5s'], 2);
    expect(usage.stderr).toContain('kulta promote does not take --timeout');
  });
});
