// `kulta convert`: Argo Rollouts manifests to kulta.io with only apiVersion changing — the rest
// of the file byte for byte — everything KULTA does not support listed by field, the exit codes
// docs/cli.md gives, and nothing else on the terminal.
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type CliIo } from '../../functions/cli/cli.ts';
import { convertText, renderConvertReport } from '../../functions/cli/convert.ts';
import { findCrdDirectory, loadCrds, type CrdCatalog } from '../../functions/cli/lint/crds.ts';
import { paintFor } from '../../functions/cli/paint.ts';
import { ExitCode } from '../../functions/cli/status.ts';

let catalog: CrdCatalog;

beforeAll(async () => {
  catalog = await loadCrds(findCrdDirectory({}));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const toArgo = (text: string) =>
  text.replaceAll('apiVersion: kulta.io/v1alpha1', 'apiVersion: argoproj.io/v1alpha1');

describe('convertText', () => {
  it.each([
    'test/fixtures/argo-canary-gatewayapi.yaml',
    'test/fixtures/argo-analysistemplate.yaml',
  ])(
    'turns the Argo form of %s into exactly the KULTA file, with nothing unsupported',
    async (file) => {
      const kulta = await readFile(file, 'utf8');
      const argo = toArgo(kulta);
      expect(argo).not.toBe(kulta);
      const { documents, text } = convertText(file, argo, catalog);
      expect(text).toBe(kulta);
      expect(documents.map((d) => [d.converted, d.unsupported])).toEqual([[true, []]]);
    },
  );

  it("keeps Argo's own example byte for byte but the apiVersion (indentless lists, flow maps, comments)", async () => {
    const file = 'test/cli/fixtures/argo-example-rollout-canary.yaml';
    const argo = await readFile(file, 'utf8');
    const { text } = convertText(file, argo, catalog);
    expect(text).toBe(
      argo.replace('apiVersion: argoproj.io/v1alpha1', 'apiVersion: kulta.io/v1alpha1'),
    );
    expect(text).toContain('      - pause: {duration: 40s}\n');
  });

  it('keeps quoting, documents markers and a trailing comment', () => {
    const argo = `# leading\n---\napiVersion: "argoproj.io/v1alpha1" # Argo's\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    successCondition: result[0] < 1\n    provider: {prometheus: {query: up}}\n...\n`;
    expect(convertText('t.yaml', argo, catalog).text).toBe(
      argo.replace('"argoproj.io/v1alpha1"', '"kulta.io/v1alpha1"'),
    );
  });

  it('converts every Argo kind, leaves other kinds alone, and lists the unsupported by field', async () => {
    const file = 'test/cli/fixtures/argo-rollout-with-analysis.yaml';
    const { documents: docs, text } = convertText(file, await readFile(file, 'utf8'), catalog);
    expect(
      docs.map((d) => [d.object, (d.value as { apiVersion: string }).apiVersion, d.converted]),
    ).toEqual([
      ['Rollout shop/checkout', 'kulta.io/v1alpha1', true],
      ['AnalysisTemplate shop/checkout-errors', 'kulta.io/v1alpha1', true],
      ['Service shop/checkout-stable', 'v1', false],
    ]);
    expect(docs.map((d) => d.unsupported.map((p) => p.path))).toEqual([
      ['spec.strategy.canary.steps[1].experiment', 'spec.strategy.canary.steps[2].setMirrorRoute'],
      ['spec.metrics[1].provider.datadog'],
      [],
    ]);
    expect(text).toContain("name: checkout # the shop's checkout service");
    const report = renderConvertReport(docs, paintFor(false));
    expect(report[0]).toBe(`${file}: Rollout shop/checkout: 2 unsupported`);
    expect(report.at(-1)).toBe(`${file}: Service shop/checkout-stable: unchanged`);
  });

  it('reports an Argo kind without a KULTA equivalent once, and leaves it as it is', () => {
    const argo = 'apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nmetadata: { name: e }\n';
    const { documents, text } = convertText('x.yaml', argo, catalog);
    expect(text).toBe(argo);
    expect(documents[0]?.converted).toBe(false);
    expect(documents[0]?.unsupported).toEqual([
      {
        path: 'kind',
        message: expect.stringMatching(
          /^argoproj\.io\/v1alpha1 Experiment has no KULTA equivalent/,
        ) as string,
      },
    ]);
  });

  it('reports a document that is not YAML with its line, and converts the others', () => {
    const { documents, text } = convertText(
      'x.yaml',
      'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n---\nkind: [\n',
      catalog,
    );
    expect(documents[1]?.unsupported).toEqual([
      { path: '(yaml)', message: expect.stringMatching(/^line \d+: /) as string },
    ]);
    expect(text.startsWith('apiVersion: kulta.io/v1alpha1\n')).toBe(true);
  });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { isTTY: false, write: (s: string) => ((stdout += s), true) },
    stderr: { isTTY: false, write: (s: string) => ((stderr += s), true) },
    readFile: async (path) => {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${path}: no such file`, { cause: error });
      }
    },
    env: {},
    signal: new AbortController().signal,
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

describe('kulta convert, the command', () => {
  it.each<[string, string[], ExitCode]>([
    ['everything converted', ['convert', 'test/fixtures/argo-canary-gatewayapi.yaml'], ExitCode.Ok],
    [
      'something unsupported',
      ['convert', 'test/cli/fixtures/argo-rollout-with-analysis.yaml'],
      ExitCode.Failed,
    ],
    [
      'a document that is not YAML',
      ['convert', 'test/cli/fixtures/helm-template.yaml'],
      ExitCode.Failed,
    ],
    ['no file', ['convert'], ExitCode.Usage],
    ['a file that cannot be read', ['convert', 'nope.yaml'], ExitCode.Error],
  ])('exits as docs/cli.md says: %s', async (_name, argv, code) => {
    expect((await run(argv)).code).toBe(code);
  });

  it('prints no runtime warnings, even for an unrendered Helm template', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const out = await run(['convert', 'test/cli/fixtures/helm-template.yaml']);
    expect(warn).not.toHaveBeenCalled();
    expect(out.stderr).toContain('a map or list is used as a key');
  });

  it('joins several files into one stream, each file as it was', async () => {
    const a = 'test/cli/fixtures/argo-example-rollout-canary.yaml';
    const b = 'test/fixtures/argo-analysistemplate.yaml';
    const out = await run(['convert', a, b]);
    const first = (await readFile(a, 'utf8')).replace('argoproj.io/', 'kulta.io/');
    expect(out.stdout).toBe(`${first}---\n${await readFile(b, 'utf8')}`);
  });
});
