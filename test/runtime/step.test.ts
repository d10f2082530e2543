// reconcileStep with fake ports: the exact calls of a step — read, observe, commit with the
// read resourceVersion, then the world applied from the committed status, fenced.
import { describe, expect, it } from 'vitest';
import { normalizeStatus, plan } from '../../functions/core/plan.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { JsonObject, RolloutSpec, RolloutStatus } from '../../functions/core/rollout/types.ts';
import type { RolloutRef } from '../../functions/ports.ts';
import {
  ConflictError,
  InvalidInputError,
  TransientError,
} from '../../functions/runtime/errors.ts';
import { reconcileStep } from '../../functions/runtime/step.ts';
import { aReplicaSet, aRollout, aWorld } from '../fixtures/rollout-builder.ts';
import { Simulation } from '../support/simulated-world.ts';

import { eventConfig, fakes } from '../support/step-fakes.ts';

const ref: RolloutRef = { namespace: 'shop', name: 'web' };

function withLabel(object: JsonObject, active: boolean): JsonObject {
  const metadata = object.metadata as JsonObject;
  return active
    ? { ...object, metadata: { ...metadata, labels: { 'kulta.io/active': 'true' } } }
    : object;
}

/** A rollout whose first revision is deployed and healthy, and the world that matches it. */
function healthy(): Simulation {
  const sim = new Simulation(aRollout().build());
  sim.settle();
  return sim;
}

/** A rollout paused at its first pause step (active: the tick keeps visiting it). */
function paused(): Simulation {
  const sim = healthy();
  sim.setImage('registry.example/web:2.0');
  sim.settle();
  return sim;
}

function specOf(raw: unknown): RolloutSpec {
  const { spec } = parseRollout(raw);
  if (!spec) throw new Error('fixture has an invalid spec');
  return spec;
}

