// setCondition: lastTransitionTime moves only when the status flips, lastUpdateTime when
// anything changes, and an unchanged condition leaves the list equal (so nothing is written).
import { describe, expect, it } from 'vitest';
import {
  ConditionType,
  getCondition,
  removeCondition,
  setCondition,
  type ConditionInput,
} from '../../functions/core/conditions.ts';
import type { Condition } from '../../functions/core/rollout/types.ts';

const earlier = '2026-03-01T09:00:00.000Z';
const now = '2026-03-01T10:00:00.000Z';

const progressing: Condition = {
  type: 'Progressing',
  status: 'True',
  reason: 'ReplicaSetUpdated',
  message: 'revision abc is progressing',
  lastTransitionTime: earlier,
  lastUpdateTime: earlier,
};
const healthy: Condition = {
  type: 'Healthy',
  status: 'False',
  reason: 'Waiting',
  message: '',
  lastTransitionTime: earlier,
  lastUpdateTime: earlier,
};

function input(status: boolean, reason: string, message: string): ConditionInput {
  return { type: ConditionType.Progressing, status, reason, message };
}

describe('setCondition', () => {
  it('returns an equal list, as a copy, when nothing changed', () => {
    const before = [healthy, progressing];
    const after = setCondition(
      before,
      input(true, 'ReplicaSetUpdated', 'revision abc is progressing'),
      now,
    );
    expect(after).toEqual(before);
    expect(after).not.toBe(before);
  });

  it.each([
    {
      name: 'the reason changes',
      next: input(true, 'NewReplicaSetAvailable', 'revision abc is progressing'),
      transition: earlier,
    },
    {
      name: 'the message changes',
      next: input(true, 'ReplicaSetUpdated', 'revision def is progressing'),
      transition: earlier,
    },
    {
      name: 'the status flips',
      next: input(false, 'ReplicaSetUpdated', 'revision abc is progressing'),
      transition: now,
    },
  ])(
    'when $name: lastUpdateTime moves, lastTransitionTime is $transition',
    ({ next, transition }) => {
      const [changed] = setCondition([progressing], next, now);
      expect(changed).toEqual({
        type: 'Progressing',
        status: next.status ? 'True' : 'False',
        reason: next.reason,
        message: next.message,
        lastTransitionTime: transition,
        lastUpdateTime: now,
      });
    },
  );

  it('adds a new condition with both times now, keeping the others, sorted by type', () => {
    const after = setCondition(
      [progressing, healthy],
      { type: ConditionType.InvalidSpec, status: true, reason: 'InvalidSpec', message: 'bad' },
      now,
    );
    expect(after.map((c) => c.type)).toEqual(['Healthy', 'InvalidSpec', 'Progressing']);
    expect(getCondition(after, ConditionType.InvalidSpec)).toEqual({
      type: 'InvalidSpec',
      status: 'True',
      reason: 'InvalidSpec',
      message: 'bad',
      lastTransitionTime: now,
      lastUpdateTime: now,
    });
    expect(getCondition(after, ConditionType.Healthy)).toBe(healthy);
  });

  it('starts a list from undefined', () => {
    expect(setCondition(undefined, input(true, 'R', 'm'), now)).toHaveLength(1);
  });

  it('does not change the list it was given', () => {
    const before = [progressing];
    setCondition(before, input(false, 'X', 'y'), now);
    expect(before).toEqual([progressing]);
  });

  it('is idempotent: setting the result again changes nothing', () => {
    const once = setCondition([healthy], input(false, 'ProgressDeadlineExceeded', 'stuck'), now);
    expect(
      setCondition(
        once,
        input(false, 'ProgressDeadlineExceeded', 'stuck'),
        '2026-03-02T00:00:00.000Z',
      ),
    ).toEqual(once);
  });
});

describe('getCondition and removeCondition', () => {
  it('finds a condition by type, or undefined', () => {
    expect(getCondition([healthy, progressing], ConditionType.Progressing)).toBe(progressing);
    expect(getCondition([healthy], ConditionType.Paused)).toBeUndefined();
    expect(getCondition(undefined, ConditionType.Paused)).toBeUndefined();
  });

  it('removes only the given type', () => {
    expect(removeCondition([healthy, progressing], ConditionType.Healthy)).toEqual([progressing]);
    expect(removeCondition(undefined, ConditionType.Healthy)).toEqual([]);
  });
});
