// A step's side effects run to completion on their own: a Kubernetes Event that cannot be
// written is told and never fails the step; a world that cannot be changed still gets the
// commit's CDEvents delivered before the step reports its failure; KULTA's finalizer keeps a
// deleted Rollout until its CDEvents reached the sink (or the grace ran out).
import { describe, expect, it } from 'vitest';
import { plan } from '../../functions/core/plan.ts';
import { cdeventsFinalizer, removalGraceSeconds } from '../../functions/core/removal.ts';
import type { JsonObject, RolloutStatus } from '../../functions/core/rollout/types.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { RolloutRef } from '../../functions/ports.ts';
import { TransientError } from '../../functions/runtime/errors.ts';
import { reconcileStep } from '../../functions/runtime/step.ts';
import { aRollout, aWorld } from '../fixtures/rollout-builder.ts';
import { Simulation } from '../support/simulated-world.ts';
import { eventConfig, fakes } from '../support/step-fakes.ts';

const ref: RolloutRef = { namespace: 'shop', name: 'web' };
const now = '2026-03-01T10:00:00.000Z';

/** A first revision: its step commits a transition, applies actions and records CDEvents. */
function firstRevision() {
  const raw = aRollout().build();
  const observed = aWorld([]);
  const expected = plan({ rollout: parseRollout(raw), observed, now, events: eventConfig });
  const ids = (expected.nextStatus.outbox ?? []).map((e) => e.context.id);
  expect(ids.length).toBeGreaterThan(0);
  expect(expected.actions.length).toBeGreaterThan(0);
  return { raw, observed, ids };
}

describe('a Kubernetes Event that cannot be written', () => {
  it.each([
    ['403', new Error('events.events.k8s.io is forbidden')],
    ['503', new TransientError('apiserver unavailable')],
  ])('(%s) is told, and the world, the outbox and the label still happen', async (_code, error) => {
    const { raw, observed, ids } = firstRevision();
    const { deps, calls } = fakes({ raw, observed, now, accept: (x) => x, recordError: error });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({ kind: 'applied', delivery: { sent: ids.length } });
    const ports = calls.map((c) => c.port);
    expect(ports).toContain('apply');
    expect(ports.filter((p) => p === 'commitStatus')).toHaveLength(2);
    expect(ports).toContain('setActive');
    expect(calls).toContainEqual({ port: 'eventNotRecorded', event: 'deployed', error });
  });
});

describe('a world that cannot be changed', () => {
  it('still gets the CDEvents of the commit delivered, then the step fails with its error', async () => {
    const { raw, observed, ids } = firstRevision();
    const failure = new TransientError('ReplicaSet create: 503');
    const { deps, calls } = fakes({ raw, observed, now, accept: (x) => x, applyError: failure });
    await expect(reconcileStep(deps, ref)).rejects.toBe(failure);
    expect(calls.filter((c) => c.port === 'deliver')).toEqual([{ port: 'deliver', ids }]);
    expect(calls.filter((c) => c.port === 'commitStatus')).toHaveLength(2);
  });
});

describe('a sink that takes nothing', () => {
  it('is reported with why delivery stopped, so the shell can tell a person', async () => {
    const { raw, observed, ids } = firstRevision();
    const { deps } = fakes({ raw, observed, now, accept: () => [] });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({
      delivery: { sent: 0, pending: ids.length, stoppedBy: { error: '503', retryable: true } },
    });
  });
});

describe("KULTA's finalizer", () => {
  const deletedAt = '2026-03-01T10:00:00.000Z';

  function deleting(extra: JsonObject = {}): JsonObject {
    const sim = new Simulation(aRollout().build(), eventConfig);
    sim.sinkUp = false;
    sim.settle();
    const metadata = sim.object.metadata as JsonObject;
    return {
      ...sim.object,
      metadata: { ...metadata, deletionTimestamp: deletedAt, finalizers: [cdeventsFinalizer] },
      ...extra,
    };
  }

  it('is added on the first step when CDEvents are recorded', async () => {
    const { raw, observed } = firstRevision();
    const { deps, calls } = fakes({ raw, observed, now, accept: (x) => x });
    await reconcileStep(deps, ref);
    expect(calls.filter((c) => c.port === 'finalizer')).toEqual([
      { port: 'finalizer', ref, action: 'add', current: [] },
    ]);
  });

  it('is not added without an event sink', async () => {
    const { raw, observed } = firstRevision();
    const { deps, calls } = fakes({ raw, observed, now });
    await reconcileStep(deps, ref);
    expect(calls.filter((c) => c.port === 'finalizer')).toEqual([]);
  });

  it('holds a deleted Rollout while the sink takes nothing, and the tick comes back', async () => {
    const raw = deleting();
    const { deps, calls } = fakes({ raw, now: '2026-03-01T10:01:00.000Z', accept: () => [] });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({ kind: 'removing', released: false, dropped: 0 });
    const [commit] = calls.filter((c) => c.port === 'commitStatus');
    const status = (commit as { status: RolloutStatus } | undefined)?.status;
    expect(status?.outbox?.at(-1)?.context.type).toMatch(/service\.removed/);
    expect(status?.outbox?.at(-1)?.context.timestamp).toBe(deletedAt);
    expect(calls.filter((c) => c.port === 'finalizer')).toEqual([]);
    expect(calls).toContainEqual({ port: 'setActive', ref, active: true });
  });

  it('lets it go once the sink took the outbox and service.removed', async () => {
    const raw = deleting();
    const pending = ((raw.status as RolloutStatus).outbox ?? []).length;
    expect(pending).toBeGreaterThan(0);
    const { deps, calls } = fakes({ raw, now: '2026-03-01T10:01:00.000Z', accept: (x) => x });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({
      kind: 'removing',
      released: true,
      dropped: 0,
      delivery: { sent: pending + 1, pending: 0 },
    });
    expect(calls.filter((c) => c.port === 'finalizer')).toEqual([
      { port: 'finalizer', ref, action: 'remove', current: [cdeventsFinalizer] },
    ]);
  });

  it('lets it go after the grace when the sink is gone for good, counting what was lost', async () => {
    const raw = deleting();
    const late = new Date(Date.parse(deletedAt) + removalGraceSeconds * 1000).toISOString();
    const { deps, calls } = fakes({ raw, now: late, accept: () => [] });
    const outcome = await reconcileStep(deps, ref);
    expect(outcome).toMatchObject({ kind: 'removing', released: true });
    expect((outcome as { dropped: number }).dropped).toBeGreaterThan(0);
    expect(calls.filter((c) => c.port === 'finalizer')).toHaveLength(1);
  });

  it('a deleted Rollout without it is gone: nothing is read or written', async () => {
    const raw = deleting();
    const metadata = { ...(raw.metadata as JsonObject), finalizers: [] };
    const { deps, calls } = fakes({ raw: { ...raw, metadata }, now, accept: (x) => x });
    expect(await reconcileStep(deps, ref)).toEqual({ kind: 'gone' });
    expect(calls.map((c) => c.port)).toEqual(['get']);
  });
});
