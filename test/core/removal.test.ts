// A deleted Rollout's last story (pure): service.removed recorded once, stamped with the
// deletion itself (so every resend is the same event), and the finalizer released once the sink
// has everything or the grace ran out.
import { describe, expect, it } from 'vitest';
import { parseRollout } from '../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import {
  cdeventsFinalizer,
  mayRelease,
  planRemoval,
  removalGraceSeconds,
} from '../../functions/core/removal.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';
import { StorySimulation, testEvents } from '../support/simulated-world.ts';

const deletedAt = '2026-03-01T12:00:00Z';

/** A deployed canary, then deleted: deletionTimestamp set, KULTA's finalizer still on it. */
function deleted(): JsonObject {
  const sim = new StorySimulation(aRollout().build());
  sim.settle();
  const metadata = sim.object.metadata as JsonObject;
  return {
    ...sim.object,
    metadata: { ...metadata, deletionTimestamp: deletedAt, finalizers: [cdeventsFinalizer] },
  };
}

describe('planRemoval', () => {
  it('records service.removed once, stamped with the deletion, as a transition of its own', () => {
    const rollout = parseRollout(deleted());
    const first = planRemoval(rollout, '2026-03-01T12:00:05Z', testEvents);
    expect(first.statusChanged).toBe(true);
    const removed = first.nextStatus.outbox?.at(-1);
    expect(removed?.context.type).toMatch(/^dev\.cdevents\.service\.removed\./);
    expect(removed?.context.timestamp).toBe(deletedAt);
    expect(first.nextStatus.transition).toBe((rollout.status.transition ?? 0) + 1);
    expect(first.nextStatus.history?.at(-1)).toMatchObject({
      event: 'removed',
      at: deletedAt,
      cdevents: [{ type: removed?.context.type, id: removed?.context.id }],
    });
    // A later step (a redelivery, the tick) records nothing more.
    const again = planRemoval(
      { ...rollout, status: first.nextStatus },
      '2026-03-01T12:01:00Z',
      testEvents,
    );
    expect(again.statusChanged).toBe(false);
  });

  it('gives the same event whenever it is planned (ids and timestamp do not depend on now)', () => {
    const rollout = parseRollout(deleted());
    const a = planRemoval(rollout, '2026-03-01T12:00:05Z', testEvents).nextStatus.outbox?.at(-1);
    const b = planRemoval(rollout, '2026-03-01T13:00:00Z', testEvents).nextStatus.outbox?.at(-1);
    expect(a).toEqual(b);
  });

  it('records nothing without an event sink', () => {
    expect(planRemoval(parseRollout(deleted()), deletedAt, undefined).statusChanged).toBe(false);
  });
});

describe('mayRelease', () => {
  const rollout = parseRollout(deleted());
  const after = (seconds: number): string =>
    new Date(Date.parse(deletedAt) + seconds * 1000).toISOString();

  it.each([
    ['everything delivered', 0, after(1), true],
    ['events pending, within the grace', 2, after(removalGraceSeconds - 1), false],
    ['events pending, the grace ran out', 2, after(removalGraceSeconds), true],
  ])('%s', (_name, pending, now, expected) => {
    expect(mayRelease(rollout, pending, now)).toBe(expected);
  });
});
