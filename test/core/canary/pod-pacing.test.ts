// Canary fields that pace the old and new revisions' pods, walked through an in-memory world:
// replicaProgressThreshold (how many of a step's canary pods must be available before its weight
// is set) and scaleDownDelayRevisionLimit (how many old revisions wait out their delay at once).
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { deployedSimulation, hashOf, type Simulation } from '../../support/simulated-world.ts';

function deployed(builder = aRollout()): Simulation {
  return deployedSimulation(builder.build());
}

describe('replicaProgressThreshold', () => {
  // 10 replicas, setWeight 50: the step's canary has 5 pods, of which 4 become available.
  function fourOfFive(threshold?: JsonObject): Simulation {
    const builder = aRollout().replicas(10).steps({ setWeight: 50 }, { pause: {} });
    const sim = deployed(
      threshold ? builder.canary({ replicaProgressThreshold: threshold }) : builder,
    );
    sim.world.podsBecomeAvailable = false;
    sim.setImage('registry.example/web:2.0');
    expect(sim.settle()).toEqual(['revision-started']);
    const canary = hashOf(sim.object);
    expect(sim.world.replicasOf(canary)).toBe(5);
    sim.world.replicaSets = sim.world.replicaSets.map((rs) =>
      rs.podTemplateHash === canary ? { ...rs, availableReplicas: 4 } : rs,
    );
    return sim;
  }

  it('waits for every pod of the step without a threshold (4 of 5 is not enough)', () => {
    const sim = fourOfFive();
    expect(sim.settle()).toEqual([]);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it.each([
    [{ type: 'Percent', value: 80 }, 'weight-set'],
    [{ type: 'Pod', value: 4 }, 'weight-set'],
    [{ type: 'Percent', value: 81 }, undefined],
    [{ type: 'Pod', value: 5 }, undefined],
  ])('with %o sets the weight only when enough pods are available', (threshold, first) => {
    const sim = fourOfFive(threshold);
    const events = sim.settle();
    expect(events[0]).toBe(first);
    expect(sim.world.route).toEqual(
      first ? { stable: 50, canary: 50 } : { stable: 100, canary: 0 },
    );
  });

  it('never asks for more pods than the step has (Pod 8 with a 5-pod step waits for 5)', () => {
    const sim = fourOfFive({ type: 'Pod', value: 8 });
    expect(sim.settle()).toEqual([]);
    const canary = hashOf(sim.object);
    sim.world.replicaSets = sim.world.replicaSets.map((rs) =>
      rs.podTemplateHash === canary ? { ...rs, availableReplicas: 5 } : rs,
    );
    expect(sim.settle()[0]).toBe('weight-set');
  });
});

describe('scaleDownDelayRevisionLimit', () => {
  it.each([
    [undefined, 4],
    [1, 0],
  ])('with a limit of %s the oldest of two waiting revisions keeps %i pods', (limit, oldest) => {
    const builder = aRollout().steps();
    const sim = deployed(
      limit === undefined ? builder : builder.canary({ scaleDownDelayRevisionLimit: limit }),
    );
    const v1 = hashOf(sim.object);
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const v2 = hashOf(sim.object);
    sim.setImage('registry.example/web:3.0');
    sim.settle();
    expect(sim.status.stableRS).toBe(hashOf(sim.object));
    expect(sim.world.replicasOf(v1)).toBe(oldest);
    expect(sim.world.replicasOf(v2)).toBe(4);
  });
});
