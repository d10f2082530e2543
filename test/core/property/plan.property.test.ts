// Property-based tests of the pure planner (fast-check): random canaries walked through random
// operator actions, pod readiness and time in the in-memory world, and plan() on arbitrary
// statuses and worlds. fast-check prints the seed and path of a failure; KULTA_CHAOS_SEED=<seed>
// replays a run.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../functions/core/actions.ts';
import type { Observed } from '../../../functions/core/observed.ts';
import { normalizeStatus, plan, type Plan } from '../../../functions/core/plan.ts';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject, RolloutStatus } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { Simulation } from '../../support/simulated-world.ts';
import {
  arbitraryObserved,
  arbitraryStatus,
  canaryRollout,
  operations,
  type Operation,
} from './arbitraries.ts';

beforeAll(() => {
  const seed = process.env.KULTA_CHAOS_SEED;
  if (seed !== undefined && seed !== '') fc.configureGlobal({ seed: Number(seed) });
});

const weightOf = (s: RolloutStatus): number => s.canary?.weights?.canary.weight ?? 0;

/** Problems with the weights a plan commits or writes: each in 0–100, the pair summing to 100. */
function weightProblems(p: Plan): string[] {
  const out: string[] = [];
  const w = p.nextStatus.canary?.weights;
  if (
    w &&
    !(w.canary.weight >= 0 && w.canary.weight <= 100 && w.canary.weight + w.stable.weight === 100)
  ) {
    out.push(`status weights ${String(w.stable.weight)}/${String(w.canary.weight)}`);
  }
  for (const a of p.actions) {
    if (a.kind !== 'setRouteWeights') continue;
    const ok =
      a.canaryWeight >= 0 && a.canaryWeight <= 100 && a.canaryWeight + a.stableWeight === 100;
    if (!ok) out.push(`route weights ${String(a.stableWeight)}/${String(a.canaryWeight)}`);
  }
  return out;
}

function replicaProblems(actions: readonly Action[]): string[] {
  return actions
    .filter((a) => a.kind === 'createReplicaSet' || a.kind === 'scaleReplicaSet')
    .filter((a) => !Number.isInteger(a.replicas) || a.replicas < 0)
    .map((a) => `${a.kind} ${a.name} to ${String(a.replicas)}`);
}

/** One committed plan in the simulation: status written, actions applied (no time passes). */
function commit(sim: Simulation, p: Plan): void {
  if (p.statusChanged) sim.object = { ...sim.object, status: p.nextStatus as JsonObject };
  for (const action of p.actions) applyAsTheAdapter(sim, action);
}

/** As the Kubernetes adapter applies an action: creating a ReplicaSet that exists is a no-op (409). */
function applyAsTheAdapter(sim: Simulation, action: Action): void {
  const exists = sim.world.replicaSets.some((rs) => rs.name === (action as { name?: string }).name);
  if (action.kind === 'createReplicaSet' && exists) return;
  sim.world.apply(action);
}

function planNow(sim: Simulation): Plan {
  return plan({
    rollout: parseRollout(sim.object),
    observed: sim.world.observed(),
    now: sim.now(),
  });
}

/** Plans and commits until a plan changes nothing; that plan, made twice, must be the same no-op. */
function reachFixedPoint(sim: Simulation, onPlan: (p: Plan, before: RolloutStatus) => void): void {
  for (let i = 0; i < 25; i += 1) {
    const before = sim.status;
    const p = planNow(sim);
    onPlan(p, before);
    if (!p.statusChanged && p.actions.length === 0) {
      expect(planNow(sim)).toEqual(p);
      return;
    }
    commit(sim, p);
  }
  throw new Error(
    `no fixed point after 25 plans without time passing: ${JSON.stringify(sim.status.history?.slice(-5))}`,
  );
}

function operate(sim: Simulation, op: Operation): void {
  switch (op.kind) {
    case 'time':
      sim.advance(op.seconds);
      return;
    case 'ripen':
      sim.world.podsBecomeAvailable = op.available;
      sim.world.ripen();
      return;
    case 'image':
      sim.setImage(`registry.example/web:${String(op.version)}`);
      return;
    case 'promote':
      sim.patchStatus({ pauseConditions: undefined });
      return;
    case 'promoteFull':
      sim.patchStatus({ promoteFull: true });
      return;
    case 'abort':
      sim.patchStatus({ abort: true });
      return;
    case 'retry':
      sim.patchStatus({ abort: false });
      return;
    case 'pause':
      sim.setSpec((spec) => ({ ...spec, paused: op.paused }));
      return;
  }
}

const restarts = new Set(['revision-started', 'rolled-back-to-stable', 'retried', 'deployed']);