describe('reconcileStep', () => {
  it('reads only, when the Rollout is gone', async () => {
    const { deps, calls } = fakes({ raw: undefined });
    expect(await reconcileStep(deps, ref)).toEqual({ kind: 'gone' });
    expect(calls).toEqual([{ port: 'get', ref }]);
  });

  it('reads only, when the Rollout is being deleted', async () => {
    const raw = aRollout().build();
    const deleting = {
      ...raw,
      metadata: { ...(raw.metadata as JsonObject), deletionTimestamp: '2026-03-01T09:00:00Z' },
    };
    const { deps, calls } = fakes({ raw: deleting });
    expect(await reconcileStep(deps, ref)).toEqual({ kind: 'gone' });
    expect(calls).toEqual([{ port: 'get', ref }]);
  });

  it('refuses an object that is not a Rollout as invalid input, after the read only', async () => {
    const { deps, calls } = fakes({ raw: { metadata: { name: 'web' } } });
    await expect(reconcileStep(deps, ref)).rejects.toBeInstanceOf(InvalidInputError);
    expect(calls).toEqual([{ port: 'get', ref }]);
  });

  it('writes nothing when a healthy rollout matches its world', async () => {
    const sim = healthy();
    const { deps, calls } = fakes({
      raw: sim.object,
      observed: sim.world.observed(),
      now: sim.now(),
    });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome.kind).toBe('noop');
    expect(calls).toEqual([
      { port: 'get', ref },
      { port: 'observe', ref, uid: 'uid-1', spec: specOf(sim.object) },
    ]);
  });

  it('commits with the read resourceVersion, then applies every action in order, fenced', async () => {
    const raw = aRollout().build();
    const observed = aWorld([]);
    const now = '2026-03-01T10:00:00.000Z';
    const expected = plan({ rollout: parseRollout(raw), observed, now });
    expect(expected.statusChanged).toBe(true);
    expect(expected.actions.length).toBeGreaterThan(0);
    const transition = expected.nextStatus.transition;
    expect(transition).toBe(1);

    const { deps, calls } = fakes({ raw, observed, now });
    const outcome = await reconcileStep(deps, ref);

    const spec = specOf(raw);
    const fence = { rollout: ref, uid: 'uid-1', transition };
    expect(outcome).toEqual({ kind: 'applied', plan: expected, committed: true });
    expect(calls).toEqual([
      { port: 'get', ref },
      { port: 'observe', ref, uid: 'uid-1', spec },
      { port: 'commitStatus', ref, resourceVersion: '100', status: expected.nextStatus },
      ...expected.actions.map((action) => ({ port: 'apply', action, fence, spec })),
      ...(expected.active ? [{ port: 'setActive', ref, active: true }] : []),
    ]);
  });

  it('heals a drifted world without a commit, fenced by the stored transition', async () => {
    const sim = healthy();
    const hash = sim.status.stableRS ?? '';
    const observed = aWorld([aReplicaSet(hash, 4)], 30, hash);
    const expected = plan({ rollout: parseRollout(sim.object), observed, now: sim.now() });
    expect(expected.statusChanged).toBe(false);
    const { deps, calls } = fakes({ raw: sim.object, observed, now: sim.now() });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({ kind: 'applied', committed: false });
    const fence = { rollout: ref, uid: 'uid-1', transition: sim.status.transition };
    expect(calls.slice(2)).toEqual(
      expected.actions.map((action) => ({
        port: 'apply',
        action,
        fence,
        spec: specOf(sim.object),
      })),
    );
    expect(calls.slice(2).map((c) => (c.port === 'apply' ? c.action.kind : c.port))).toEqual([
      'setRouteWeights',
    ]);
  });

  it('stops at a conflicting commit: outcome conflict, the world untouched', async () => {
    const { deps, calls } = fakes({
      raw: aRollout().build(),
      commitError: new ConflictError('resourceVersion 100 is gone'),
    });
    expect(await reconcileStep(deps, ref)).toEqual({
      kind: 'conflict',
      message: 'resourceVersion 100 is gone',
    });
    expect(calls.map((c) => c.port)).toEqual(['get', 'observe', 'commitStatus']);
  });

  it('lets a transient commit failure propagate, the world untouched', async () => {
    const { deps, calls } = fakes({
      raw: aRollout().build(),
      commitError: new TransientError('apiserver 503'),
    });
    await expect(reconcileStep(deps, ref)).rejects.toBeInstanceOf(TransientError);
    expect(calls.map((c) => c.port)).toEqual(['get', 'observe', 'commitStatus']);
  });

  it('lets a transient observe failure propagate, writing nothing', async () => {
    const { deps, calls } = fakes({
      raw: aRollout().build(),
      observeError: new TransientError('apiserver 503'),
    });
    await expect(reconcileStep(deps, ref)).rejects.toThrow('apiserver 503');
    expect(calls.map((c) => c.port)).toEqual(['get', 'observe']);
  });

  it('commits an InvalidSpec status for an invalid spec and applies nothing', async () => {
    const raw = aRollout().steps({ experiment: {} }).build();
    const { deps, calls } = fakes({ raw });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({ kind: 'applied', committed: true });
    expect(calls).toEqual([
      { port: 'get', ref },
      {
        port: 'commitStatus',
        ref,
        resourceVersion: '100',
        status: expect.objectContaining({
          phase: 'Degraded',
          conditions: [
            expect.objectContaining({
              type: 'InvalidSpec',
              status: 'True',
              message: expect.stringContaining('"experiment" steps are not supported') as string,
            }),
            expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec' }),
            expect.objectContaining({ type: 'Reconciling', status: 'False' }),
            expect.objectContaining({
              type: 'Stalled',
              status: 'True',
              reason: 'InvalidSpec',
              observedGeneration: 1,
            }),
          ],
        }) as RolloutStatus,
      },
    ]);
  });

  it.each([
    { name: 'healthy, unlabelled', make: healthy, labelled: false, setActive: [] },
    { name: 'healthy, still labelled', make: healthy, labelled: true, setActive: [false] },
    { name: 'paused, labelled', make: paused, labelled: true, setActive: [] },
    { name: 'paused, unlabelled', make: paused, labelled: false, setActive: [true] },
  ])('sets the active label only when it differs: $name', async ({ make, labelled, setActive }) => {
    const sim = make();
    const raw = withLabel(sim.object, labelled);
    const expected = plan({
      rollout: parseRollout(raw),
      observed: sim.world.observed(),
      now: sim.now(),
    });
    expect(expected.statusChanged).toBe(false);
    const { deps, calls } = fakes({ raw, observed: sim.world.observed(), now: sim.now() });
    const outcome = await reconcileStep(deps, ref);
    expect(calls.filter((c) => c.port === 'setActive')).toEqual(
      setActive.map((active) => ({ port: 'setActive', ref, active })),
    );
    // A label write is a write: the step is not reported as a no-op.
    expect(outcome.kind).toBe(setActive.length > 0 ? 'applied' : 'noop');
    expect(calls.filter((c) => c.port === 'commitStatus' || c.port === 'apply')).toEqual([]);
  });
});

