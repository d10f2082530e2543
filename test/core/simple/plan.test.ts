// The simple strategy walked through the planner: a rolling update of the ReplicaSets within
// maxSurge and maxUnavailable, with the same revisions, status, abort and CDEvents as a canary.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../../support/cdevents-schemas.ts';
import {
  deployedSimulation,
  type Simulation,
  StorySimulation,
} from '../../support/simulated-world.ts';

const schemas = loadCDEventsSchemas();

function updated(simple: JsonObject, replicas = 10): { sim: Simulation; v1: string } {
  const sim = new StorySimulation(aRollout().replicas(replicas).simple(simple).build());
  sim.settle();
  sim.sent.length = 0;
  sim.setImage('registry.example/web:2.0');
  return { sim, v1: sim.status.stableRS ?? '' };
}

interface Sample {
  readonly total: number;
  readonly available: number;
}

/** Steps to the end, sampling pods after every step (before pods of the step become ready). */
function walk(sim: Simulation, limit = 60): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < limit; i += 1) {
    const p = sim.step();
    const sets = sim.world.replicaSets;
    samples.push({
      total: sets.reduce((n, rs) => n + rs.replicas, 0),
      available: sets.reduce((n, rs) => n + Math.min(rs.availableReplicas, rs.replicas), 0),
    });
    if (!p.statusChanged && p.actions.length === 0) return samples;
    sim.advance(1);
  }
  throw new Error('no steady state');
}

describe('a simple rolling update', () => {
  it.each<{ name: string; simple: JsonObject; surge: number; unavailable: number }>([
    {
      name: 'maxSurge 20%, maxUnavailable 1',
      simple: { maxSurge: '20%', maxUnavailable: 1 },
      surge: 2,
      unavailable: 1,
    },
    {
      name: 'maxSurge 0, maxUnavailable 25%',
      simple: { maxSurge: 0, maxUnavailable: '25%' },
      surge: 0,
      unavailable: 2,
    },
    {
      name: 'maxSurge 3, maxUnavailable 0',
      simple: { maxSurge: 3, maxUnavailable: 0 },
      surge: 3,
      unavailable: 0,
    },
    { name: 'defaults (25% / 25%)', simple: {}, surge: 3, unavailable: 2 },
  ])(
    '$name: never more than replicas + surge pods, never fewer than replicas - unavailable available',
    ({ simple, surge, unavailable }) => {
      const { sim, v1 } = updated(simple);
      const samples = walk(sim);
      for (const s of samples) {
        expect(s.total).toBeLessThanOrEqual(10 + surge);
        expect(s.available).toBeGreaterThanOrEqual(10 - unavailable);
      }
      // It really rolled: more than one step, and some step had both revisions serving.
      expect(samples.length).toBeGreaterThan(3);
      const v2 = sim.status.currentPodHash;
      expect(sim.status).toMatchObject({ phase: 'Healthy', stableRS: v2 });
      expect(sim.world.replicasOf(v2)).toBe(10);
      expect(sim.world.replicasOf(v1)).toBe(0);
    },
  );

  it('tells the story with the same transitions and CDEvents as a canary', () => {
    const { sim } = updated({ maxSurge: 2, maxUnavailable: 0 });
    walk(sim);
    const history = sim.status.history?.map((h) => h.event);
    expect(history).toEqual(['deployed', 'revision-started', 'promoted']);
    expect(sim.sent.map((e) => e.context.type)).toEqual(['dev.cdevents.service.upgraded.0.3.0']);
    for (const event of sim.sent)
      expect(schemas.validate(event)).toEqual({ valid: true, errors: [] });
    expect(sim.status.message).toBe('');
  });

  it('says it is rolling while it rolls', () => {
    const { sim } = updated({ maxSurge: 1, maxUnavailable: 0 });
    sim.step();
    expect(sim.status.phase).toBe('Progressing');
    expect(sim.status.message).toBe(`rolling update to ${sim.status.currentPodHash ?? ''}`);
  });

  it('spec.paused holds the pods where they are, and the update goes on when resumed', () => {
    const { sim, v1 } = updated({ maxSurge: 2, maxUnavailable: 0 });
    for (let i = 0; i < 3; i += 1) {
      sim.step();
      sim.advance(1);
    }
    const v2 = sim.status.currentPodHash;
    sim.setSpec((spec) => ({ ...spec, paused: true }));
    sim.settle();
    const held = [sim.world.replicasOf(v1), sim.world.replicasOf(v2)];
    sim.advance(600);
    sim.settle();
    expect([sim.world.replicasOf(v1), sim.world.replicasOf(v2)]).toEqual(held);
    expect(held[1]).toBeGreaterThan(0);
    expect(held[1]).toBeLessThan(10);
    expect(sim.status.phase).toBe('Paused');
    sim.setSpec((spec) => ({ ...spec, paused: false }));
    walk(sim);
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.world.replicasOf(v2)).toBe(10);
  });

  it('abort brings the old revision back to full size, then removes the new pods', () => {
    const { sim, v1 } = updated({ maxSurge: 2, maxUnavailable: 0 });
    for (let i = 0; i < 3; i += 1) {
      sim.step();
      sim.advance(1);
    }
    const v2 = sim.status.currentPodHash;
    expect(sim.world.replicasOf(v2)).toBeGreaterThan(0);
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.status.phase).toBe('Degraded');
    expect(sim.world.replicasOf(v1)).toBe(10);
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(v2)).toBe(0);
    expect(sim.sent.map((e) => e.context.type)).toEqual([
      'dev.cdeventsx.kulta-rollout.aborted.0.1.0',
      'dev.cdevents.service.rolledback.0.3.0',
    ]);
  });

  it('an abort with nothing in flight does not keep the rollout on the tick', () => {
    const sim = deployedSimulation(aRollout().simple().build());
    sim.patchStatus({ abort: true });
    sim.settle();
    const last = sim.step();
    expect(sim.status.phase).toBe('Degraded');
    expect(last.active).toBe(false);
  });
});
