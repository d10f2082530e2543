// reconcileStep when an action needs a person (StalledError): the failure is committed on the
// Rollout (ActionFailed, phase Degraded, kstatus Stalled) and acknowledged; a step whose world
// applies again clears it; a repeated identical failure writes nothing more.
import { describe, expect, it } from 'vitest';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import type { RolloutRef, RolloutStore, World } from '../../functions/ports.ts';
import { StalledError } from '../../functions/runtime/errors.ts';
import { reconcileStep, type StepDeps } from '../../functions/runtime/step.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { deployedSimulation, type Simulation } from '../support/simulated-world.ts';

const ref: RolloutRef = { namespace: 'shop', name: 'web' };
const failure = 'AnalysisTemplate shop/error-rate not found: create it or fix templateName';

/** A store over one object: commits replace its status; every call is recorded. */
function deps(sim: Simulation, applyError: Error | undefined) {
  let object: JsonObject = {
    ...sim.object,
    metadata: { ...(sim.object.metadata as JsonObject), resourceVersion: '1' },
  };
  const commits: RolloutStatus[] = [];
  const rollouts: RolloutStore = {
    get: () => Promise.resolve(object),
    commitStatus: (_ref, _rv, status) => {
      commits.push(status);
      object = { ...object, status: status as JsonObject };
      return Promise.resolve(String(commits.length + 1));
    },
    patchMetadata: () => Promise.resolve(),
    list: () => Promise.reject(new Error('a step never lists')),
  };
  const world: World = {
    observe: () => Promise.resolve(sim.world.observed()),
    apply: () => (applyError ? Promise.reject(applyError) : Promise.resolve()),
  };
  const step: StepDeps = { clock: { now: () => sim.now() }, rollouts, world };
  return { step, commits, current: () => object.status as RolloutStatus };
}

/** A canary that has something to apply at every step (its canary ReplicaSet and weights). */
function canary(): Simulation {
  const sim = deployedSimulation(aRollout().build());
  sim.setImage('registry.example/web:2.0');
  return sim;
}

describe('a step whose action needs a person', () => {
  it('commits ActionFailed with phase Degraded and the message, then acknowledges', async () => {
    const { step, current } = deps(canary(), new StalledError(failure));
    await expect(reconcileStep(step, ref)).rejects.toBeInstanceOf(StalledError);
    const status = current();
    expect(status).toMatchObject({ phase: 'Degraded', message: `Stalled: ${failure}` });
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ActionFailed', status: 'True', message: failure }),
        expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'ActionFailed' }),
        expect.objectContaining({ type: 'Ready', status: 'False' }),
      ]),
    );
  });

  it('writes nothing more when the same failure comes again', async () => {
    const { step, commits } = deps(canary(), new StalledError(failure));
    await expect(reconcileStep(step, ref)).rejects.toBeInstanceOf(StalledError);
    const after = commits.length;
    await expect(reconcileStep(step, ref)).rejects.toBeInstanceOf(StalledError);
    expect(commits.length).toBe(after);
  });

  it('clears the failure once the world applies', async () => {
    const sim = canary();
    const failing = deps(sim, new StalledError(failure));
    await expect(reconcileStep(failing.step, ref)).rejects.toBeInstanceOf(StalledError);
    sim.patchStatus(failing.current());
    const fixed = deps(sim, undefined);
    await reconcileStep(fixed.step, ref);
    const status = fixed.current();
    expect(status.phase).not.toBe('Degraded');
    expect(status.conditions?.some((c) => c.type === 'ActionFailed')).toBe(false);
    expect(status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Stalled', status: 'False' })]),
    );
  });

  it('does not record other errors on the Rollout (they are retried)', async () => {
    const { step, commits } = deps(canary(), new Error('socket hang up'));
    await expect(reconcileStep(step, ref)).rejects.toThrow('socket hang up');
    expect(commits.every((s) => !s.conditions?.some((c) => c.type === 'ActionFailed'))).toBe(true);
  });
});
