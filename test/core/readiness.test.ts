// Readiness conditions per phase: kstatus's Ready / Reconciling / Stalled and Argo's Available /
// Healthy / Paused, on statuses the planner really produces (walked with the simulated world).
import { describe, expect, it } from 'vitest';
import { withActionOutcome } from '../../functions/core/action-failure.ts';
import { plan } from '../../functions/core/plan.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { Condition, Rollout, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { deployedSimulation, Simulation } from '../support/simulated-world.ts';

type Flag = 'True' | 'False' | undefined;

interface Row {
  readonly name: string;
  readonly make: () => RolloutStatus;
  readonly phase: string;
  readonly ready: Flag;
  readonly reconciling: Flag;
  readonly stalled: Flag;
  readonly reason: string;
  readonly available?: Flag;
  readonly healthy?: Flag;
  readonly paused?: Flag;
}

const flag = (status: RolloutStatus, type: string): Flag =>
  status.conditions?.find((c) => c.type === type)?.status as Flag;
const condition = (status: RolloutStatus, type: string): Condition | undefined =>
  status.conditions?.find((c) => c.type === type);

function canaryAtFirstPause(): Simulation {
  const sim = deployedSimulation(aRollout().build());
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  return sim;
}

function progressing(): RolloutStatus {
  const sim = deployedSimulation(aRollout().build());
  sim.world.podsBecomeAvailable = false;
  sim.setImage('registry.example/web:2.0');
  sim.step();
  return sim.status;
}

function timedPause(): RolloutStatus {
  const sim = deployedSimulation(
    aRollout()
      .steps({ setWeight: 20 }, { pause: { duration: '1h' } })
      .build(),
  );
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  return sim.status;
}

function specPaused(): RolloutStatus {
  const sim = canaryAtFirstPause();
  sim.setSpec((spec) => ({ ...spec, paused: true }));
  sim.step();
  return sim.status;
}

function aborted(): RolloutStatus {
  const sim = canaryAtFirstPause();
  sim.patchStatus({ abort: true });
  sim.settle();
  return sim.status;
}

function deadline(): RolloutStatus {
  const sim = deployedSimulation(aRollout().spec({ progressDeadlineSeconds: 60 }).build());
  sim.world.podsBecomeAvailable = false;
  sim.setImage('registry.example/web:2.0');
  sim.step();
  sim.advance(120);
  sim.step();
  return sim.status;
}

function invalid(): RolloutStatus {
  const sim = new Simulation(aRollout().steps({ experiment: {} }).build());
  sim.step();
  return sim.status;
}

function actionFailed(): RolloutStatus {
  const sim = canaryAtFirstPause();
  const parsed = parseRollout(sim.object);
  const rollout = { ...parsed, spec: parsed.spec } as Rollout;
  return withActionOutcome({
    rollout,
    observed: sim.world.observed(),
    failure: 'AnalysisTemplate shop/error-rate not found: create it',
    now: sim.now(),
  });
}

const rows: readonly Row[] = [
  {
    name: 'healthy',
    make: () => deployedSimulation(aRollout().build()).status,
    phase: 'Healthy',
    ready: 'True',
    reconciling: 'False',
    stalled: 'False',
    reason: 'Healthy',
    available: 'True',
    healthy: 'True',
    paused: undefined,
  },
  {
    name: 'progressing: canary pods coming up',
    make: progressing,
    phase: 'Progressing',
    ready: 'False',
    reconciling: 'True',
    stalled: 'False',
    reason: 'Progressing',
    available: 'True',
    healthy: 'False',
  },
  {
    name: 'paused until promoted',
    make: () => canaryAtFirstPause().status,
    phase: 'Paused',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'WaitingForPromotion',
    paused: 'True',
  },
  {
    name: 'timed pause (ends by itself)',
    make: timedPause,
    phase: 'Paused',
    ready: 'False',
    reconciling: 'True',
    stalled: 'False',
    reason: 'Paused',
    paused: 'True',
  },
  {
    name: 'spec.paused',
    make: specPaused,
    phase: 'Paused',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'PausedBySpec',
    paused: 'True',
  },
  {
    name: 'aborted',
    make: aborted,
    phase: 'Degraded',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'RolloutAborted',
    healthy: 'False',
    paused: 'False',
  },
  {
    name: 'progress deadline exceeded',
    make: deadline,
    phase: 'Degraded',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'ProgressDeadlineExceeded',
  },
  {
    name: 'invalid spec',
    make: invalid,
    phase: 'Degraded',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'InvalidSpec',
  },
  {
    name: 'an action failed (Stalled step error)',
    make: actionFailed,
    phase: 'Degraded',
    ready: 'False',
    reconciling: 'False',
    stalled: 'True',
    reason: 'ActionFailed',
  },
];

