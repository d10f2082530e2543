// What people read: `get rollout` (golden files, without and with colour), `list rollouts`, and
// the status lines CI sees.
import { describe, expect, it } from 'vitest';
import { paintFor } from '../../functions/cli/paint.ts';
import { renderRolloutList } from '../../functions/cli/render-list.ts';
import { renderRolloutTree } from '../../functions/cli/render-tree.ts';
import { ExitCode, statusVerdict } from '../../functions/cli/status.ts';
import { age } from '../../functions/cli/format.ts';
import type { RolloutStatus } from '../../functions/core/rollout/types.ts';
import { buildRolloutDetail } from '../../functions/view/build-detail.ts';
import { summarizeRollout } from '../../functions/view/summary.ts';
import type { RolloutSummary } from '../../functions/view/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { input, now, pausedStatus } from './fixtures/detail-input.ts';

const plain = paintFor(false);

const aborted: RolloutStatus = {
  ...pausedStatus,
  phase: 'Degraded',
  message: 'rollout aborted at step 1; traffic goes back to stable aaa',
  abort: true,
  pauseConditions: [],
  canary: {
    weights: {
      stable: { podTemplateHash: 'aaa', serviceName: 'web-stable', weight: 100 },
      canary: { podTemplateHash: 'bbb', serviceName: 'web-canary', weight: 0 },
    },
    currentStepAnalysisRunStatus: {
      name: 'web-bbb-2',
      status: 'Failed',
      message: 'error-ratio failed 2 times (limit 1)',
    },
  },
  conditions: [
    {
      type: 'Progressing',
      status: 'False',
      reason: 'RolloutAborted',
      message: 'aborted by an operator',
      lastTransitionTime: '2026-11-22T09:59:50Z',
      lastUpdateTime: '2026-11-22T09:59:50Z',
    },
  ],
};

describe('renderRolloutTree', () => {
  it('draws a paused canary: step marked, weights per route, countdown, verdict with value', async () => {
    const text = renderRolloutTree(buildRolloutDetail(input(pausedStatus), now), plain).join('\n');
    await expect(`${text}\n`).toMatchFileSnapshot('./__snapshots__/get-rollout-paused.txt');
  });

  it('draws an aborted canary with the failed verdict and the conditions', async () => {
    const text = renderRolloutTree(buildRolloutDetail(input(aborted), now), plain).join('\n');
    await expect(`${text}\n`).toMatchFileSnapshot('./__snapshots__/get-rollout-aborted.txt');
  });

  it('colours only when asked, and the colours do not change the layout', () => {
    const d = buildRolloutDetail(input(pausedStatus), now);
    const coloured = renderRolloutTree(d, paintFor(true));
    expect(coloured.join('\n')).toContain('\x1b[33m॥ Paused\x1b[39m');
    const stripped = coloured.map((l) =>
      l.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''),
    );
    expect(stripped).toEqual(renderRolloutTree(d, plain));
    expect(renderRolloutTree(d, plain).join('\n')).not.toContain('\x1b[');
  });

  it('says when the controller has not yet observed the spec', () => {
    const rollout = aRollout().generation(3).status(pausedStatus).build();
    const text = renderRolloutTree(
      buildRolloutDetail({ ...input(pausedStatus), rollout }, now),
      plain,
    );
    expect(text.join('\n')).toContain('॥ Paused (generation 3 not yet observed by the controller)');
  });
});

describe('renderRolloutTree for blue-green', () => {
  it('names the route backends active and preview', () => {
    const rollout = aRollout().blueGreen().status(pausedStatus).build();
    const text = renderRolloutTree(
      buildRolloutDetail({ ...input(pausedStatus), rollout }, now),
      plain,
    ).join('\n');
    expect(text).toContain('Strategy:    blueGreen');
    expect(text).toMatch(/route shop\/web-route +active \d+ \/ preview \d+/);
  });
});

describe('renderRolloutList', () => {
  it('lines up one rollout per line, with a footnote for unobserved specs', async () => {
    const summaries: RolloutSummary[] = [
      summarizeRollout(aRollout().generation(2).status(pausedStatus).build(), now),
      summarizeRollout(
        aRollout()
          .named('api')
          .generation(5)
          .status({ phase: 'Healthy', observedGeneration: 4 })
          .build(),
        now,
      ),
    ];
    await expect(`${renderRolloutList(summaries, plain, true).join('\n')}\n`).toMatchFileSnapshot(
      './__snapshots__/list-rollouts.txt',
    );
  });
});

describe('statusVerdict (Argo semantics)', () => {
  const summary = (status: RolloutStatus, generation = 2): RolloutSummary =>
    summarizeRollout(
      aRollout()
        .generation(generation)
        .status({ observedGeneration: 2, ...status })
        .build(),
      now,
    );

  it.each<[string, RolloutSummary, boolean, ExitCode, string]>([
    ['Healthy is done, exit 0', summary({ phase: 'Healthy' }), true, ExitCode.Ok, 'Healthy'],
    [
      'Degraded is done, exit 1',
      summary({ phase: 'Degraded', message: 'aborted' }),
      true,
      ExitCode.Failed,
      'Degraded - aborted',
    ],
    [
      'Paused keeps waiting',
      summary({ phase: 'Paused', message: 'paused at step 1' }),
      false,
      ExitCode.Ok,
      'Paused - paused at step 1',
    ],
    [
      'Progressing keeps waiting',
      summary({ phase: 'Progressing' }),
      false,
      ExitCode.Ok,
      'Progressing',
    ],
    [
      'a Healthy from the previous spec keeps waiting',
      summary({ phase: 'Healthy' }, 3),
      false,
      ExitCode.Ok,
      'Progressing - waiting for the controller to observe the newest spec',
    ],
    [
      'no status yet keeps waiting',
      summary({ observedGeneration: undefined }),
      false,
      ExitCode.Ok,
      'Progressing - waiting for the controller to observe the newest spec',
    ],
  ])('%s', (...[, s, done, code, line]) => {
    expect(statusVerdict(s)).toEqual({ done, code, line });
  });
});

describe('age', () => {
  it.each([
    [0, '0s'],
    [119, '119s'],
    [200, '3m20s'],
    [600, '10m'],
    [3 * 3600 + 600, '3h10m'],
    [20 * 3600, '20h'],
    [72 * 3600, '3d'],
  ])('%ds → %s', (seconds, text) => {
    expect(age(seconds)).toBe(text);
  });
});
