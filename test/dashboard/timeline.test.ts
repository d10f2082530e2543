// The dashboard's timeline: status.history, the Kubernetes Events the recorder wrote, and the
// CDEvents still in status.outbox, merged per transition, newest first.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { OperationError } from '../../functions/cli/operate.ts';
import { operationPolicy } from '../../functions/dashboard/kubernetes.ts';
import { buildTimeline, type TimelineInput } from '../../functions/dashboard/timeline.ts';
import {
  ConflictError,
  InvalidInputError,
  StalledError,
  TransientError,
} from '../../functions/runtime/errors.ts';

const uid = '6f1c2d1e-8a63-4a39-9a3c-1f5e2b7c9d10';

function kubeEvent(transition: number, event: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name: `web.v2.${uid.slice(0, 8)}.${String(transition)}.${event}` },
    regarding: { kind: 'Rollout', name: 'web.v2', uid },
    eventTime: `2026-11-22T10:00:0${String(transition)}.000000Z`,
    reason: event.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    note: `note of ${event}`,
    type: 'Normal',
    ...extra,
  };
}

function cdevent(transition: number, type: string, id: string) {
  return { context: { id, type }, customData: { transition } };
}

const input: TimelineInput = {
  uid,
  history: [
    {
      transition: 2,
      at: '2026-11-22T10:00:02Z',
      event: 'weight-set',
      message: 'canary weight 20%',
    },
    { transition: 3, at: '2026-11-22T10:00:03Z', event: 'paused', message: 'paused at step 1' },
  ],
  outbox: [
    cdevent(2, 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0', 'id-2'),
    cdevent(3, 'dev.cdeventsx.kulta-rollout.paused.0.1.0', 'id-3'),
    cdevent(3, 'dev.cdeventsx.kulta-rollout.stepstarted.0.1.0', 'id-3b'),
  ],
  events: [
    kubeEvent(1, 'deployed'),
    kubeEvent(2, 'weight-set'),
    kubeEvent(3, 'paused'),
    kubeEvent(3, 'action-failed', { type: 'Warning', note: 'scaling failed' }),
  ],
};

describe('buildTimeline', () => {
  it('puts each transition with its Kubernetes Event and CDEvents, newest first', () => {
    const timeline = buildTimeline(input);
    expect(timeline.map((e) => [e.transition, e.event])).toEqual([
      [3, 'paused'],
      [3, 'action-failed'],
      [2, 'weight-set'],
      [1, 'deployed'],
    ]);
    expect(timeline[0]).toEqual({
      transition: 3,
      at: '2026-11-22T10:00:03Z',
      event: 'paused',
      message: 'paused at step 1',
      kubernetesEvent: {
        name: `web.v2.${uid.slice(0, 8)}.3.paused`,
        type: 'Normal',
        reason: 'Paused',
      },
      cdevents: [
        { type: 'dev.cdeventsx.kulta-rollout.paused.0.1.0', id: 'id-3', pending: true },
        { type: 'dev.cdeventsx.kulta-rollout.stepstarted.0.1.0', id: 'id-3b', pending: true },
      ],
    });
  });

  it('shows delivered CDEvents from the history record, pending ones from the outbox', () => {
    const timeline = buildTimeline({
      ...input,
      history: [
        {
          transition: 2,
          at: '2026-11-22T10:00:02Z',
          event: 'weight-set',
          message: 'canary weight 20%',
          cdevents: [{ type: 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0', id: 'id-2' }],
        },
        {
          transition: 4,
          at: '2026-11-22T10:00:04Z',
          event: 'step-completed',
          message: 'step 1 completed',
          cdevents: [{ type: 'dev.cdeventsx.kulta-rollout.resumed.0.1.0', id: 'id-4' }],
        },
      ],
      outbox: [cdevent(2, 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0', 'id-2')],
      events: [],
    });
    expect(timeline.map((e) => [e.transition, e.cdevents])).toEqual([
      [4, [{ type: 'dev.cdeventsx.kulta-rollout.resumed.0.1.0', id: 'id-4', pending: false }]],
      [2, [{ type: 'dev.cdeventsx.kulta-rollout.weightchanged.0.1.0', id: 'id-2', pending: true }]],
    ]);
  });

  it('keeps Events older than status.history, and failures that are not transitions of their own', () => {
    const [, failed, , deployed] = buildTimeline(input);
    expect(failed).toMatchObject({
      event: 'action-failed',
      message: 'scaling failed',
      kubernetesEvent: { type: 'Warning' },
      cdevents: [],
    });
    expect(deployed).toMatchObject({
      transition: 1,
      at: '2026-11-22T10:00:01.000000Z',
      message: 'note of deployed',
    });
  });

  it.each([
    ['of another Rollout with the same name (another uid)', { regarding: { uid: 'other' } }],
    ['not named by the recorder', { metadata: { name: 'web.v2.17a3' } }],
    [
      'of another incarnation (uid prefix differs)',
      { metadata: { name: 'web.v2.ffffffff.4.paused' } },
    ],
  ])('ignores an Event %s', (_, extra) => {
    const timeline = buildTimeline({
      ...input,
      history: [],
      outbox: [],
      events: [kubeEvent(4, 'paused', extra)],
    });
    expect(timeline).toEqual([]);
  });

  it('shows CDEvents of a transition status.history no longer keeps under their counter', () => {
    const timeline = buildTimeline({
      uid,
      history: [],
      events: [],
      outbox: [cdevent(9, 'dev.cdevents.service.upgraded.0.3.0', 'id-9'), { context: {} }, 'junk'],
    });
    expect(timeline).toEqual([
      {
        transition: 9,
        event: 'cdevents',
        at: undefined,
        message: 'CDEvents of a transition no longer in status.history',
        kubernetesEvent: undefined,
        cdevents: [{ type: 'dev.cdevents.service.upgraded.0.3.0', id: 'id-9', pending: true }],
      },
    ]);
  });
});

describe('operationPolicy', () => {
  it.each([
    [409, ConflictError],
    [403, StalledError],
    [401, StalledError],
    [422, InvalidInputError],
    [400, InvalidInputError],
    [500, TransientError],
    [undefined, TransientError],
  ])('gives a refused write with API status %s the policy %o', (code, policy) => {
    const cause =
      code === undefined ? new Error('socket hang up') : new ApiException(code, 'm', '{}', {});
    const converted = operationPolicy(
      new OperationError('Rollout shop/web: patching it failed', { cause }),
    );
    expect(converted).toBeInstanceOf(policy);
    expect(converted.message).toBe('Rollout shop/web: patching it failed');
  });
});
