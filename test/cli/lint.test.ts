// `kulta lint` offline: the CRDs' schema and CEL rules read from crds/, plus the controller's own
// checks; each problem once, by field, with words that say the fix.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCrdDirectory, loadCrds, type CrdCatalog } from '../../functions/cli/lint/crds.ts';
import { readDocuments } from '../../functions/cli/lint/documents.ts';
import { lintDocument, renderLintReports } from '../../functions/cli/lint/lint-files.ts';
import { lintObject, splitFieldMessage } from '../../functions/cli/lint/lint.ts';
import { paintFor } from '../../functions/cli/paint.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

let catalog: CrdCatalog;

beforeAll(async () => {
  catalog = await loadCrds(findCrdDirectory({}));
});

/** A valid Rollout (as a user writes it: no status, no uid) changed by `edit`. */
function rollout(
  edit: (r: { spec: JsonObject & { strategy: { canary: JsonObject } } }) => void,
): JsonObject {
  const r = aRollout().build();
  delete r.status;
  r.metadata = { name: 'web', namespace: 'shop' };
  edit(r as unknown as { spec: JsonObject & { strategy: { canary: JsonObject } } });
  return r;
}

describe('lintObject', () => {
  it('finds every KULTA kind in crds/', () => {
    expect([...catalog.keys()].sort()).toEqual([
      'kulta.io/v1alpha1 AnalysisRun',
      'kulta.io/v1alpha1 AnalysisTemplate',
      'kulta.io/v1alpha1 ClusterAnalysisTemplate',
      'kulta.io/v1alpha1 Rollout',
    ]);
  });

  it.each([
    'test/fixtures/argo-canary-gatewayapi.yaml',
    'test/fixtures/argo-analysistemplate.yaml',
  ])('passes %s, with every CRD rule evaluated', async (file) => {
    const [doc] = readDocuments(file, await readFile(file, 'utf8'));
    const result = lintObject(doc?.value, catalog);
    expect(result).toEqual({ problems: [], warnings: [], unchecked: [] });
  });

  it.each<
    [
      string,
      (r: { spec: JsonObject & { strategy: { canary: JsonObject } } }) => void,
      string,
      RegExp,
    ]
  >([
    [
      'a weight of 150 (schema rule)',
      (r) => (r.spec.strategy.canary.steps = [{ setWeight: 150 }]),
      'spec.strategy.canary.steps[0].setWeight',
      /between 0 and 100/,
    ],
    [
      'two actions in one step (CEL)',
      (r) => (r.spec.strategy.canary.steps = [{ setWeight: 20, pause: {} }]),
      'spec.strategy.canary.steps[0]',
      /exactly one of/,
    ],
    [
      '"5 minutes" (the CRD rule\'s messageExpression, evaluated)',
      (r) => (r.spec.strategy.canary.steps = [{ pause: { duration: '5 minutes' } }]),
      'spec.strategy.canary.steps[0].pause.duration',
      /^pause duration must be a whole number of seconds \(30\) or .*; got "5 minutes"$/,
    ],
    ['negative replicas', (r) => (r.spec.replicas = -1), 'spec.replicas', /cannot be negative/],
    [
      'a misspelt field',
      (r) => (r.spec.strategy.canary.stableServise = 'x'),
      'spec.strategy.canary.stableServise',
      /unknown field: remove it or fix its spelling \(known here: stableService, canaryService/,
    ],
    [
      'a string where a number belongs',
      (r) => (r.spec.replicas = 'three'),
      'spec.replicas',
      /must be integer, not string/,
    ],
    [
      'an unsupported step',
      (r) => (r.spec.strategy.canary.steps = [{ experiment: { templates: [] } }]),
      'spec.strategy.canary.steps[0].experiment',
      /experiment step is not supported/,
    ],
    [
      'an unsupported router',
      (r) => (r.spec.strategy.canary.trafficRouting = { istio: {} }),
      'spec.strategy.canary.trafficRouting.istio',
      /not supported/,
    ],
    [
      'the same stable and canary Service',
      (r) => (r.spec.strategy.canary.canaryService = 'web-stable'),
      'spec.strategy.canary',
      /must be two different Services \(both are "web-stable"\)/,
    ],
    [
      'a selector the template does not match',
      (r) => (r.spec.selector = { matchLabels: { app: 'other' } }),
      'spec.selector.matchLabels',
      /must also be labels of template.metadata.labels/,
    ],
    [
      'a header regex RE2 refuses (CEL matches() reads RE2, not JavaScript regexes)',
      (r) =>
        (r.spec.strategy.canary.steps = [
          {
            setHeaderRoute: {
              name: 'beta',
              match: [{ headerName: 'Cookie', headerValue: { regex: '(?=.*beta)' } }],
            },
          },
        ]),
      'spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue.regex',
      /must be a valid RE2 regular expression/,
    ],
    [
      'no strategy',
      (r) => (r.spec.strategy = {} as never),
      'spec.strategy',
      /exactly one of canary/,
    ],
  ])('refuses %s at its field', (_name, edit, path, message) => {
    const { problems } = lintObject(rollout(edit), catalog);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) as string });
    // Each problem once: the schema's words and the controller's are not both shown.
    expect(problems.filter((p) => p.path === path)).toHaveLength(1);
  });

  it('says an Argo apiVersion must change, and still checks the rest', () => {
    const r = rollout((x) => (x.spec.replicas = -1));
    r.apiVersion = 'argoproj.io/v1alpha1';
    expect(lintObject(r, catalog).problems.map((p) => p.path)).toEqual([
      'apiVersion',
      'spec.replicas',
    ]);
  });

  it('skips kinds that are not KULTA’s, and refuses what is not an object', () => {
    expect(
      lintObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }, catalog),
    ).toEqual({
      problems: [],
      warnings: [],
      unchecked: [],
      skipped: 'v1 Service is not a KULTA kind',
    });
    expect(lintObject('just text', catalog).problems).toEqual([
      { path: '(document)', message: 'is not a Kubernetes object: it needs apiVersion and kind' },
    ]);
  });

  it.each(['AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate'])(
    'parses the conditions of an %s as the controller will',
    (kind) => {
      const object = {
        apiVersion: 'kulta.io/v1alpha1',
        kind,
        metadata: { name: 'r' },
        spec: {
          metrics: [
            {
              name: 'm',
              successCondition: 'result[0] <',
              provider: { prometheus: { query: 'up' } },
            },
          ],
        },
      };
      expect(lintObject(object, catalog).problems).toEqual([
        {
          path: 'spec.metrics[0].successCondition',
          message: 'expected a value at column 12, found the end of the expression',
        },
      ]);
    },
  );

  it('checks an AnalysisRun with the controller’s parse (arguments without values)', () => {
    const run = {
      apiVersion: 'kulta.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'r' },
      spec: {
        metrics: [
          {
            name: 'm',
            count: '{{args.n}}',
            interval: '1m',
            successCondition: 'result[0] < 1',
            provider: { prometheus: { query: 'up' } },
          },
        ],
      },
    };
    expect(lintObject(run, catalog).problems).toEqual([
      expect.objectContaining({
        path: 'spec.metrics[0].count',
        message: expect.stringContaining('{{args.n}}') as string,
      }),
    ]);
  });
});

