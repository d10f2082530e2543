// The local event bridge: watch events become exactly the CloudEvents ApiServerSource sends,
// and KeyedQueue runs one delivery per key at a time, collapsing bursts into one rerun.
import { describe, expect, it, vi } from 'vitest';
import {
  KeyedQueue,
  redelivering,
  apiServerEvent,
  pingEvent,
  watchedResources,
} from '../../functions/local/bridge.ts';
import { parseIncoming } from '../../functions/runtime/incoming.ts';
import { createLogger } from '../../functions/runtime/logger.ts';

const [rollouts, replicaSets] = watchedResources;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const source = 'https://127.0.0.1:6443';

describe('apiServerEvent', () => {
  const rollout = { kind: 'Rollout', metadata: { name: 'web', namespace: 'shop', uid: 'u1' } };

  it.each([
    { phase: 'ADDED', type: 'dev.knative.apiserver.resource.add', action: 'add' },
    { phase: 'MODIFIED', type: 'dev.knative.apiserver.resource.update', action: 'update' },
    { phase: 'DELETED', type: 'dev.knative.apiserver.resource.delete', action: 'delete' },
  ] as const)('$phase → $type with the ApiServerSource attributes', ({ phase, type, action }) => {
    if (!rollouts) throw new Error('no watched resources');
    const event = apiServerEvent(source, rollouts, phase, rollout);
    const { 'ce-id': id, ...rest } = event.headers;
    expect(id).toMatch(uuid);
    expect(rest).toEqual({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-source': source,
      'ce-type': type,
      'ce-subject': '/apis/kulta.io/v1alpha1/namespaces/shop/rollouts/web',
      'ce-kind': 'Rollout',
      'ce-apiversion': 'kulta.io/v1alpha1',
      'ce-name': 'web',
      'ce-namespace': 'shop',
    });
    expect(JSON.parse(event.body)).toEqual(rollout);
    expect(parseIncoming(event.headers, event.body)).toEqual({
      kind: 'resource',
      action,
      id,
      objectKind: 'Rollout',
      namespace: 'shop',
      name: 'web',
      object: rollout,
      time: expect.any(String) as string,
    });
  });

  it('names a ReplicaSet under its group path', () => {
    if (!replicaSets) throw new Error('no watched resources');
    const rs = { metadata: { name: 'web-abc', namespace: 'shop' } };
    const { headers } = apiServerEvent(source, replicaSets, 'MODIFIED', rs);
    expect(headers).toMatchObject({
      'ce-subject': '/apis/apps/v1/namespaces/shop/replicasets/web-abc',
      'ce-kind': 'ReplicaSet',
      'ce-apiversion': 'apps/v1',
      'ce-name': 'web-abc',
      'ce-namespace': 'shop',
    });
  });

  it('names a core resource under /api/<version>', () => {
    const pods = { path: '/api/v1/pods', apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
    const { headers } = apiServerEvent(source, pods, 'ADDED', {
      metadata: { name: 'p', namespace: 'shop' },
    });
    expect(headers['ce-subject']).toBe('/api/v1/namespaces/shop/pods/p');
  });

  it('gives every event its own id', () => {
    if (!rollouts) throw new Error('no watched resources');
    const a = apiServerEvent(source, rollouts, 'MODIFIED', rollout);
    const b = apiServerEvent(source, rollouts, 'MODIFIED', rollout);
    expect(a.headers['ce-id']).not.toBe(b.headers['ce-id']);
  });
});

describe('pingEvent', () => {
  it.each([
    { name: 'a plain ping', data: {} },
    { name: 'a resync ping', data: { resync: true } },
  ])('$name is a PingSource event reconcile tick understands', ({ data }) => {
    const event = pingEvent(data);
    expect(event.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-type': 'dev.knative.sources.ping',
      'ce-source': '/kulta/local/ping',
    });
    expect(parseIncoming(event.headers, event.body)).toEqual({
      kind: 'ping',
      id: event.headers['ce-id'],
      data,
    });
  });
});

/** A task that records when it starts and finishes only when the test says so. */
interface Gate {
  readonly task: () => Promise<void>;
  finish(): void;
  fail(error: Error): void;
}

function tracker() {
  const log: string[] = [];
  const gate = (name: string): Gate => {
    let resolve = (): void => undefined;
    let reject: (error: Error) => void = () => undefined;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return {
      task: async () => {
        log.push(`start ${name}`);
        await done;
        log.push(`end ${name}`);
      },
      finish: () => {
        resolve();
      },
      fail: (error) => {
        reject(error);
      },
    };
  };
  return { log, gate };
}

