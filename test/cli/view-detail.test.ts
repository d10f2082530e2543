// The read model's pure half: a Rollout and what it owns, as the API returns them, into the
// RolloutDetail the CLI, the dashboard and the demo show.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { buildRolloutDetail } from '../../functions/view/build-detail.ts';
import { summarizeRollout } from '../../functions/view/summary.ts';
import { stepLabel } from '../../functions/view/steps.ts';
import { input, now, pausedStatus } from './fixtures/detail-input.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

describe('buildRolloutDetail', () => {
  const detail = buildRolloutDetail(input(pausedStatus), now);

  it('marks the current step, keeps done steps times, and ignores stale records of pending ones', () => {
    expect(detail.currentStep).toEqual({ index: 1, count: 4 });
    expect(detail.steps.map((s) => [s.label, s.state, s.durationSeconds])).toEqual([
      ['setWeight 20%', 'done', 30],
      ['pause 30s', 'current', undefined],
      ['analysis error-rate', 'pending', undefined],
      ['pause (until promoted)', 'pending', undefined],
    ]);
    expect(detail.steps[3]?.startedAt).toBeUndefined();
  });

  it('lists owned revisions newest first with their role and pods', () => {
    expect(detail.revisions.map((r) => [r.revision, r.role, r.desired, r.images])).toEqual([
      [2, 'canary', 1, ['web:2']],
      [1, 'stable', 4, ['web:1']],
    ]);
    expect(detail.revisions[0]?.pods).toEqual([
      {
        name: 'web-bbb-1',
        phase: 'Running',
        ready: false,
        createdAt: '2026-11-22T09:59:00.000Z',
        restarts: 1,
        deleting: false,
      },
    ]);
    expect(detail.revisions[0]?.createdAt).toBe('2026-11-22T02:00:00.000Z');
  });

  it('reads the weights from the route the rollout names, and from status', () => {
    expect(detail.weights.status).toEqual({ stable: 80, canary: 20 });
    expect(detail.weights.routes).toEqual([
      expect.objectContaining({
        namespace: 'shop',
        name: 'web-route',
        found: true,
        stable: 100,
        canary: 0,
        consistent: true,
      }),
    ]);
  });

  it('counts the pause down from readAt, in whole seconds', () => {
    expect(detail.pause).toEqual({
      reasons: ['CanaryPauseStep'],
      manual: false,
      since: '2026-11-22T09:59:30Z',
      endsAt: '2026-11-22T10:00:12.400Z',
      remainingSeconds: 13,
    });
  });

  it('shows the step verdict with the newest measured value, from owned runs only', () => {
    expect(detail.analysis.runs.map((r) => r.name)).toEqual(['web-bbb-2']);
    expect(detail.analysis.verdicts).toEqual([
      {
        source: 'step',
        run: 'web-bbb-2',
        phase: 'Successful',
        message: undefined,
        metric: 'error-ratio',
        value: '[0.004]',
        query: 'q2',
        measuredAt: '2026-11-22T09:59:51Z',
      },
    ]);
    expect(detail.analysis.runs[0]?.metrics[0]).toMatchObject({
      name: 'error-ratio',
      successful: 2,
      failed: 0,
    });
  });

  it('is plain JSON: no Date, no class instance survives a round trip', () => {
    expect(JSON.parse(JSON.stringify(detail))).toEqual(JSON.parse(JSON.stringify(detail)));
    expect(detail.status.outbox).toBeUndefined();
    expect(detail.outboxPending).toBe(0);
    expect(detail.observed).toBe(true);
  });

  it.each([
    [
      'a missing route',
      { routes: [{ namespace: 'shop', name: 'web-route', object: undefined }] },
      { found: false, stable: undefined },
    ],
    [
      'an unreadable route',
      { routes: [{ namespace: 'shop', name: 'web-route', object: undefined, error: 'forbidden' }] },
      { found: false, error: 'forbidden' },
    ],
  ])('reports %s without failing', (_name, extra, expected) => {
    const d = buildRolloutDetail(input(pausedStatus, extra), now);
    expect(d.weights.routes[0]).toMatchObject(expected);
  });

  it('shows a Rollout the controller has not seen yet as Pending, with no current step', () => {
    const d = buildRolloutDetail(input({}, { replicaSets: [], pods: [] }), now);
    expect([d.phase, d.observed, d.currentStep, d.pause, d.revisions]).toEqual([
      'Pending',
      false,
      undefined,
      undefined,
      [],
    ]);
  });

  it('names a manual pause (spec.paused) without a countdown', () => {
    const rollout = aRollout().spec({ paused: true }).status({ phase: 'Paused' }).build();
    const d = buildRolloutDetail({ ...input({}), rollout }, now);
    expect(d.pause).toEqual({
      reasons: [],
      manual: true,
      since: undefined,
      endsAt: undefined,
      remainingSeconds: undefined,
    });
  });
});

describe('stepLabel', () => {
  it.each([
    [{ setWeight: 20 }, 'setWeight 20%'],
    [{ pause: {} }, 'pause (until promoted)'],
    [{ pause: { duration: 30 } }, 'pause 30s'],
    [{ pause: { duration: '5m' } }, 'pause 5m'],
    [{ setCanaryScale: { replicas: 3 } }, 'setCanaryScale 3 replicas'],
    [{ setCanaryScale: { weight: 10 } }, 'setCanaryScale 10%'],
    [{ setCanaryScale: { matchTrafficWeight: true } }, 'setCanaryScale matchTrafficWeight'],
    [{ analysis: { templates: [{ templateName: 'a' }, { templateName: 'b' }] } }, 'analysis a, b'],
    [{ setHeaderRoute: { name: 'testers', match: [] } }, 'setHeaderRoute testers'],
    [{}, '(empty step)'],
  ] as [JsonObject, string][])('%j → %s', (step, label) => {
    expect(stepLabel(step)).toBe(label);
  });
});

describe('summarizeRollout', () => {
  it('gives name, strategy, phase, step i/n, weight, images and age', () => {
    const rollout = aRollout().generation(2).status(pausedStatus).build();
    (rollout.metadata as JsonObject).creationTimestamp = '2026-11-22T09:00:00Z';
    expect(summarizeRollout(rollout, now)).toEqual({
      name: 'web',
      namespace: 'shop',
      strategy: 'canary',
      phase: 'Paused',
      message: undefined,
      observed: true,
      step: { index: 1, count: 4 },
      weight: 20,
      images: ['registry.example/web:1.0'],
      createdAt: '2026-11-22T09:00:00Z',
      ageSeconds: 3600,
    });
  });

  it('says when the controller has not observed the newest generation', () => {
    const rollout = aRollout().generation(3).status(pausedStatus).build();
    expect(summarizeRollout(rollout, now).observed).toBe(false);
  });
});
