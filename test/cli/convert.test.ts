// `kulta convert`: Argo Rollouts manifests to kulta.io, only apiVersion changing (comments and
// layout kept), with everything KULTA does not support listed by field.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertText, renderConvertReport } from '../../functions/cli/convert.ts';
import { findCrdDirectory, loadCrds, type CrdCatalog } from '../../functions/cli/lint/crds.ts';
import { paintFor } from '../../functions/cli/paint.ts';

let catalog: CrdCatalog;

beforeAll(async () => {
  catalog = await loadCrds(findCrdDirectory({}));
});

describe('convertText', () => {
  it.each([
    'test/fixtures/argo-canary-gatewayapi.yaml',
    'test/fixtures/argo-analysistemplate.yaml',
  ])(
    'turns the Argo form of %s into exactly the KULTA file, with nothing unsupported',
    async (file) => {
      const kulta = await readFile(file, 'utf8');
      const argo = kulta.replace(
        'apiVersion: kulta.io/v1alpha1',
        'apiVersion: argoproj.io/v1alpha1',
      );
      expect(argo).not.toBe(kulta);
      const [doc, ...rest] = convertText(file, argo, catalog);
      expect(rest).toEqual([]);
      expect(doc?.yaml).toBe(kulta);
      expect(doc?.converted).toBe(true);
      expect(doc?.unsupported).toEqual([]);
    },
  );

  it('converts every Argo kind, leaves other kinds alone, and lists the unsupported by field', async () => {
    const file = 'test/cli/fixtures/argo-rollout-with-analysis.yaml';
    const docs = convertText(file, await readFile(file, 'utf8'), catalog);
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
    // Comments stay where they were.
    expect(docs[0]?.yaml).toContain("name: checkout # the shop's checkout service");
    const report = renderConvertReport(docs, paintFor(false));
    expect(report[0]).toBe(`${file}: Rollout shop/checkout: 2 unsupported`);
    expect(report.at(-1)).toBe(`${file}: Service shop/checkout-stable: unchanged`);
  });

  it('says an Argo kind without a KULTA equivalent is left as it is', () => {
    const [doc] = convertText(
      'x.yaml',
      'apiVersion: argoproj.io/v1alpha1\nkind: Experiment\nmetadata: { name: e }\n',
      catalog,
    );
    expect(doc?.converted).toBe(false);
    expect(doc?.unsupported).toEqual([
      {
        path: 'kind',
        message: 'argoproj.io/v1alpha1 Experiment has no KULTA equivalent (left unchanged)',
      },
    ]);
  });

  it('refuses a document that is not YAML, naming it', () => {
    expect(() => convertText('x.yaml', 'a: 1\n---\nkind: [', catalog)).toThrow(
      /x\.yaml: document 2 is not valid YAML/,
    );
  });
});
