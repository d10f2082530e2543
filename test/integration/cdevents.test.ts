// CDEvents through a real HTTP receiver standing in for the Knative Broker: a full canary tells
// its story in order; a receiver that refuses, fails or stalls for part of the rollout delays
// events but loses none; a step that dies between commit and send still gets its events out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDEvent } from '../../functions/core/cdevents/index.ts';
import { startLocalRunner, type LocalRunner } from '../../functions/local/runner.ts';
import { kubernetesDeps } from '../../functions/runtime/deps.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { reconcileStep } from '../../functions/runtime/step.ts';
import { loadCDEventsSchemas } from '../support/cdevents-schemas.ts';
import { CanaryApp, rolloutManifest } from '../support/canary-app.ts';
import { Receiver } from '../support/faults/broker.ts';
import { eventually, tempNamespace, testKube } from '../support/kube.ts';

const kube = testKube();
const logger = createLogger({ level: 'silent' });
const receiver = new Receiver();
const schemas = loadCDEventsSchemas();
let ns: Awaited<ReturnType<typeof tempNamespace>>;
let runner: LocalRunner;
let env: Record<string, string>;

beforeAll(async () => {
  ns = await tempNamespace(kube, 'cdevents');
  await receiver.start();
  env = {
    K_SINK: `http://127.0.0.1:${String(receiver.port)}/`,
    K_CE_OVERRIDES: '{"extensions":{"cluster":"testbed"}}',
    KULTA_CLUSTER_NAME: 'testbed',
  };
  runner = startLocalRunner({ kc: kube.kc, logger, tickSeconds: 0.5, resyncSeconds: 5, env });
});

afterAll(async () => {
  runner.stop();
  await receiver.stop();
  await ns.remove();
});

const short = (type: string): string =>
  type.replace(/^dev\.cdevents(x\.kulta-rollout)?\./, '').replace(/\.\d+\.\d+\.\d+$/, '');

function storyOf(events: CDEvent[], name: string): string[] {
  return events
    .filter((e) => e.subject.id === `${ns.name}/${name}`)
    .map((e) => short(e.context.type));
}

describe('CDEvents of a canary on the test bed', () => {
  it('arrive in order, in binary mode, valid, with the sink overrides applied', async () => {
    const app = new CanaryApp(kube, ns.name, 'story');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('story', { image: 'registry.example/story:1.0', steps: [{ setWeight: 50 }] }),
    );
    await eventually(
      'service.deployed',
      () => Promise.resolve(storyOf(receiver.unique(), 'story')),
      (s) => s.includes('service.deployed'),
    );
    await app.setImage('registry.example/story:2.0');
    const story = await eventually(
      'service.upgraded',
      () => Promise.resolve(storyOf(receiver.unique(), 'story')),
      (s) => s.includes('service.upgraded'),
    );
    expect(story).toEqual(['service.deployed', 'stepstarted', 'weightchanged', 'service.upgraded']);
    const mine = receiver.received.filter((r) => r.event.subject.id === `${ns.name}/story`);
    for (const { headers, event } of mine) {
      expect(schemas.validate(event).errors).toEqual([]);
      expect(headers).toMatchObject({
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': event.context.id,
        'ce-type': event.context.type,
        'ce-source': '/kulta/testbed',
        'ce-subject': `${ns.name}/story`,
        'ce-cluster': 'testbed',
      });
      expect(event.context.source).toBe('/kulta/testbed');
    }
    expect((await app.status()).outbox).toBeUndefined();
    const sent = await runner.metrics.cdeventsSent.get();
    expect(sent.values[0]?.value).toBeGreaterThanOrEqual(story.length);
  });

  it('lose nothing while the receiver refuses, fails and stalls for part of a rollout', async () => {
    const app = new CanaryApp(kube, ns.name, 'flaky');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('flaky', {
        image: 'registry.example/flaky:1.0',
        steps: [{ setWeight: 20 }, { setWeight: 60 }, { pause: { duration: 1 } }],
      }),
    );
    await eventually(
      'deployed',
      () => Promise.resolve(storyOf(receiver.unique(), 'flaky')),
      (s) => s.length === 1,
    );
    await receiver.stop();
    await app.setImage('registry.example/flaky:2.0');
    await eventually(
      'a pending outbox',
      () => app.status(),
      (s) => (s.outbox ?? []).length >= 2,
    );
    await receiver.start(receiver.port);
    receiver.mode = 'fail';
    await eventually(
      'more events pending',
      () => app.status(),
      (s) => (s.outbox ?? []).length >= 4,
    );
    receiver.mode = 'stall';
    await eventually(
      'still pending',
      () => app.status(),
      (s) => (s.outbox ?? []).length >= 4,
    );
    receiver.mode = 'accept';
    const story = await eventually(
      'every event delivered',
      () => Promise.resolve(storyOf(receiver.unique(), 'flaky')),
      (s) => s.includes('service.upgraded'),
      90_000,
    );
    expect(story).toEqual([
      'service.deployed',
      'stepstarted',
      'weightchanged',
      'stepstarted',
      'weightchanged',
      'stepstarted',
      'paused',
      'resumed',
      'service.upgraded',
    ]);
    const transitions = receiver
      .unique()
      .filter((e) => e.subject.id === `${ns.name}/flaky`)
      .map((e) => e.customData.transition);
    expect(transitions).toEqual([...transitions].sort((a, b) => a - b));
    await eventually(
      'an empty outbox',
      () => app.status(),
      (s) => s.outbox === undefined,
    );
  });

  it('still delivers the events of a step that died between its commit and the send', async () => {
    runner.stop(); // this step alone acts on the new Rollout until the runner restarts
    const app = new CanaryApp(kube, ns.name, 'crash');
    await app.createBackends();
    await app.createRollout(
      rolloutManifest('crash', { image: 'registry.example/crash:1.0', steps: [] }),
    );
    // Commit the first transition with a sink that dies mid-send, as a killed process would.
    const dying = {
      ...kubernetesDeps(kube.kc, undefined, env),
      events: {
        config: { source: '/kulta/testbed', environmentId: (n: string) => `testbed/${n}` },
        sink: {
          deliver: () => Promise.reject(new Error('process killed')),
        },
      },
    };
    await expect(reconcileStep(dying, { namespace: ns.name, name: 'crash' })).rejects.toThrow(
      'process killed',
    );
    const committed = await app.status();
    expect(committed.outbox?.map((e) => short(e.context.type))).toEqual(['service.deployed']);
    const id = committed.outbox?.[0]?.context.id;
    runner = startLocalRunner({ kc: kube.kc, logger, tickSeconds: 0.5, resyncSeconds: 5, env });
    const delivered = await eventually(
      'the committed event delivered by a later step',
      () => Promise.resolve(receiver.unique().filter((e) => e.context.id === id)),
      (events) => events.length === 1,
    );
    expect(delivered[0]?.context.timestamp).toBe(committed.outbox?.[0]?.context.timestamp);
  });
});
