// The canary planner, walked step by step through an in-memory world: revisions, weights
// after availability, pauses and promote, full promotion, abort and retry, and the rule that a
// step that changes nothing writes nothing.
import { describe, expect, it } from 'vitest';
import { plan } from '../../../functions/core/plan.ts';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import { aReplicaSet, aRollout, aWorld } from '../../fixtures/rollout-builder.ts';
import { deployedSimulation, hashOf, Simulation } from '../../support/simulated-world.ts';

function deployed(builder = aRollout()): Simulation {
  return deployedSimulation(builder.build());
}

describe('first revision', () => {
  it('goes straight to stable and becomes Healthy', () => {
    const sim = new Simulation(aRollout().build());
    const events = sim.settle();
    const hash = hashOf(sim.object);
    expect(events).toEqual(['deployed']);
    expect(sim.status).toMatchObject({
      phase: 'Healthy',
      stableRS: hash,
      currentPodHash: hash,
      currentStepIndex: 4,
      observedGeneration: 1,
      canary: { weights: { canary: { weight: 0 }, stable: { weight: 100 } } },
    });
    expect(sim.world.replicasOf(hash)).toBe(4);
    expect(sim.world.services.get('web-stable')).toBe(hash);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it('names the ReplicaSet <rollout>-<hash> with the hash label in selector and template', () => {
    const sim = new Simulation(aRollout().build());
    const p = sim.step();
    const hash = hashOf(sim.object);
    expect(p.actions[0]).toMatchObject({
      kind: 'createReplicaSet',
      name: `web-${hash}`,
      revision: 1,
      replicas: 4,
      matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash },
      template: { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash } } },
    });
  });
});

describe('a canary with traffic routing', () => {
  it('scales the canary first and shifts traffic only once its pods are available', () => {
    const sim = deployed();
    sim.world.podsBecomeAvailable = false;
    sim.setImage('registry.example/web:2.0');
    const events = sim.settle();
    const canary = hashOf(sim.object);
    expect(events).toEqual(['revision-started']);
    expect(sim.world.replicasOf(canary)).toBe(1); // ceil(20% of 4)
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.status.phase).toBe('Progressing');

    sim.world.podsBecomeAvailable = true;
    sim.world.replicaSets = sim.world.replicaSets.map((rs) => ({
      ...rs,
      availableReplicas: rs.replicas,
    }));
    expect(sim.settle()).toEqual(['weight-set', 'step-completed', 'paused']);
    expect(sim.world.route).toEqual({ stable: 80, canary: 20 });
    expect(sim.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      controllerPause: true,
      pauseConditions: [{ reason: 'CanaryPauseStep' }],
    });
    expect(sim.status.pauseEndsAt).toBeUndefined();
  });

  it('keeps the stable at 100% of replicas during the canary', () => {
    const sim = deployed();
    const stable = hashOf(sim.object);
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.world.replicasOf(stable)).toBe(4);
  });

  it('waits on an untimed pause until promote clears pauseConditions', () => {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.advance(3600);
    expect(sim.settle()).toEqual([]);
    sim.patchStatus({ pauseConditions: [] });
    expect(sim.settle()).toEqual(['step-completed', 'weight-set', 'step-completed', 'paused']);
    expect(sim.world.route).toEqual({ stable: 50, canary: 50 });
    expect(sim.world.replicasOf(hashOf(sim.object))).toBe(2);
  });

  it('counts a timed pause down and continues when it ends', () => {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.patchStatus({ pauseConditions: [] });
    sim.settle();
    const endsAt = sim.status.pauseEndsAt ?? '';
    expect(Date.parse(endsAt) - sim.clock).toBeGreaterThan(25_000);
    expect(sim.status.message).toContain(`until ${endsAt}`);
    sim.advance(10);
    expect(sim.settle()).toEqual([]);
    sim.advance(30);
    expect(sim.settle()).toEqual(['step-completed', 'promoted']);
  });

  it('promotes fully: stable Service moves, traffic returns to stable, old RS retires after the delay', () => {
    const sim = deployed();
    const v1 = hashOf(sim.object);
    sim.setImage('registry.example/web:2.0');
    const v2 = hashOf(sim.object);
    sim.settle();
    sim.patchStatus({ promoteFull: true });
    expect(sim.settle()).toEqual(['promote-full-requested', 'promoted']);
    expect(sim.status).toMatchObject({ phase: 'Healthy', stableRS: v2, currentPodHash: v2 });
    expect(sim.status.promoteFull).toBeUndefined();
    expect(sim.world.services.get('web-stable')).toBe(v2);
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.world.replicasOf(v2)).toBe(4);
    expect(sim.world.replicasOf(v1)).toBe(4);
    expect(sim.status.retiring).toEqual([
      { podTemplateHash: v1, scaleDownAt: expect.any(String) as string },
    ]);
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(v1)).toBe(0);
    expect(sim.status.retiring).toBeUndefined();
  });

  it('re-points the stable Service before the route returns traffic to it at promotion', () => {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.patchStatus({ promoteFull: true });
    sim.world.applied.length = 0;
    sim.settle();
    const kinds = sim.world.applied.map((a) => a.kind);
    expect(kinds.indexOf('setServiceSelector')).toBeLessThan(kinds.indexOf('setRouteWeights'));
  });

  it('takes traffic off the old canary before re-pointing the canary Service to a newer revision', () => {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.world.route.canary).toBe(20);
    sim.setImage('registry.example/web:3.0');
    sim.world.applied.length = 0;
    expect(sim.step().event).toBe('revision-started');
    const kinds = sim.world.applied.map((a) => a.kind);
    expect(kinds.indexOf('setRouteWeights')).toBeLessThan(kinds.indexOf('setServiceSelector'));
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });

  it('records per-step durations and a bounded transition history', () => {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.advance(120);
    sim.patchStatus({ pauseConditions: [] });
    sim.settle();
    const history = sim.status.stepHistory ?? [];
    expect(history[0]).toMatchObject({
      index: 0,
      kind: 'setWeight',
      finishedAt: expect.any(String) as string,
    });
    expect(history[1]).toMatchObject({ index: 1, kind: 'pause' });
    expect(history[1]?.durationSeconds).toBeGreaterThanOrEqual(120);
    expect((sim.status.history ?? []).map((h) => h.event)).toContain('weight-set');
    expect(sim.status.transition).toBe(sim.status.history?.at(-1)?.transition);
  });
});

