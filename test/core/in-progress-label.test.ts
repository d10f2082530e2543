// The in-progress label on the HTTPRoutes (as Argo's Gateway API plugin sets it, so Argo CD can
// ignore a route while a rollout moves traffic on it): there while a canary runs, gone at
// promotion and after an abort, never written with disableInProgressLabel.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { deployedSimulation, type Simulation } from '../support/simulated-world.ts';

const plugin = (extra: JsonObject = {}): JsonObject => ({
  trafficRouting: {
    plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'web-route', ...extra } },
  },
});

function canary(extra?: JsonObject): Simulation {
  const sim = deployedSimulation(aRollout().canary(plugin(extra)).build());
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  return sim;
}

describe('the in-progress label', () => {
  it('is on the route while the canary runs and gone once it is promoted', () => {
    const sim = canary();
    expect(sim.status.phase).toBe('Paused');
    expect(sim.world.routeLabel).toBe('in-progress');
    sim.patchStatus({ promoteFull: true });
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.world.routeLabel).toBeUndefined();
  });

  it('is gone once an abort took the traffic back', () => {
    const sim = canary();
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.world.route.canary).toBe(0);
    expect(sim.world.routeLabel).toBeUndefined();
  });

  it('takes the key and value the plugin names', () => {
    const sim = canary({ inProgressLabelKey: 'example.com/rollout', inProgressLabelValue: 'on' });
    const label = sim.world.applied.find((a) => a.kind === 'setRouteWeights');
    expect(label).toMatchObject({
      inProgressLabel: { key: 'example.com/rollout', value: 'on', present: true },
    });
    expect(sim.world.routeLabel).toBe('on');
  });

  it('is never written with disableInProgressLabel', () => {
    const sim = canary({ disableInProgressLabel: true });
    expect(sim.world.route.canary).toBe(20);
    const writes = sim.world.applied.filter((a) => a.kind === 'setRouteWeights');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((a) => !('inProgressLabel' in a))).toBe(true);
    expect(sim.world.routeLabel).toBeUndefined();
  });

  it('a stable rollout with a labelled route (left by an interrupted step) gets it removed', () => {
    const sim = deployedSimulation(aRollout().canary(plugin()).build());
    sim.world.routeLabel = 'in-progress';
    const p = sim.step();
    expect(p.actions).toContainEqual(
      expect.objectContaining({
        kind: 'setRouteWeights',
        inProgressLabel: expect.objectContaining({ present: false }) as unknown,
      }),
    );
    expect(sim.world.routeLabel).toBeUndefined();
  });
});
