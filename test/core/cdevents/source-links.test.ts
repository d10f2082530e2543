// Source-link annotations: which keys, which object wins, what counts as absent.
import { describe, expect, it } from 'vitest';
import {
  SOURCE_LINK_ANNOTATIONS,
  extractSourceLinks,
  type SourceLinkAnnotations,
  type SourceLinks,
} from '../../../functions/core/cdevents/index.ts';

const SHA_A = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const SHA_B = '1b2e3f40aa55c6d7e8f90123456789abcdef0123';

describe('extractSourceLinks', () => {
  it('reads the documented keys', () => {
    expect(SOURCE_LINK_ANNOTATIONS).toEqual({
      gitCommit: 'kulta.io/git-commit',
      gitRepository: 'kulta.io/git-repository',
      pipelineRun: 'kulta.io/pipeline-run',
    });
  });

  it.each<[string, SourceLinkAnnotations, SourceLinks]>([
    ['no annotations at all', {}, {}],
    ['unrelated annotations only', { rollout: { 'app.kubernetes.io/name': 'x' } }, {}],
    [
      'all three on the pod template',
      {
        podTemplate: {
          'kulta.io/git-commit': SHA_A,
          'kulta.io/git-repository': 'https://github.com/acme/checkout',
          'kulta.io/pipeline-run': 'https://ci.acme.dev/runs/812',
        },
      },
      {
        gitCommit: SHA_A,
        gitRepository: 'https://github.com/acme/checkout',
        pipelineRun: 'https://ci.acme.dev/runs/812',
      },
    ],
    ['rollout metadata only', { rollout: { 'kulta.io/git-commit': SHA_A } }, { gitCommit: SHA_A }],
    [
      'pod template wins over rollout',
      { rollout: { 'kulta.io/git-commit': SHA_A }, podTemplate: { 'kulta.io/git-commit': SHA_B } },
      { gitCommit: SHA_B },
    ],
    [
      'keys merge across both',
      {
        rollout: { 'kulta.io/git-repository': 'https://github.com/acme/checkout' },
        podTemplate: { 'kulta.io/git-commit': SHA_B },
      },
      { gitCommit: SHA_B, gitRepository: 'https://github.com/acme/checkout' },
    ],
    [
      'blank pod-template value falls back to rollout',
      { rollout: { 'kulta.io/git-commit': SHA_A }, podTemplate: { 'kulta.io/git-commit': '  ' } },
      { gitCommit: SHA_A },
    ],
    [
      'values are trimmed',
      { podTemplate: { 'kulta.io/pipeline-run': ' run-7 \n' } },
      { pipelineRun: 'run-7' },
    ],
    ['wrong prefix is ignored', { podTemplate: { 'kulta.dev/git-commit': SHA_A } }, {}],
  ])('%s', (_name, annotations, expected) => {
    expect(extractSourceLinks(annotations)).toEqual(expected);
  });
});