describe('abort and retry', () => {
  function aborted(): Simulation {
    const sim = deployed();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.patchStatus({ abort: true });
    return sim;
  }

  it('sends traffic back to stable first and keeps the canary pods until the route took it', () => {
    const sim = aborted();
    const canary = hashOf(sim.object);
    sim.world.routeExists = true;
    const p = sim.step();
    expect(p.event).toBe('aborted');
    expect(sim.status.phase).toBe('Degraded');
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
    expect(sim.world.replicasOf(canary)).toBe(1);
    expect(sim.step().event).toBe('abort-traffic-confirmed');
    expect(sim.status.abortScaleDownAt).toBeDefined();
    expect(sim.world.replicasOf(canary)).toBe(1);
    sim.advance(31);
    sim.settle();
    expect(sim.world.replicasOf(canary)).toBe(0);
    expect(sim.status.phase).toBe('Degraded');
  });

  it('does not start the scale-down countdown while a route still sends traffic to the canary', () => {
    const sim = aborted();
    sim.step();
    sim.world.route = { stable: 80, canary: 20 }; // the write did not take (yet)
    const p = sim.step();
    expect(p.event).toBeUndefined();
    expect(sim.status.abortScaleDownAt).toBeUndefined();
    expect(p.actions).toContainEqual(
      expect.objectContaining({ kind: 'setRouteWeights', canaryWeight: 0 }),
    );
  });

  it('retries from the first step when abort is cleared', () => {
    const sim = aborted();
    sim.settle();
    sim.patchStatus({ abort: false });
    expect(sim.settle()).toEqual(['retried', 'weight-set', 'step-completed', 'paused']);
    expect(sim.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
    expect(sim.status.abortedAt).toBeUndefined();
  });

  it('goes back to stable when the template returns to the stable revision', () => {
    const sim = aborted();
    sim.settle();
    sim.setImage('registry.example/web:1.0');
    expect(sim.settle()).toEqual(['rolled-back-to-stable']);
    expect(sim.status.phase).toBe('Healthy');
    expect(sim.world.route).toEqual({ stable: 100, canary: 0 });
  });
});

describe('operator controls and deadlines', () => {
  it('spec.paused stops progress without touching traffic', () => {
    const sim = deployed(aRollout().steps({ setWeight: 20 }, { setWeight: 60 }));
    sim.setSpec((spec) => ({ ...spec, paused: true }));
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    expect(sim.status.phase).toBe('Paused');
    expect(sim.world.route.canary).toBe(0);
    sim.setSpec((spec) => ({ ...spec, paused: false }));
    sim.settle();
    expect(sim.status.phase).toBe('Healthy');
  });

  it('flags ProgressDeadlineExceeded when the canary does not become available, and aborts if asked', () => {
    const sim = deployed(
      aRollout().spec({ progressDeadlineSeconds: 60, progressDeadlineAbort: true }),
    );
    sim.world.podsBecomeAvailable = false;
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.advance(61);
    sim.step();
    expect(sim.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
      }),
    );
    expect(sim.status.abort).toBe(true);
    expect(sim.step().event).toBe('aborted');
  });

  it('deletes old ReplicaSets beyond revisionHistoryLimit', () => {
    const sim = deployed(aRollout().steps().spec({ revisionHistoryLimit: 1 }));
    for (const v of ['2', '3', '4']) {
      sim.setImage(`registry.example/web:${v}.0`);
      sim.settle();
      sim.advance(31);
      sim.settle();
    }
    expect(sim.world.replicaSets.map((rs) => rs.replicas)).toEqual([0, 4]);
    expect(sim.world.applied.filter((a) => a.kind === 'deleteReplicaSet')).toHaveLength(2);
  });
});