function counterProblem(before: RolloutStatus, p: Plan): string[] {
  const t0 = before.transition ?? 0;
  const t1 = p.nextStatus.transition ?? 0;
  const expected = t0 + (p.event === undefined ? 0 : 1);
  return t1 === expected ? [] : [`transition ${String(t0)} → ${String(t1)} on ${String(p.event)}`];
}

function stepProblem(before: RolloutStatus, p: Plan): string[] {
  const after = p.nextStatus;
  if (before.currentPodHash !== after.currentPodHash || restarts.has(p.event ?? '')) return [];
  if ((after.currentStepIndex ?? 0) >= (before.currentStepIndex ?? 0)) return [];
  return [
    `currentStepIndex ${String(before.currentStepIndex)} → ${String(after.currentStepIndex)}`,
  ];
}

/** Once aborted (same revision), neither the committed weight nor a route write goes up. */
function abortProblem(before: RolloutStatus, p: Plan): string[] {
  const aborted = before.abort === true && before.abortedAt !== undefined;
  if (!aborted || before.currentPodHash !== p.nextStatus.currentPodHash) return [];
  const limit = weightOf(before);
  const raised = [
    weightOf(p.nextStatus),
    ...p.actions.map((a) => (a.kind === 'setRouteWeights' ? a.canaryWeight : 0)),
  ].filter((w) => w > limit);
  return raised.map((w) => `aborted at weight ${String(limit)}, raised to ${String(w)}`);
}

/** What must hold between a committed status and the plan made from it. */
function transitionProblems(before: RolloutStatus, p: Plan): string[] {
  const roundTrip = isDeepStrictEqual(normalizeStatus(p.nextStatus), p.nextStatus)
    ? []
    : ['nextStatus changes in a JSON round trip'];
  return [
    ...weightProblems(p),
    ...replicaProblems(p.actions),
    ...counterProblem(before, p),
    ...stepProblem(before, p),
    ...abortProblem(before, p),
    ...roundTrip,
  ];
}

describe('plan() over random canaries, operator actions, readiness and time', () => {
  it('keeps weights in range, never lowers the step or raises an aborted canary, and always settles', () => {
    fc.assert(
      fc.property(canaryRollout(), operations(), (object, ops) => {
        const sim = new Simulation(object);
        const problems: string[] = [];
        const check = (p: Plan, before: RolloutStatus): void => {
          problems.push(...transitionProblems(before, p));
          // nextStatus is a status the next step can read back.
          const reread = parseRollout({ ...sim.object, status: p.nextStatus as JsonObject });
          expect(reread.spec).toBeDefined();
        };
        reachFixedPoint(sim, check);
        for (const op of ops) {
          operate(sim, op);
          reachFixedPoint(sim, check);
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('makes the same plan from the same input, and applying its actions twice changes nothing more', () => {
    fc.assert(
      fc.property(canaryRollout(), operations(), (object, ops) => {
        const sim = new Simulation(object);
        for (const op of ops) {
          operate(sim, op);
          const p = planNow(sim);
          expect(planNow(sim)).toEqual(p);
          commit(sim, p);
          const once = JSON.stringify(sim.world.observed());
          for (const action of p.actions) applyAsTheAdapter(sim, action);
          expect(JSON.stringify(sim.world.observed())).toBe(once);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('plan() on arbitrary statuses and worlds', () => {
  it('never throws, and commits and writes only weights in 0–100 that sum to 100', () => {
    fc.assert(
      fc.property(
        canaryRollout(),
        arbitraryStatus(),
        arbitraryObserved(),
        (object, status, observed: Observed) => {
          const rollout = parseRollout({ ...object, status: status as unknown as JsonObject });
          const p = plan({ rollout, observed, now: '2026-03-01T10:00:00.000Z' });
          expect(weightProblems(p)).toEqual([]);
          expect(replicaProblems(p.actions)).toEqual([]);
          expect((p.nextStatus.transition ?? 0) - (rollout.status.transition ?? 0)).toBe(
            p.event === undefined ? 0 : 1,
          );
          expect(plan({ rollout, observed, now: '2026-03-01T10:00:00.000Z' })).toEqual(p);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('an invalid spec plans no action, whatever the status', () => {
    fc.assert(
      fc.property(arbitraryStatus(), fc.integer({ min: 101, max: 1000 }), (status, weight) => {
        const object = aRollout().steps({ setWeight: weight }).status(status).build();
        const p = plan({
          rollout: parseRollout(object),
          observed: { replicaSets: [], services: [], routes: [], analysisRuns: [] },
          now: '2026-03-01T10:00:00.000Z',
        });
        expect(p.actions).toEqual([]);
        expect(p.nextStatus.phase).toBe('Degraded');
      }),
      { numRuns: 100 },
    );
  });
});
