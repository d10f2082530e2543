// The command line: every command, its arguments and options, and the mistakes, each with a
// message that says the fix.
import { describe, expect, it } from 'vitest';
import { parseInvocation, UsageError, type Command } from '../../functions/cli/args.ts';

const command = (argv: string[]): Command => parseInvocation(argv).command;

describe('parseInvocation', () => {
  it.each<[string, string[], Command]>([
    [
      'get rollout',
      ['get', 'rollout', 'web'],
      { kind: 'get', name: 'web', watch: false, output: undefined },
    ],
    [
      'get ro -w -o yaml',
      ['get', 'ro', 'web', '-w', '-o', 'yaml'],
      { kind: 'get', name: 'web', watch: true, output: 'yaml' },
    ],
    [
      'get rollouts (a list)',
      ['get', 'rollouts'],
      { kind: 'list', allNamespaces: false, output: undefined },
    ],
    [
      'list rollouts -A -o json',
      ['list', 'rollouts', '-A', '-o', 'json'],
      { kind: 'list', allNamespaces: true, output: 'json' },
    ],
    [
      'status (watches by default)',
      ['status', 'web'],
      { kind: 'status', name: 'web', watch: true, timeoutMs: undefined },
    ],
    [
      'status --timeout 5m',
      ['status', 'web', '--timeout', '5m'],
      { kind: 'status', name: 'web', watch: true, timeoutMs: 300_000 },
    ],
    [
      'status -t 0 waits for ever',
      ['status', 'web', '-t', '0'],
      { kind: 'status', name: 'web', watch: true, timeoutMs: undefined },
    ],
    [
      'status --watch=false (Go style)',
      ['status', 'web', '--watch=false'],
      { kind: 'status', name: 'web', watch: false, timeoutMs: undefined },
    ],
    [
      'status --no-watch',
      ['status', 'web', '--no-watch'],
      { kind: 'status', name: 'web', watch: false, timeoutMs: undefined },
    ],
    ['promote', ['promote', 'web'], { kind: 'promote', name: 'web', full: false }],
    ['promote --full', ['promote', 'web', '--full'], { kind: 'promote', name: 'web', full: true }],
    ['abort', ['abort', 'web'], { kind: 'abort', name: 'web' }],
    ['retry rollout NAME (Argo)', ['retry', 'rollout', 'web'], { kind: 'retry', name: 'web' }],
    ['pause', ['pause', 'web'], { kind: 'pause', name: 'web' }],
    ['resume', ['resume', 'web'], { kind: 'resume', name: 'web' }],
    ['restart', ['restart', 'web'], { kind: 'restart', name: 'web' }],
    [
      'set image (two)',
      ['set', 'image', 'web', 'web=r/web:2', 'side=r/side:1'],
      {
        kind: 'setImage',
        name: 'web',
        images: [
          { container: 'web', image: 'r/web:2' },
          { container: 'side', image: 'r/side:1' },
        ],
      },
    ],
    [
      'set image *=',
      ['set', 'image', 'web', '*=r/web@sha256:ab'],
      { kind: 'setImage', name: 'web', images: [{ container: '*', image: 'r/web@sha256:ab' }] },
    ],
    ['undo', ['undo', 'web'], { kind: 'undo', name: 'web', toRevision: undefined }],
    [
      'undo --to-revision 3',
      ['undo', 'web', '--to-revision', '3'],
      { kind: 'undo', name: 'web', toRevision: 3 },
    ],
    [
      'lint two files',
      ['lint', 'a.yaml', 'b.yaml'],
      { kind: 'lint', files: ['a.yaml', 'b.yaml'], output: undefined },
    ],
    [
      'convert -o json',
      ['convert', '-', '-o', 'json'],
      { kind: 'convert', files: ['-'], output: 'json' },
    ],
    [
      'convert defaults to yaml',
      ['convert', 'a.yaml'],
      { kind: 'convert', files: ['a.yaml'], output: 'yaml' },
    ],
    ['no command: help', [], { kind: 'help', topic: undefined }],
    ['COMMAND --help', ['status', '--help'], { kind: 'help', topic: 'status' }],
    ['help COMMAND', ['help', 'undo'], { kind: 'help', topic: 'undo' }],
    ['version', ['version'], { kind: 'version' }],
  ])('%s', (_name, argv, expected) => {
    expect(command(argv)).toEqual(expected);
  });

  it('reads the cluster options anywhere on the line', () => {
    expect(
      parseInvocation(['-n', 'shop', 'promote', 'web', '--context', 'prod', '--kubeconfig', '/k'])
        .cluster,
    ).toEqual({
      namespace: 'shop',
      context: 'prod',
      kubeconfig: '/k',
    });
    expect(parseInvocation(['list', '--no-color']).noColor).toBe(true);
  });

  it.each([
    ['an unknown command', ['deploy', 'web'], 'unknown command "deploy"; see `kulta help`'],
    [
      'an option of another command',
      ['promote', 'web', '--timeout', '5s'],
      'kulta promote does not take --timeout',
    ],
    [
      'cluster options offline',
      ['lint', 'a.yaml', '-n', 'shop'],
      'kulta lint does not take --namespace',
    ],
    ['an unknown option', ['get', 'rollout', 'web', '--foo'], "Unknown option '--foo'"],
    ['a missing name', ['promote'], 'kulta promote needs the ROLLOUT name'],
    ['two names', ['abort', 'a', 'b'], 'kulta abort takes one ROLLOUT name; unexpected: b'],
    [
      'a bad timeout',
      ['status', 'web', '--timeout', '5 minutes'],
      '--timeout 5 minutes: invalid duration',
    ],
    [
      'a bad output',
      ['get', 'rollout', 'web', '-o', 'wide'],
      '-o wide is not supported here; use -o json or -o yaml',
    ],
    ['yaml from lint', ['lint', 'a.yaml', '-o', 'yaml'], 'use -o json'],
    [
      'set without image',
      ['set', 'env', 'web'],
      'kulta set supports only `set image ROLLOUT CONTAINER=IMAGE`',
    ],
    ['set image without pairs', ['set', 'image', 'web'], 'needs CONTAINER=IMAGE'],
    ['a pair without =', ['set', 'image', 'web', 'r/web:2'], '"r/web:2" is not CONTAINER=IMAGE'],
    [
      'a bad revision',
      ['undo', 'web', '--to-revision', 'two'],
      '--to-revision two: use a revision number',
    ],
    ['lint without files', ['lint'], 'kulta lint needs a FILE'],
    [
      'get something else',
      ['get', 'pods'],
      'kulta get supports `get rollout NAME` and `get rollouts`',
    ],
  ])('refuses %s', (_name, argv, message) => {
    expect(() => parseInvocation(argv)).toThrow(UsageError);
    expect(() => parseInvocation(argv)).toThrow(message);
  });
});