describe('what the controller sees and the schema cannot', () => {
  it('reports a missing HTTPRoute as a condition and does not advance', () => {
    const sim = deployed();
    sim.world.routeExists = false;
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const condition = sim.status.conditions?.find((c) => c.type === 'TrafficRoutingReady');
    expect(condition).toMatchObject({ status: 'False', reason: 'RoutingProblem' });
    expect(condition?.message).toContain('HTTPRoute shop/web-route does not exist');
    expect(sim.status.currentStepIndex).toBe(0);
  });

  it.each([
    [
      'a step with two keys',
      { steps: [{ setWeight: 10, pause: {} }] },
      'steps[0] must set exactly one of',
    ],
    [
      'a weight over 100',
      { steps: [{ setWeight: 150 }] },
      'setWeight must be a whole number from 0 to 100',
    ],
    [
      'a malformed pause duration',
      { steps: [{ pause: { duration: '5 minutes' } }] },
      'invalid duration',
    ],
    ['the same Service twice', { canaryService: 'web-stable' }, 'must be different Services'],
    ['another router', { trafficRouting: { istio: {} } }, 'KULTA routes traffic only through'],
  ])('turns %s into InvalidSpec without touching the world', (_name, canary, message) => {
    const object = aRollout().canary(canary).build();
    const p = plan({
      rollout: parseRollout(object),
      observed: aWorld([]),
      now: '2026-03-01T10:00:00.000Z',
    });
    expect(p.actions).toEqual([]);
    expect(p.nextStatus.phase).toBe('Degraded');
    expect(p.nextStatus.conditions).toContainEqual(
      expect.objectContaining({
        type: 'InvalidSpec',
        status: 'True',
        message: expect.stringContaining(message) as string,
      }),
    );
  });
});

describe('a step that changes nothing writes nothing', () => {
  it.each([
    ['healthy', () => deployed()],
    [
      'paused',
      () => {
        const sim = deployed();
        sim.setImage('registry.example/web:2.0');
        sim.settle();
        return sim;
      },
    ],
  ])('when %s', (_name, make) => {
    const sim = make();
    const p = plan({
      rollout: parseRollout(sim.object),
      observed: sim.world.observed(),
      now: sim.now(),
    });
    expect(p.statusChanged).toBe(false);
    expect(p.actions).toEqual([]);
  });

  it('yet heals a world that drifted from the committed status', () => {
    const sim = deployed();
    const hash = hashOf(sim.object);
    const world = aWorld([aReplicaSet(hash, 2)], 30, hash);
    const p = plan({ rollout: parseRollout(sim.object), observed: world, now: sim.now() });
    expect(p.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'scaleReplicaSet', replicas: 4 }),
        expect.objectContaining({ kind: 'setRouteWeights', stableWeight: 100, canaryWeight: 0 }),
      ]),
    );
  });
});
