// The whole CLI without a cluster: runCli with in-memory streams, for the offline commands,
// help, and how failures become messages and exit codes.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli, type CliIo } from '../../functions/cli/cli.ts';
import { ExitCode } from '../../functions/cli/status.ts';

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: string[], stdin = ''): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { isTTY: false, write: (s: string) => ((stdout += s), true) },
    stderr: { isTTY: false, write: (s: string) => ((stderr += s), true) },
    readFile: async (path) => {
      if (path === '-') return stdin;
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${path}: no such file`, { cause: error });
      }
    },
    env: {},
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('runCli', () => {
  it('lints files: exit 0 when clean, 1 with problems', async () => {
    expect((await run(['lint', 'test/fixtures/argo-canary-gatewayapi.yaml'])).code).toBe(
      ExitCode.Ok,
    );
    const bad = await run(['lint', 'test/cli/fixtures/bad-rollout.yaml']);
    expect(bad.code).toBe(ExitCode.Failed);
    expect(bad.stdout).toContain(
      'test/cli/fixtures/bad-rollout.yaml: Rollout shop/web: 7 problems',
    );
  });

  it('lints standard input and reports as JSON', async () => {
    const text = await readFile('test/cli/fixtures/bad-rollout.yaml', 'utf8');
    const out = await run(['lint', '-', '-o', 'json'], text);
    const reports = JSON.parse(out.stdout) as { file: string; problems: unknown[] }[];
    expect(reports.map((r) => [r.file, r.problems.length])).toEqual([
      ['(stdin)', 7],
      ['(stdin)', 0],
    ]);
  });

  it('converts to multi-document YAML on stdout, the report on stderr, exit 1 when unsupported', async () => {
    const out = await run(['convert', 'test/cli/fixtures/argo-rollout-with-analysis.yaml']);
    expect(out.code).toBe(ExitCode.Failed);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJS() as { apiVersion: string });
    expect(docs.map((d) => d.apiVersion)).toEqual(['kulta.io/v1alpha1', 'kulta.io/v1alpha1', 'v1']);
    expect(out.stderr).toContain('✖ spec.strategy.canary.steps[1].experiment:');
  });

  it('converts to a JSON List', async () => {
    const out = await run([
      'convert',
      'test/cli/fixtures/argo-rollout-with-analysis.yaml',
      '-o',
      'json',
    ]);
    expect(JSON.parse(out.stdout)).toMatchObject({
      apiVersion: 'v1',
      kind: 'List',
      items: [{}, {}, {}],
    });
  });

  it.each<[string, string[], number, RegExp]>([
    [
      'a usage error, with where to look',
      ['promote'],
      ExitCode.Usage,
      /^error: kulta promote needs the ROLLOUT name\n\(see `kulta help promote`\)\n$/,
    ],
    [
      'a missing file',
      ['lint', 'nope.yaml'],
      ExitCode.Error,
      /^error: cannot read nope\.yaml: no such file\n$/,
    ],
    [
      'a missing kubeconfig',
      ['list', 'rollouts', '--kubeconfig', '/nonexistent/kubeconfig'],
      ExitCode.Usage,
      /cannot read the kubeconfig \/nonexistent\/kubeconfig/,
    ],
  ])('turns %s into a message and its exit code', async (_name, argv, code, message) => {
    const out = await run(argv);
    expect(out.code).toBe(code);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('prints help for a command, with the cluster options', async () => {
    const out = await run(['status', '--help']);
    expect(out.code).toBe(ExitCode.Ok);
    expect(out.stdout).toMatch(/^kulta status NAME/);
    expect(out.stdout).toContain('--kubeconfig PATH');
  });
});
