// The CDEvents a canary's transitions record in status.outbox: the story in order, every event
// valid against the official v0.5.1 schemas, ids stable, and an outbox that never drops events.
import { describe, expect, it } from 'vitest';
import type { CDEvent } from '../../../functions/core/cdevents/index.ts';
import { type EventConfig, outboxLimit } from '../../../functions/core/events.ts';
import { plan } from '../../../functions/core/plan.ts';
import { parseRollout } from '../../../functions/core/rollout/parse.ts';
import type { JsonObject } from '../../../functions/core/rollout/types.ts';
import { aRollout } from '../../fixtures/rollout-builder.ts';
import { loadCDEventsSchemas } from '../../support/cdevents-schemas.ts';
import { Simulation, StorySimulation } from '../../support/simulated-world.ts';

const config: EventConfig = {
  source: '/kulta/test-cluster',
  environmentId: (ns) => `test-cluster/${ns}`,
};
const schemas = loadCDEventsSchemas();

class EventfulSimulation extends StorySimulation {
  constructor(object: JsonObject) {
    super(object, config);
  }
}

describe('CDEvents of a canary', () => {
  it('tell the whole story in order, each valid against the official schema', () => {
    const sim = new EventfulSimulation(aRollout().build());
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.patchStatus({ pauseConditions: [] });
    sim.settle();
    sim.advance(31);
    sim.settle();
    expect(sim.story()).toEqual([
      'service.deployed',
      'stepstarted',
      'weightchanged',
      'stepstarted',
      'paused',
      'resumed',
      'stepstarted',
      'weightchanged',
      'stepstarted',
      'paused',
      'resumed',
      'service.upgraded',
    ]);
    for (const event of sim.sent)
      expect(schemas.validate(event)).toEqual({ valid: true, errors: [] });
    const ids = sim.sent.map((e) => e.context.id);
    expect(new Set(ids).size).toBe(ids.length);
    const upgrade = sim.sent.at(-1);
    expect(upgrade?.subject.id).toBe('shop/web');
    expect(upgrade?.context.chainId).toBe(sim.sent[1]?.context.chainId);
    expect(upgrade?.context.chainId).not.toBe(sim.sent[0]?.context.chainId);
    // Each transition's record keeps the type and id of its CDEvents after delivery.
    const recorded = (sim.status.history ?? []).flatMap((h) => h.cdevents ?? []);
    const sent = sim.sent.map((e) => ({ type: e.context.type, id: e.context.id }));
    expect(recorded).toEqual(sent.slice(-recorded.length));
    expect(recorded.length).toBeGreaterThan(5);
  });

  it('tell an abort as rollout-aborted, then service.rolledback once traffic is back on stable', () => {
    const sim = new EventfulSimulation(aRollout().build());
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    sim.sent.length = 0;
    sim.patchStatus({ abort: true });
    sim.settle();
    expect(sim.story()).toEqual(['aborted', 'service.rolledback']);
    const rolledBack = sim.sent[1] as CDEvent<
      'dev.cdevents.service.rolledback.0.3.0',
      { artifactId: string }
    >;
    expect(rolledBack.subject.content.artifactId).toContain('tag=1.0');
    for (const event of sim.sent) expect(schemas.validate(event).errors).toEqual([]);
  });

  it('keep events in the outbox while the sink is down and deliver them all, in order, later', () => {
    const sim = new EventfulSimulation(aRollout().build());
    sim.sinkUp = false;
    sim.settle();
    sim.setImage('registry.example/web:2.0');
    sim.settle();
    const pending = (sim.status.outbox ?? []).map((e) => e.context.id);
    expect(pending.length).toBe(5);
    sim.sinkUp = true;
    sim.step();
    expect(sim.sent.map((e) => e.context.id)).toEqual(pending);
    expect(sim.status.outbox).toBeUndefined();
  });

  it('hold ordinary progress when the outbox is full, but never an abort', () => {
    const filler = Array.from({ length: outboxLimit }, (_, i) => ({
      context: { id: `old-${String(i)}` },
    }));
    const sim = new EventfulSimulation(aRollout().build());
    sim.settle();
    sim.sinkUp = false;
    sim.patchStatus({ outbox: filler as never });
    sim.setImage('registry.example/web:2.0');
    sim.step();
    expect(sim.status.currentPodHash).toBe(sim.status.stableRS);
    expect(sim.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'OutboxFull', status: 'True' }),
    );
    expect(sim.status.outbox).toHaveLength(outboxLimit);
  });

  it('derive the same ids when a step is planned twice (a resend is a recognisable duplicate)', () => {
    const object = aRollout().build();
    const now = '2026-03-01T10:00:00.000Z';
    const a = plan({
      rollout: parseRollout(object),
      observed: new Simulation(object).world.observed(),
      now,
      events: config,
    });
    const b = plan({
      rollout: parseRollout(object),
      observed: new Simulation(object).world.observed(),
      now,
      events: config,
    });
    expect(a.nextStatus.outbox).toEqual(b.nextStatus.outbox);
  });
});
