// The operator's patches: the same as `kubectl argo rollouts` sends, from the Rollout as read.
import { describe, expect, it } from 'vitest';
import {
  actionPatches,
  PatchError,
  promotePatches,
  setImagePatch,
} from '../../functions/cli/patches.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

const paused: RolloutStatus = {
  currentStepIndex: 1,
  stableRS: 'aaa',
  currentPodHash: 'bbb',
  pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-11-22T10:00:00Z' }],
};

describe('promotePatches', () => {
  it.each<[string, JsonObject, boolean, unknown]>([
    [
      'a paused step: clears the pause conditions',
      aRollout().status(paused).build(),
      false,
      { status: { pauseConditions: null }, done: 'promoted (pause cleared)' },
    ],
    [
      'spec.paused too: unpauses as well',
      aRollout().spec({ paused: true }).status(paused).build(),
      false,
      {
        spec: { paused: false },
        status: { pauseConditions: null },
        done: 'promoted (pause cleared)',
      },
    ],
    [
      'a running step: skips it',
      aRollout()
        .status({ ...paused, pauseConditions: [], currentStepIndex: 2 })
        .build(),
      false,
      {
        status: { pauseConditions: null, currentStepIndex: 3 },
        done: 'promoted: step 2 skipped, on to step 3',
      },
    ],
    [
      'only spec.paused after the last step: unpauses',
      aRollout().spec({ paused: true }).status({ currentStepIndex: 4 }).build(),
      false,
      { spec: { paused: false }, done: 'promoted (unpaused)' },
    ],
    [
      'nothing left: says so',
      aRollout().status({ currentStepIndex: 4, stableRS: 'a', currentPodHash: 'a' }).build(),
      false,
      { nothing: 'it is not paused and has no step left to skip' },
    ],
    [
      '--full: promoteFull',
      aRollout().status(paused).build(),
      true,
      { status: { promoteFull: true }, done: 'promoted fully (status.promoteFull)' },
    ],
    [
      '--full on a promoted revision: nothing',
      aRollout().status({ stableRS: 'a', currentPodHash: 'a' }).build(),
      true,
      { nothing: 'revision a is already fully promoted' },
    ],
  ])('%s', (_name, rollout, full, expected) => {
    expect(promotePatches(rollout, full)).toEqual(expected);
  });
});

describe('actionPatches', () => {
  const now = new Date('2026-11-22T10:00:00.750Z');
  it.each([
    ['abort', { status: { abort: true } }],
    ['retry', { status: { abort: false } }],
    ['pause', { spec: { paused: true } }],
    ['resume', { spec: { paused: false } }],
    ['restart', { spec: { restartAt: '2026-11-22T10:00:00Z' } }],
  ] as const)('%s', (action, expected) => {
    expect(actionPatches(action, now)).toMatchObject(expected);
  });
});

describe('setImagePatch', () => {
  const rollout = (): JsonObject => {
    const r = aRollout().build();
    const template = (r.spec as JsonObject).template as { spec: JsonObject };
    template.spec = {
      initContainers: [{ name: 'migrate', image: 'r/migrate:1' }],
      containers: [
        { name: 'web', image: 'r/web:1', ports: [{ containerPort: 80 }] },
        { name: 'proxy', image: 'r/proxy:1' },
      ],
    };
    return r;
  };

  it('replaces the changed list whole, keeps everything else, and fences by resourceVersion', () => {
    expect(setImagePatch(rollout(), [{ container: 'web', image: 'r/web:2' }])).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'r/web:2', ports: [{ containerPort: 80 }] },
              { name: 'proxy', image: 'r/proxy:1' },
            ],
          },
        },
      },
      resourceVersion: '100',
      done: 'image set: web=r/web:2',
    });
  });

  it('sets every container, init containers included, for *', () => {
    const patch = setImagePatch(rollout(), [{ container: '*', image: 'r/all:9' }]);
    expect(patch).toMatchObject({
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'migrate', image: 'r/all:9' }],
            containers: [{ image: 'r/all:9' }, { image: 'r/all:9' }],
          },
        },
      },
    });
  });

  it('says when nothing changes', () => {
    expect(setImagePatch(rollout(), [{ container: 'web', image: 'r/web:1' }])).toEqual({
      nothing: 'every named container already runs that image',
    });
  });

  it('names the containers there are when one is missing', () => {
    expect(() => setImagePatch(rollout(), [{ container: 'sidecar', image: 'x' }])).toThrow(
      new PatchError(
        'has no container named "sidecar"; its containers are: migrate, web, proxy (or use *=IMAGE for all)',
      ),
    );
  });
});
