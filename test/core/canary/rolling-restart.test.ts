// The planner's pod arithmetic beyond traffic weights: a canary without traffic routing that
// moves pods like a Deployment rolls, and spec.restartAt.
import { describe, expect, it } from 'vitest';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import type { Simulation } from '../../support/simulated-world.ts';
import { deployedSimulation, hashOf } from '../../support/simulated-world.ts';

function deployed(builder = aRollout()): Simulation {
  return deployedSimulation(builder.build());
}

describe('a canary without traffic routing (pods are the traffic split)', () => {
  it.each([
    ['maxSurge 1, maxUnavailable 0', 1, 0],
    ['maxSurge 0, maxUnavailable 1', 0, 1],
    ['maxSurge 25%, maxUnavailable 25%', '25%', '25%'],
  ])('moves replicas within %s', (_name, maxSurge, maxUnavailable) => {
    const builder = aRollout()
      .withoutTrafficRouting()
      .steps({ setWeight: 50 }, { pause: {} })
      .canary({ maxSurge, maxUnavailable });
    const sim = deployed(builder);
    const stable = hashOf(sim.object);
    sim.setImage('registry.example/web:2.0');
    const canary = hashOf(sim.object);
    const surge = maxSurge === '25%' ? 1 : Number(maxSurge);
    const unavailable = maxUnavailable === '25%' ? 1 : Number(maxUnavailable);
    for (let i = 0; i < 20 && sim.status.phase !== 'Paused'; i += 1) {
      sim.step();
      const total = sim.world.replicasOf(stable) + sim.world.replicasOf(canary);
      const available = sim.world.replicaSets.reduce((n, rs) => n + rs.availableReplicas, 0);
      expect(total).toBeLessThanOrEqual(4 + surge);
      expect(available).toBeGreaterThanOrEqual(4 - unavailable);
      sim.advance(1);
    }
    expect(sim.status.phase).toBe('Paused');
    expect([sim.world.replicasOf(stable), sim.world.replicasOf(canary)]).toEqual([2, 2]);
  });
});

describe('restart (spec.restartAt)', () => {
  it('deletes old pods at most maxUnavailable at a time, then records restartedAt', () => {
    const sim = deployed(aRollout().canary({ maxUnavailable: 2 }));
    const at = sim.now();
    sim.setSpec((spec) => ({ ...spec, restartAt: at }));
    sim.world.podsToRestart = 4;
    const first = sim.step();
    expect(first.actions).toEqual([{ kind: 'restartPods', before: at, count: 2 }]);
    expect(sim.status.restartedAt).toBeUndefined();
    sim.advance(1);
    sim.settle();
    expect(sim.world.restarted).toBe(4);
    expect(sim.status.restartedAt).toBe(at);
    expect(sim.step().actions).toEqual([]);
  });

  it('waits while pods are unavailable and ignores a restartAt in the future', () => {
    const sim = deployed();
    sim.setSpec((spec) => ({ ...spec, restartAt: '2999-01-01T00:00:00.000Z' }));
    sim.world.podsToRestart = 4;
    expect(sim.step().actions).toEqual([]);
    sim.setSpec((spec) => ({ ...spec, restartAt: sim.now() }));
    sim.world.replicaSets = sim.world.replicaSets.map((rs) => ({
      ...rs,
      availableReplicas: rs.replicas - 1,
    }));
    sim.world.podsBecomeAvailable = false;
    expect(sim.step().actions.filter((a) => a.kind === 'restartPods')).toEqual([]);
  });
});

describe('canaryMetadata and stableMetadata', () => {
  const builder = (): ReturnType<typeof aRollout> =>
    aRollout()
      .steps({ setWeight: 50 })
      .canary({
        canaryMetadata: {
          labels: { role: 'canary' },
          annotations: { 'example.com/tier': 'canary' },
        },
        stableMetadata: { labels: { role: 'stable' } },
      });

  it('label each revision for its role, and relabel the canary in place when it is promoted', () => {
    const sim = deployed(builder());
    const v1 = hashOf(sim.object);
    const rsOf = (hash: string) => sim.world.replicaSets.find((rs) => rs.podTemplateHash === hash);
    expect(rsOf(v1)?.podMetadata.labels).toMatchObject({ app: 'web', role: 'stable' });
    sim.setImage('registry.example/web:2.0');
    const v2 = hashOf(sim.object);
    sim.step();
    expect(rsOf(v2)?.podMetadata).toEqual({
      labels: { app: 'web', role: 'canary', 'rollouts-pod-template-hash': v2 },
      annotations: { 'example.com/tier': 'canary' },
    });
    sim.settle();
    expect(sim.status.stableRS).toBe(v2);
    expect(rsOf(v2)?.podMetadata).toEqual({
      labels: { app: 'web', role: 'stable', 'rollouts-pod-template-hash': v2 },
      annotations: {},
    });
    expect(sim.world.applied.filter((a) => a.kind === 'setPodMetadata')).toHaveLength(1);
  });

  it('write nothing when the pods already carry their role', () => {
    const sim = deployed(builder());
    expect(sim.step().actions).toEqual([]);
  });
});

describe('dynamicStableScale', () => {
  it('shrinks the stable to the traffic it still carries, and restores it before an abort shifts traffic back', () => {
    const sim = deployed(
      aRollout().steps({ setWeight: 50 }, { pause: {} }).canary({ dynamicStableScale: true }),
    );
    const v1 = hashOf(sim.object);
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.world.route).toEqual({ stable: 50, canary: 50 });
    expect(sim.world.replicasOf(v1)).toBe(2);
    sim.patchStatus({ abort: true });
    sim.world.podsBecomeAvailable = false;
    sim.step();
    expect(sim.world.replicasOf(v1)).toBe(4);
    expect(sim.world.route).toEqual({ stable: 50, canary: 50 });
    sim.world.podsBecomeAvailable = true;
    sim.settle();
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });
});
