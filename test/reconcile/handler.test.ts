// Which Rollout an event concerns (Rollouts themselves, ReplicaSets they control, due events),
// and the reconcile function end to end through app.request() with fake ports.
import { describe, expect, it } from 'vitest';
import type { RolloutRef, RolloutStore, World } from '../../functions/ports.ts';
import { createReconcileHandler, rolloutFor } from '../../functions/reconcile/handler.ts';
import { createApp } from '../../functions/runtime/app.ts';
import { InvalidInputError } from '../../functions/runtime/errors.ts';
import type { Incoming } from '../../functions/runtime/incoming.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';

function owner(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'kulta.io/v1alpha1',
    kind: 'Rollout',
    name: 'web',
    uid: 'uid-1',
    controller: true,
    ...extra,
  };
}

function replicaSetEvent(ownerReferences: Record<string, unknown>[] | undefined): Incoming {
  return {
    kind: 'resource',
    action: 'update',
    id: 'ev-1',
    objectKind: 'ReplicaSet',
    namespace: 'shop',
    name: 'web-abc',
    object: {
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-abc',
        namespace: 'shop',
        ...(ownerReferences ? { ownerReferences } : {}),
      },
    },
  };
}

describe('rolloutFor', () => {
  it.each([
    { name: 'added', action: 'add' },
    { name: 'updated', action: 'update' },
    { name: 'deleted', action: 'delete' },
  ] as const)('a Rollout $name is about itself', ({ action }) => {
    const event: Incoming = {
      kind: 'resource',
      action,
      id: 'ev-1',
      objectKind: 'Rollout',
      namespace: 'shop',
      name: 'web',
      object: {},
    };
    expect(rolloutFor(event)).toEqual({ namespace: 'shop', name: 'web' });
  });

  it.each([
    { name: 'controlled by a Rollout', refs: [owner({})], expected: 'web' },
    {
      name: 'controlled by a Rollout of a later API version',
      refs: [owner({ apiVersion: 'kulta.io/v1', name: 'api' })],
      expected: 'api',
    },
    {
      name: 'owned by something else and controlled by a Rollout',
      refs: [owner({ kind: 'Deployment', name: 'dep', controller: false }), owner({})],
      expected: 'web',
    },
    { name: 'without ownerReferences', refs: undefined, expected: undefined },
    {
      name: 'owned but not controlled by a Rollout',
      refs: [owner({ controller: false })],
      expected: undefined,
    },
    {
      name: 'owned by a Rollout without the controller flag',
      refs: [owner({ controller: undefined })],
      expected: undefined,
    },
    {
      name: "controlled by Argo's Rollout",
      refs: [owner({ apiVersion: 'argoproj.io/v1alpha1' })],
      expected: undefined,
    },
    {
      name: 'controlled by a group that merely starts with kulta.io',
      refs: [owner({ apiVersion: 'kulta.io.evil/v1' })],
      expected: undefined,
    },
    {
      name: 'controlled by a Deployment',
      refs: [owner({ apiVersion: 'apps/v1', kind: 'Deployment' })],
      expected: undefined,
    },
  ])('a ReplicaSet $name', ({ refs, expected }) => {
    const ref = rolloutFor(replicaSetEvent(refs));
    expect(ref).toEqual(expected === undefined ? undefined : { namespace: 'shop', name: expected });
  });

  it('a due event names its rollout', () => {
    expect(rolloutFor({ kind: 'due', id: 'ev-1', namespace: 'shop', name: 'web' })).toEqual({
      namespace: 'shop',
      name: 'web',
    });
  });

  it('refuses a ping: it belongs to tick', () => {
    expect(() => rolloutFor({ kind: 'ping', id: 'ev-1', data: {} })).toThrow(InvalidInputError);
    expect(() => rolloutFor({ kind: 'ping', id: 'ev-1', data: {} })).toThrow(/send them to tick/);
  });
});

describe('the reconcile function', () => {
  function reconcileApp() {
    const reads: RolloutRef[] = [];
    const unexpected = (): Promise<never> => Promise.reject(new Error('not expected here'));
    const rollouts: RolloutStore = {
      get: (ref) => {
        reads.push(ref);
        return Promise.resolve(undefined);
      },
      commitStatus: unexpected,
      patchMetadata: unexpected,
      list: unexpected,
    };
    const world: World = { observe: unexpected, apply: unexpected };
    const metrics = createMetrics({ defaults: false });
    const app = createApp({
      handle: createReconcileHandler({
        clock: { now: () => '2026-03-01T10:00:00.000Z' },
        rollouts,
        world,
        metrics,
      }),
      logger: createLogger({ level: 'silent' }),
      metrics,
    });
    return { app, reads, metrics };
  }

  function post(
    app: ReturnType<typeof createApp>,
    type: string,
    ext: Record<string, string>,
    body: unknown,
  ) {
    return app.request('/', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'ev-1',
        'ce-source': 'https://127.0.0.1:6443',
        'ce-type': type,
        ...ext,
      },
      body: JSON.stringify(body),
    });
  }

  it('steps the controlling Rollout of a ReplicaSet event', async () => {
    const { app, reads, metrics } = reconcileApp();
    const rs = replicaSetEvent([owner({})]);
    const object = rs.kind === 'resource' ? rs.object : {};
    const response = await post(
      app,
      'dev.knative.apiserver.resource.update',
      { 'ce-kind': 'ReplicaSet', 'ce-name': 'web-abc', 'ce-namespace': 'shop' },
      object,
    );
    expect(response.status).toBe(202);
    expect(reads).toEqual([{ namespace: 'shop', name: 'web' }]);
    expect((await metrics.steps.get()).values).toEqual([{ labels: { outcome: 'gone' }, value: 1 }]);
  });

  it('acknowledges a ReplicaSet of someone else without touching any port', async () => {
    const { app, reads, metrics } = reconcileApp();
    const response = await post(
      app,
      'dev.knative.apiserver.resource.update',
      { 'ce-kind': 'ReplicaSet', 'ce-name': 'other-abc', 'ce-namespace': 'shop' },
      { kind: 'ReplicaSet', metadata: { name: 'other-abc', namespace: 'shop' } },
    );
    expect(response.status).toBe(202);
    expect(reads).toEqual([]);
    expect((await metrics.steps.get()).values).toEqual([]);
  });

  it('steps the Rollout named by a due event', async () => {
    const { app, reads } = reconcileApp();
    const response = await post(
      app,
      'dev.kulta.rollout.due',
      {},
      { namespace: 'shop', name: 'web' },
    );
    expect(response.status).toBe(202);
    expect(reads).toEqual([{ namespace: 'shop', name: 'web' }]);
  });

  it('answers 400 to a ping, reading nothing', async () => {
    const { app, reads } = reconcileApp();
    const response = await post(app, 'dev.knative.sources.ping', {}, {});
    expect(response.status).toBe(400);
    expect(reads).toEqual([]);
  });
});