/** Lets every pending promise callback run (no timers, no waiting on the clock). */
async function settled(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('KeyedQueue', () => {
  const silent = createLogger({ level: 'silent' });

  it('runs a task at once when its key is idle', async () => {
    const queue = new KeyedQueue(silent);
    const { log, gate } = tracker();
    const a = gate('a');
    queue.push('k', a.task);
    expect(log).toEqual(['start a']);
    expect(queue.idle).toBe(false);
    a.finish();
    await settled();
    expect(log).toEqual(['start a', 'end a']);
    expect(queue.idle).toBe(true);
  });

  it('runs one task per key at a time and collapses a burst into one rerun with the newest', async () => {
    const queue = new KeyedQueue(silent);
    const { log, gate } = tracker();
    const [first, second, third, fourth] = [gate('1'), gate('2'), gate('3'), gate('4')];
    queue.push('k', first.task);
    queue.push('k', second.task);
    queue.push('k', third.task);
    queue.push('k', fourth.task);
    await settled();
    expect(log).toEqual(['start 1']);
    first.finish();
    await settled();
    expect(log).toEqual(['start 1', 'end 1', 'start 4']);
    fourth.finish();
    await settled();
    expect(log).toEqual(['start 1', 'end 1', 'start 4', 'end 4']);
    expect(queue.idle).toBe(true);
  });

  it('runs different keys concurrently', async () => {
    const queue = new KeyedQueue(silent);
    const { log, gate } = tracker();
    const [a, b] = [gate('a'), gate('b')];
    queue.push('rollout/shop/web', a.task);
    queue.push('rollout/shop/api', b.task);
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await settled();
    expect(log).toEqual(['start a', 'start b', 'end b']);
    expect(queue.idle).toBe(false);
    a.finish();
    await settled();
    expect(queue.idle).toBe(true);
  });

  it('starts a key afresh once its run is over', async () => {
    const queue = new KeyedQueue(silent);
    const { log, gate } = tracker();
    const [a, b] = [gate('a'), gate('b')];
    queue.push('k', a.task);
    a.finish();
    await settled();
    queue.push('k', b.task);
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.finish();
    await settled();
    expect(queue.idle).toBe(true);
  });

  it('still runs the newest task when the running one fails, and only once', async () => {
    const queue = new KeyedQueue(silent);
    const { log, gate } = tracker();
    const [first, second, third] = [gate('1'), gate('2'), gate('3')];
    queue.push('k', first.task);
    queue.push('k', second.task);
    first.fail(new Error('connection refused'));
    await settled();
    expect(log).toEqual(['start 1', 'start 2']);
    second.finish();
    await settled();
    expect(queue.idle).toBe(true);
    queue.push('k', third.task);
    third.finish();
    await settled();
    expect(log).toEqual(['start 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });
});

describe('redelivering', () => {
  const silent = createLogger({ level: 'silent' });

  /** A function that answers the given statuses in turn (the last one from then on). */
  function answering(...statuses: number[]) {
    const calls: number[] = [];
    const send = (): Promise<number> => {
      const status = statuses[Math.min(calls.length, statuses.length - 1)] ?? 202;
      calls.push(status);
      return Promise.resolve(status);
    };
    return { calls, send };
  }

  it.each([
    { name: 'accepted at once', statuses: [202], calls: 1 },
    { name: 'a 503, then accepted', statuses: [503, 202], calls: 2 },
    { name: '409 and 429, then accepted', statuses: [409, 429, 202], calls: 3 },
    { name: 'a 400 (not retried, as the Broker)', statuses: [400], calls: 1 },
    { name: 'always 503: the first try and 6 retries', statuses: [503], calls: 7 },
  ])('$name', async ({ statuses, calls }) => {
    vi.useFakeTimers();
    try {
      const queue = new KeyedQueue(silent);
      const fn = answering(...statuses);
      queue.push(
        'k',
        redelivering({ queue, key: 'k', send: fn.send, log: silent, current: () => true }),
      );
      // Backoff 0.5 s doubling: all six retries are due within 32 s.
      await vi.advanceTimersByTimeAsync(40_000);
      expect(fn.calls).toHaveLength(calls);
      expect(queue.idle).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not retry once a newer event for the object came in', async () => {
    vi.useFakeTimers();
    try {
      const queue = new KeyedQueue(silent);
      const old = answering(503);
      let newest = 1;
      const current = (): boolean => newest === 1;
      queue.push('k', redelivering({ queue, key: 'k', send: old.send, log: silent, current }));
      await vi.advanceTimersByTimeAsync(100);
      newest = 2;
      await vi.advanceTimersByTimeAsync(40_000);
      expect(old.calls).toHaveLength(1);
      expect(queue.idle).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