describe('readiness conditions', () => {
  it.each(rows)('$name → phase $phase, Ready $ready, Stalled $stalled ($reason)', (row) => {
    const status = row.make();
    expect(status.phase).toBe(row.phase);
    expect(flag(status, 'Ready')).toBe(row.ready);
    expect(flag(status, 'Reconciling')).toBe(row.reconciling);
    expect(flag(status, 'Stalled')).toBe(row.stalled);
    expect(condition(status, 'Ready')?.reason).toBe(row.reason);
    expect(condition(status, 'Stalled')?.observedGeneration).toBe(status.observedGeneration);
    if ('available' in row) expect(flag(status, 'Available')).toBe(row.available);
    if ('healthy' in row) expect(flag(status, 'Healthy')).toBe(row.healthy);
    if ('paused' in row) expect(flag(status, 'Paused')).toBe(row.paused);
  });

  it('never has Reconciling and Stalled both True (kstatus would read InProgress)', () => {
    for (const row of rows) {
      const status = row.make();
      expect([flag(status, 'Reconciling'), flag(status, 'Stalled')]).not.toEqual(['True', 'True']);
    }
  });

  it('says how to go on when a person must act', () => {
    expect(condition(canaryAtFirstPause().status, 'Stalled')?.message).toMatch(/promote to go on/);
    expect(condition(specPaused(), 'Stalled')?.message).toMatch(/kulta resume/);
    expect(condition(aborted(), 'Stalled')?.message).toMatch(/kulta retry/);
  });

  it('writes observedGeneration as an integer, and reads the string older versions wrote', () => {
    const status = deployedSimulation(aRollout().generation(3).build()).status;
    expect(status.observedGeneration).toBe(3);
    const legacy = parseRollout(
      aRollout()
        .status({ observedGeneration: '7' as never })
        .build(),
    );
    expect(legacy.status.observedGeneration).toBe(7);
  });

  it('keeps the conditions of an unchanged status as they are (a no-op step writes nothing)', () => {
    const sim = deployedSimulation(aRollout().build());
    sim.advance(600);
    const p = plan({
      rollout: parseRollout(sim.object),
      observed: sim.world.observed(),
      now: sim.now(),
    });
    expect(p.statusChanged).toBe(false);
  });
});

describe('an action that failed', () => {
  const failure = 'HTTPRoute shop/web: forbidden; grant KULTA patch on httproutes';

  it('is Degraded with the failure in the message, and keeps the tick visiting', () => {
    const sim = canaryAtFirstPause();
    const parsed = parseRollout(sim.object);
    const rollout = { ...parsed, spec: parsed.spec } as Rollout;
    const observed = sim.world.observed();
    const status = withActionOutcome({ rollout, observed, failure, now: sim.now() });
    expect(status).toMatchObject({ phase: 'Degraded', message: `Stalled: ${failure}` });
    expect(condition(status, 'ActionFailed')).toMatchObject({ status: 'True', message: failure });
    sim.patchStatus(status);
    const next = plan({ rollout: parseRollout(sim.object), observed, now: sim.now() });
    expect(next.nextStatus.phase).toBe('Degraded');
    expect(next.active).toBe(true);
  });

  it('writes nothing when it fails the same way again', () => {
    const sim = canaryAtFirstPause();
    const parsed = parseRollout(sim.object);
    const observed = sim.world.observed();
    const first = withActionOutcome({
      rollout: { ...parsed, spec: parsed.spec } as Rollout,
      observed,
      failure,
      now: sim.now(),
    });
    const again = withActionOutcome({
      rollout: { ...parsed, spec: parsed.spec, status: first } as Rollout,
      observed,
      failure,
      now: sim.now(),
    });
    expect(again).toBe(first);
  });

  it('is cleared once the world applies, back to the phase the status stands for', () => {
    const sim = canaryAtFirstPause();
    const parsed = parseRollout(sim.object);
    const observed = sim.world.observed();
    const rollout = { ...parsed, spec: parsed.spec } as Rollout;
    const failed = withActionOutcome({ rollout, observed, failure, now: sim.now() });
    const cleared = withActionOutcome({
      rollout: { ...rollout, status: failed },
      observed,
      failure: undefined,
      now: sim.now(),
    });
    expect(cleared.phase).toBe('Paused');
    expect(condition(cleared, 'ActionFailed')).toBeUndefined();
    expect(condition(cleared, 'Stalled')?.reason).toBe('WaitingForPromotion');
  });
});
