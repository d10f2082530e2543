// The tick: which rollouts are due (active ones; on resync also unseen spec changes), each
// dispatched once, and nothing but pings accepted.
import { describe, expect, it } from 'vitest';
import type { RolloutRef, RolloutStore } from '../../functions/ports.ts';
import { createApp } from '../../functions/runtime/app.ts';
import { InvalidInputError } from '../../functions/runtime/errors.ts';
import { createLogger } from '../../functions/runtime/logger.ts';
import { createMetrics } from '../../functions/runtime/metrics.ts';
import { createTickHandler, dueRollouts } from '../../functions/tick/handler.ts';

interface Listed {
  readonly metadata?: { namespace?: string; name?: string; generation?: number };
  readonly status?: { observedGeneration?: string };
}

function listed(namespace: string, name: string, generation = 1, observed?: string): Listed {
  return {
    metadata: { namespace, name, generation },
    ...(observed === undefined ? {} : { status: { observedGeneration: observed } }),
  };
}

type ListOptions = Parameters<RolloutStore['list']>[0];

/** A store whose list answers by label selector: `active` for the active label, `all` else. */
function store(active: Listed[], all: Listed[]): { rollouts: RolloutStore; lists: ListOptions[] } {
  const lists: ListOptions[] = [];
  const unexpected = (): Promise<never> => Promise.reject(new Error('the tick only lists'));
  return {
    lists,
    rollouts: {
      list: (options) => {
        lists.push(options);
        return Promise.resolve(options.labelSelector === 'kulta.io/active=true' ? active : all);
      },
      get: unexpected,
      commitStatus: unexpected,
      patchMetadata: unexpected,
    },
  };
}

const activeOnes = [listed('shop', 'web', 3, '3'), listed('shop', 'api', 2, '1')];
const everyone = [
  ...activeOnes,
  listed('shop', 'quiet', 5, '5'),
  listed('blog', 'new', 1),
  listed('blog', 'edited', 4, '3'),
  { metadata: { namespace: 'blog' } },
];

describe('dueRollouts', () => {
  it('lists only active rollouts normally', async () => {
    const { rollouts, lists } = store(activeOnes, everyone);
    expect(await dueRollouts(rollouts, false)).toEqual([
      { namespace: 'shop', name: 'web' },
      { namespace: 'shop', name: 'api' },
    ]);
    expect(lists).toEqual([{ labelSelector: 'kulta.io/active=true' }]);
  });

  it('on resync adds rollouts whose generation was not observed, each once', async () => {
    const { rollouts, lists } = store(activeOnes, everyone);
    expect(await dueRollouts(rollouts, true)).toEqual([
      { namespace: 'shop', name: 'web' },
      { namespace: 'shop', name: 'api' },
      { namespace: 'blog', name: 'new' },
      { namespace: 'blog', name: 'edited' },
    ]);
    expect(lists).toEqual([{ labelSelector: 'kulta.io/active=true' }, {}]);
  });

  it('skips listed items without a namespace or name', async () => {
    const { rollouts } = store([{ metadata: { name: 'x' } }, {}, listed('shop', 'web')], []);
    expect(await dueRollouts(rollouts, false)).toEqual([{ namespace: 'shop', name: 'web' }]);
  });

  it('tells same names in different namespaces apart', async () => {
    const { rollouts } = store([listed('a', 'web'), listed('b', 'web'), listed('a', 'web')], []);
    expect(await dueRollouts(rollouts, false)).toEqual([
      { namespace: 'a', name: 'web' },
      { namespace: 'b', name: 'web' },
    ]);
  });
});

describe('the tick function', () => {
  function tickApp(active: Listed[], all: Listed[]) {
    const { rollouts, lists } = store(active, all);
    const dispatched: { ref: RolloutRef; tickId: string }[] = [];
    const handle = createTickHandler({
      rollouts,
      dispatch: (ref, tickId) => {
        dispatched.push({ ref, tickId });
        return Promise.resolve();
      },
    });
    const app = createApp({
      handle,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaults: false }),
    });
    return { app, handle, lists, dispatched };
  }

  function ping(app: ReturnType<typeof createApp>, type: string, body: string) {
    return app.request('/', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'tick-7',
        'ce-source': '/apis/v1/namespaces/kulta/pingsources/tick',
        'ce-type': type,
      },
      body,
    });
  }

  it.each([
    { name: 'a plain ping', body: '', resync: false, due: ['shop/web', 'shop/api'] },
    {
      name: 'a resync ping',
      body: '{"resync":true}',
      resync: true,
      due: ['shop/web', 'shop/api', 'blog/new', 'blog/edited'],
    },
    {
      name: 'a ping whose resync is not literally true',
      body: '{"resync":"yes"}',
      resync: false,
      due: ['shop/web', 'shop/api'],
    },
  ])('dispatches each due rollout once on $name', async ({ body, resync, due }) => {
    const { app, lists, dispatched } = tickApp([...activeOnes, ...activeOnes], everyone);
    const response = await ping(app, 'dev.knative.sources.ping', body);
    expect(response.status).toBe(202);
    expect(lists).toHaveLength(resync ? 2 : 1);
    expect(dispatched).toEqual(
      due.map((d) => {
        const [namespace = '', name = ''] = d.split('/');
        return { ref: { namespace, name }, tickId: 'tick-7' };
      }),
    );
  });

  it('refuses a due event with 400, listing nothing', async () => {
    const { app, lists, dispatched } = tickApp(activeOnes, everyone);
    const response = await ping(app, 'dev.kulta.rollout.due', '{"namespace":"shop","name":"web"}');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'tick takes PingSource events, not due events',
      kind: 'invalid',
    });
    expect(lists).toEqual([]);
    expect(dispatched).toEqual([]);
  });

  it('rejects a resource event with InvalidInputError when called directly', async () => {
    const { handle } = tickApp(activeOnes, everyone);
    const event = {
      kind: 'resource',
      action: 'add',
      id: 'ev-1',
      objectKind: 'Rollout',
      namespace: 'shop',
      name: 'web',
      object: {},
    } as const;
    await expect(handle(event, createLogger({ level: 'silent' }))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
