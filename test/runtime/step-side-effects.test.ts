// A step's side effects run to completion on their own: a Kubernetes Event that cannot be
// written is told and never fails the step; a world that cannot be changed still gets the
// commit's CDEvents delivered before the step reports its failure.
import { describe, expect, it } from 'vitest';
import { plan } from '../../functions/core/plan.ts';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { RolloutRef } from '../../functions/ports.ts';
import { TransientError } from '../../functions/runtime/errors.ts';
import { reconcileStep } from '../../functions/runtime/step.ts';
import { aRollout, aWorld } from '../fixtures/rollout-builder.ts';
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