describe('reconcileStep with CDEvents', () => {
  const now = '2026-03-01T10:00:00.000Z';

  /** A first revision: its commit records at least one CDEvent in the outbox. */
  function firstRevision() {
    const raw = aRollout().build();
    const observed = aWorld([]);
    const expected = plan({ rollout: parseRollout(raw), observed, now, events: eventConfig });
    const ids = (expected.nextStatus.outbox ?? []).map((e) => e.context.id);
    expect(ids.length).toBeGreaterThan(0);
    return { raw, observed, expected, ids };
  }

  it('delivers the outbox after the world, then removes what the sink took, on the committed resourceVersion', async () => {
    const { raw, observed, expected, ids } = firstRevision();
    const accepted = ids.slice(0, 1);
    const { deps, calls } = fakes({ raw, observed, now, accept: () => accepted });
    await reconcileStep(deps, ref);
    const ports = calls.map((c) => c.port);
    expect(ports.indexOf('deliver')).toBeGreaterThan(ports.lastIndexOf('apply'));
    expect(calls.filter((c) => c.port === 'deliver')).toEqual([{ port: 'deliver', ids }]);
    const rest = (expected.nextStatus.outbox ?? []).slice(1);
    expect(calls.filter((c) => c.port === 'commitStatus')).toEqual([
      { port: 'commitStatus', ref, resourceVersion: '100', status: expected.nextStatus },
      {
        port: 'commitStatus',
        ref,
        resourceVersion: '101',
        status: normalizeStatus({
          ...expected.nextStatus,
          outbox: rest.length > 0 ? rest : undefined,
        }),
      },
    ]);
  });

  it('keeps the outbox when the sink takes nothing: no second commit', async () => {
    const { raw, observed, ids } = firstRevision();
    const { deps, calls } = fakes({ raw, observed, now, accept: () => [] });
    await reconcileStep(deps, ref);
    expect(calls.filter((c) => c.port === 'deliver')).toEqual([{ port: 'deliver', ids }]);
    expect(calls.filter((c) => c.port === 'commitStatus')).toHaveLength(1);
  });

  it('moves an event the sink refuses for good to the dead letters and delivers the rest', async () => {
    const { raw, observed, expected, ids } = firstRevision();
    const [refusedId, ...others] = ids;
    const { deps, calls } = fakes({
      raw,
      observed,
      now,
      accept: () => others,
      refuse: () => (refusedId ? [refusedId] : []),
    });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({
      delivery: { sent: others.length, deadLettered: 1, pending: 0 },
    });
    const second = calls.filter((c) => c.port === 'commitStatus')[1];
    const status = (second as { status: RolloutStatus } | undefined)?.status;
    expect(status?.outbox).toBeUndefined();
    expect(status?.deadLetters).toEqual([
      {
        event: expected.nextStatus.outbox?.[0],
        answer: 'HTTP 422 Unprocessable Entity',
        refusedAt: now,
      },
    ]);
    expect(status?.conditions).toContainEqual(
      expect.objectContaining({
        type: 'CDEventsRefused',
        status: 'True',
        reason: 'SinkRefusedEvent',
      }),
    );
  });

  it('sends nothing when the status commit lost to another writer', async () => {
    const { raw, observed } = firstRevision();
    const { deps, calls } = fakes({
      raw,
      observed,
      now,
      accept: (ids) => ids,
      commitError: new ConflictError('gone'),
    });
    expect((await reconcileStep(deps, ref)).kind).toBe('conflict');
    expect(calls.map((c) => c.port)).toEqual(['get', 'observe', 'commitStatus']);
  });
});
