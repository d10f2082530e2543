// The outbox on the test bed with a real HTTP receiver for a sink: an event the sink refuses for
// good goes to the dead letters and the story goes on; a deleted Rollout is held by KULTA's
// finalizer until its pending CDEvents and service.removed (stamped with the deletion) arrived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdeventsFinalizer } from '../../functions/core/removal.ts';
import { startLocalRunner, type LocalRunner } from '../../functions/local/runner.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { CanaryApp, rolloutApi, rolloutManifest } from '../support/canary-app.ts';
import { Receiver } from '../support/faults/broker.ts';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const logger = createLogger({ level: 'silent' });
const receiver = new Receiver();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let runner: LocalRunner;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'outbox');
  await receiver.start();
  const env = { K_SINK: receiver.url, KULTA_CLUSTER_NAME: 'testbed' };
  runner = startLocalRunner({ kc: kube.kc, logger, tickSeconds: 0.5, resyncSeconds: 5, env });
});

afterAll(async () => {
  runner.stop();
  await receiver.stop();
  await ns.remove();
});

const weightChanged = 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0';

function mine(name: string): string[] {
  return receiver
    .unique()
    .filter((e) => e.subject.id === `${ns.name}/${name}`)
    .map((e) => e.context.type);
}

describe('the outbox on the test bed', () => {
  it('dead-letters an event the sink refuses for good, and the rest still arrive', async () => {
    const app = new CanaryApp(kube, ns.name, 'strict');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('strict', {
        image: 'registry.example/strict:1.0',
        steps: [{ setWeight: 50 }],
      }),
    );
    await eventually(
      'deployed',
      () => Promise.resolve(mine('strict')),
      (t) => t.length === 1,
    );
    const refused = receiver.refused.length;
    receiver.refuseTypes.add(weightChanged);
    await app.setImage('registry.example/strict:2.0');
    const story = await eventually(
      'service.upgraded',
      () => Promise.resolve(mine('strict')),
      (t) => t.some((type) => type.includes('service.upgraded')),
    );
    receiver.refuseTypes.delete(weightChanged);
    expect(story.some((type) => type === weightChanged)).toBe(false);
    expect(receiver.refused.length).toBeGreaterThan(refused);
    const status = await eventually(
      'an empty outbox with the dead letter',
      () => app.status(),
      (s) => s.outbox === undefined && (s.deadLetters ?? []).length > 0,
    );
    expect(status.deadLetters?.[0]).toMatchObject({
      event: { context: { type: weightChanged } },
      answer: expect.stringContaining('HTTP 422') as string,
    });
    expect(status.conditions).toContainEqual(
      expect.objectContaining({ type: 'CDEventsRefused', status: 'True' }),
    );
    // Counted once the step that wrote the dead letter has returned.
    await eventually(
      'the dead letter counted',
      async () => (await runner.metrics.cdeventsDeadLettered.get()).values[0]?.value ?? 0,
      (n) => n >= 1,
    );
  });

  it('holds a deleted Rollout until the sink took its last events, service.removed stamped with the deletion', async () => {
    const app = new CanaryApp(kube, ns.name, 'leaving');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('leaving', { image: 'registry.example/leaving:1.0', steps: [] }),
    );
    await eventually(
      'the finalizer',
      async () => (await app.rollout()) as unknown as { metadata: { finalizers?: string[] } },
      (r) => (r.metadata.finalizers ?? []).includes(cdeventsFinalizer),
    );
    await eventually(
      'deployed',
      () => Promise.resolve(mine('leaving')),
      (t) => t.length === 1,
    );
    receiver.mode = 'fail';
    await app.setImage('registry.example/leaving:2.0');
    await eventually(
      'events pending',
      () => app.status(),
      (s) => (s.outbox ?? []).length > 0,
    );
    await kube.custom.deleteNamespacedCustomObject({
      ...rolloutApi,
      namespace: ns.name,
      name: 'leaving',
    });
    const held = (await eventually(
      'service.removed recorded while the sink fails',
      () => app.rollout(),
      (r) => (r.status?.history ?? []).some((h) => h.event === 'removed'),
    )) as unknown as {
      metadata: { deletionTimestamp: string };
      status: { outbox?: { context: { type: string } }[] };
    };
    expect(held.status.outbox?.at(-1)?.context.type).toMatch(/service\.removed/);
    receiver.mode = 'accept';
    await eventually(
      'the Rollout gone',
      () =>
        kube.custom
          .getNamespacedCustomObject({ ...rolloutApi, namespace: ns.name, name: 'leaving' })
          .then(
            () => false,
            () => true,
          ),
      (gone) => gone,
    );
    const story = mine('leaving');
    expect(story.at(-1)).toMatch(/^dev\.cdevents\.service\.removed\./);
    expect(story.some((t) => t.includes('service.upgraded'))).toBe(true);
    const removed = receiver
      .unique()
      .find(
        (e) => e.context.type.includes('service.removed') && e.subject.id === `${ns.name}/leaving`,
      );
    expect(removed?.context.timestamp).toBe(held.metadata.deletionTimestamp);
  });
});