describe('an AnalysisRun named by generateName, as Argo creates them', () => {
  const webRun = (metadata: JsonObject): JsonObject => ({
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata,
    spec: {
      metrics: [
        {
          name: 'smoke',
          successCondition: 'result.ok == true',
          provider: { web: { url: 'http://svc/health', jsonPath: '{$.data}' } },
        },
      ],
    },
  });

  it('is fine with generateName and a web metric', () => {
    expect(lintObject(webRun({ generateName: 'smoke-' }), catalog).problems).toEqual([]);
  });

  it('needs a name or a generateName', () => {
    expect(lintObject(webRun({}), catalog).problems).toEqual([
      { path: 'metadata.name', message: 'is required (or metadata.generateName)' },
    ]);
  });
});

describe('lint reports', () => {
  it('reports the bad fixture by document and field', async () => {
    const file = 'test/cli/fixtures/bad-rollout.yaml';
    const reports = readDocuments(file, await readFile(file, 'utf8')).map((d) =>
      lintDocument(d, catalog),
    );
    // Paths, not wording: the CRD's messages are the schema's to change.
    expect(reports.map((r) => [r.object, r.skipped, r.problems.map((p) => p.path)])).toEqual([
      [
        'Rollout shop/web',
        undefined,
        [
          'spec.replicas',
          'spec.strategy.canary.trafficRouting.nginx',
          'spec.strategy.canary.steps[0].setWeight',
          'spec.strategy.canary.steps[1]',
          'spec.strategy.canary.steps[2].pause.duration',
          'spec.strategy.canary.maxSurgee',
          'spec.selector.matchLabels',
        ],
      ],
      ['Service web-stable', 'v1 Service is not a KULTA kind', []],
    ]);
    const text = renderLintReports(reports, paintFor(false));
    expect(text[0]).toBe(`${file}: Rollout shop/web: 7 problems`);
    expect(text[1]).toBe('  ✖ spec.replicas: replicas cannot be negative');
    expect(text.at(-1)).toBe('1 checked, 1 with problems (7 problems), 1 skipped');
  });

  it('reports YAML syntax errors with their line', () => {
    const [doc] = readDocuments('x.yaml', 'apiVersion: v1\nkind: [unclosed\n');
    expect(
      lintDocument(doc ?? { file: '', index: 0, value: null, errors: [] }, catalog).problems[0],
    ).toMatchObject({
      path: '(yaml)',
      message: expect.stringMatching(/^line \d+: /) as string,
    });
  });

  it.each([
    ['spec.replicas must be 0 or more', { path: 'spec.replicas', message: 'must be 0 or more' }],
    [
      'spec.strategy.canary: trafficRouting needs both',
      { path: 'spec.strategy.canary', message: 'trafficRouting needs both' },
    ],
    [
      'spec.selector.matchLabels.app=web does not match',
      { path: 'spec.selector.matchLabels.app', message: '=web does not match' },
    ],
  ])('splits "%s" into field and message', (text, expected) => {
    expect(splitFieldMessage(text)).toEqual(expected);
  });
});
