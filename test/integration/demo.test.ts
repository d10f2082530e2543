// `npm run demo` end to end: scripts/demo.ts as a child process (not a TTY) against the test
// bed, in a namespace of its own; its output must show full promotion and an abort.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The repo's Node 24 (the `node` devDependency), as `npm run demo` uses; else this process's.
const repoNode = join(root, 'node_modules', '.bin', 'node');
const nodeBinary = existsSync(repoNode) ? repoNode : process.execPath;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [join(root, 'scripts', 'demo.ts'), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '', KULTA_LOG_LEVEL: 'silent' },
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

describe('npm run demo', () => {
  it('walks a canary to full promotion, then aborts one back to stable', async () => {
    const namespace = `kulta-demo-${randomBytes(3).toString('hex')}`;
    const run = await runDemo(
      ['--kubeconfig', inject('kubeconfig'), '--namespace', namespace],
      100_000,
    );
    const output = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    expect(run.code, output).toBe(0);
    // Not a TTY: appended plain lines, no escape sequences.
    expect(run.stdout).not.toContain('\x1b[');
    // Every transition is shown from status.history, so none is missed between two polls.
    for (const weight of [20, 50, 80]) {
      expect(run.stdout).toContain(`» weight-set: canary weight ${String(weight)}%`);
    }
    expect(run.stdout).toMatch(/\| route stable 20 \/ canary 80 \|/);
    expect(run.stdout).toMatch(
      /canary reached 100%: revision \w+ fully promoted, route stable 100 \/ canary 0/,
    );
    expect(run.stdout).toMatch(/» aborted: rollout aborted/);
    expect(run.stdout).toMatch(/Degraded \| .*\| route stable 100 \/ canary 0 \|/);
    expect(run.stdout).toMatch(/phase Degraded: canary \w+ scaled to 0 pods, canary weight 0/);
    expect(run.stdout).toMatch(/Summary\n\s+first revision: create → Healthy/);
  }, 120_000);

  it.each([
    {
      demo: 'blue-green',
      shows: [
        /» paused: preview \w+ is ready; paused until promoted/,
        /switched: active Service → (\w+), preview Service → \1; route on the preview backend/,
        /route back on the active backend; \w+ scaled down/,
      ],
    },
    {
      demo: 'ab',
      shows: [/route rules now: kulta-testers-0; random traffic still 0%/, /header rule removed/],
    },
    // The demo samples the ReplicaSets, so it may miss the one surge pod: 4 or 5, never more.
    { demo: 'simple', shows: [/on all 4 pods; never more than [45] pods asked for/] },
  ])(
    'shows the $demo strategy',
    async ({ demo, shows }) => {
      const namespace = `kulta-demo-${randomBytes(3).toString('hex')}`;
      const run = await runDemo(
        [demo, '--kubeconfig', inject('kubeconfig'), '--namespace', namespace],
        100_000,
      );
      const output = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
      expect(run.code, output).toBe(0);
      for (const pattern of shows) expect(run.stdout, output).toMatch(pattern);
    },
    120_000,
  );

  it('refuses an unknown demo with the choices', async () => {
    const run = await runDemo(['canary-deluxe'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown demo "canary-deluxe": choose blue-green, ab, simple');
  });
});
